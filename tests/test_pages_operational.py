"""The operational pages (Casos, Importar, Qualidade dos dados) run against real DuckDB files.

Every page is driven through Streamlit's AppTest from app.py, as the server runs it (pages-directory
mode: a page is reached by switching to it). Imports write into a copy of the demo database, never
into the shared session fixture. The importer's logic is also tested directly on a real store.
"""

from __future__ import annotations

import json

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_helpers import ADMIN, assert_ok, each_tab, open_as, open_tab, rendered_text  # noqa: F401  (shared with the access tests)
from forms_factory import make_record
from retention_analytics.demo import render
from retention_analytics.privacy import mask_cpf
from retention_analytics.store import Store
from retention_analytics.ui import importer

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CASOS = "pages/5_Casos.py"
IMPORTAR = "pages/6_Importar.py"
QUALIDADE = "pages/7_Qualidade_dos_dados.py"
TIMEOUT = 120

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Personal data written into an uploaded form, to prove none of it reaches the screen unmasked.
RAW_PHONE = "(31) 98765-4321"
RAW_EMAIL = "joana.teste@exemplo.com.br"
NOTE_CPF = "529.982.247-25"


def open_page(page: str, query: dict[str, str] | None = None) -> AppTest:
    """The page as an administrator sees it (logged in: real data has no local demo user)."""
    return open_as(page, ADMIN, query)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Store(db).connect() as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def demo_copy(real_db, tmp_path, use_db) -> Path:
    """A private copy of the demo database for tests that import into it."""
    path = tmp_path / "demo_copy.duckdb"
    shutil.copy(real_db, path)
    return use_db(path)


def upload_form(protocol: str = "UPL-0001", **fields) -> bytes:
    record = make_record(
        protocol_number=protocol,
        contacts=[{"number": 1, "date": "2024-03-02", "note": f"Ligar para {RAW_PHONE} ou {RAW_EMAIL}"}],
        general_note=f"Sócio informou o CPF {NOTE_CPF} por telefone.",
        **fields,
    )
    return render(record, "xlsx")


# --------------------------------------------------------------------------- every page runs
@pytest.mark.parametrize("page", [CASOS, IMPORTAR, QUALIDADE])
@pytest.mark.parametrize("db", ["demo_db", "empty_db"])
def test_page_runs_without_exception(page, db, request, use_db):
    use_db(request.getfixturevalue(db))
    at = open_page(page)
    assert_ok(at)
    assert at.title, "the page draws its title"
    if db == "empty_db" and page != IMPORTAR:
        assert any("Ainda não há" in i for i in texts(at.info)), "an empty store is explained, not left blank"


def test_pages_run_before_the_database_exists(tmp_path, use_db):
    use_db(tmp_path / "ainda_nao_existe.duckdb")
    for page in (CASOS, IMPORTAR, QUALIDADE):
        assert_ok(open_page(page))
    assert not (tmp_path / "ainda_nao_existe.duckdb").exists(), "visiting a page must not create the database"


# --------------------------------------------------------------------------- Casos
def test_casos_search_narrows_the_list(demo_db, use_db):
    use_db(demo_db)
    at = open_page(CASOS)
    assert_ok(at)
    listed = at.dataframe[0].value
    assert len(listed) > 1
    protocol = str(listed["Nº do protocolo"].dropna().iloc[0])

    at.text_input(key="casos_busca").set_value(protocol).run()
    assert_ok(at)
    narrowed = at.dataframe[0].value
    assert len(narrowed) < len(listed)
    assert set(narrowed["Nº do protocolo"]) == {protocol}
    assert any("1 caso encontrado" in c for c in texts(at.caption))

    at.text_input(key="casos_busca").set_value("zzz nada com isso zzz").run()
    assert_ok(at)
    assert not at.dataframe
    assert any("Nenhum caso encontrado" in i for i in texts(at.info))


def test_casos_choosing_a_case_shows_its_form_and_puts_it_in_the_url(demo_db, use_db):
    use_db(demo_db)
    at = open_page(CASOS)
    case_id = query(demo_db, "select max(case_id) from cases where is_current")[0][0]
    at.text_input(key="casos_busca").set_value("").run()  # the newest cases come first
    at.selectbox(key="casos_escolha").set_value(case_id).run()
    assert_ok(at)
    protocol = query(demo_db, "select protocol_number from cases where case_id = ?", [case_id])[0][0]
    assert any(protocol in s for s in texts(at.subheader))
    assert at.query_params.get("caso") == str(case_id)
    markdown = "\n".join(texts(at.markdown)).replace("\\", "")  # markdown escapes off
    for section in ("Dados do formulário", "Status", "Contatos", "Ação retenção", "Motivo desligamento",
                    "Setor responsável", "Necessário abertura de protocolo", "Obs. geral", "Assinaturas",
                    "Avisos da leitura", "Histórico do documento"):
        assert section in markdown, section
    # Every option of the form is drawn, checked or not: 30 reasons, 6 actions, 4 sectors, 3 statuses, SIM/NÃO.
    assert markdown.count("☒") + markdown.count("☐") == 30 + 6 + 4 + 3 + 2
    for label in ("Colaborador", "Nome dentista", "Dt. abertura protocolo", "Valor última prod."):
        assert label in markdown
    assert at.get("download_button"), "the original document can be downloaded"

    at.button(key="casos_fechar").click().run()
    assert_ok(at)
    assert "caso" not in at.query_params
    assert not any("Formulário do caso" in s for s in texts(at.subheader))


def test_casos_link_opens_the_case_with_cpf_masked_everywhere(demo_db, use_db):
    use_db(demo_db)
    case_id, cpf, protocol = query(
        demo_db,
        "select case_id, cpf, protocol_number from cases where is_current and length(cpf) = 11 order by case_id limit 1",
    )[0]
    at = open_page(CASOS, {"caso": str(case_id)})
    assert_ok(at)
    assert any(protocol in s for s in texts(at.subheader))
    assert at.query_params.get("caso") == str(case_id)
    shown = rendered_text(at)
    formatted = f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    assert cpf not in shown and formatted not in shown
    assert mask_cpf(cpf) in shown, "the CPF is shown, masked"

    # The same case found by searching its CPF digits: the list shows it masked too.
    at.text_input(key="casos_busca").set_value(cpf).run()
    assert_ok(at)
    assert list(at.dataframe[0].value["CPF"]) == [mask_cpf(cpf)]
    shown = rendered_text(at)
    assert cpf not in shown and formatted not in shown


def test_casos_masks_personal_data_written_in_notes(demo_copy):
    summary = importer.commit(Store(demo_copy), importer.prepare(Store(demo_copy), [importer.Upload("notas.xlsx", upload_form("UPL-5001"))]))
    case_id = summary.results[0].case_id
    at = open_page(CASOS, {"caso": str(case_id)})
    assert_ok(at)
    shown = rendered_text(at)
    for raw in (RAW_PHONE, "98765-4321", RAW_EMAIL, NOTE_CPF, "52998224725"):
        assert raw not in shown, raw
    assert "j***@exemplo.com.br" in shown
    assert "***.982.247-**" in shown


def test_casos_history_opens_an_earlier_version(demo_db, use_db):
    use_db(demo_db)
    current, older = query(
        demo_db,
        "select max(case_id), min(case_id) from cases group by case_key having count(*) > 1 order by 1 limit 1",
    )[0]
    at = open_page(CASOS, {"caso": str(current)})
    assert_ok(at)
    assert any("Versão atual" in m for m in texts(at.markdown))
    at.button(key=f"casos_versao_{older}").click().run()
    assert_ok(at)
    assert at.query_params.get("caso") == str(older)
    assert any("Versão anterior" in m for m in texts(at.markdown))
    assert any("versão anterior deste protocolo" in i for i in texts(at.info))


@pytest.mark.parametrize("link", ["abc", "999999", "-3", ""])
def test_casos_bad_links_are_explained_not_raised(link, demo_db, use_db):
    use_db(demo_db)
    at = open_page(CASOS, {"caso": link})
    assert_ok(at)
    assert not any("Formulário do caso" in s for s in texts(at.subheader))
    if link:
        assert any(("não é um número de caso válido" in w or "não foi encontrado" in w) and link in w
                   for w in texts(at.warning)), "the user is told the link is wrong"
    assert at.query_params.get("caso") in (None, "")


# --------------------------------------------------------------------------- Importar
def _upload(at: AppTest, *files: tuple[str, bytes, str]) -> AppTest:
    uploader = at.get("file_uploader")[0]
    uploader.set_value(list(files))
    return at.run()


def test_import_upload_confirm_then_duplicate_then_corrupt(demo_copy):
    before = query(demo_copy, "select count(*) from cases")[0][0]
    data = upload_form("UPL-0001")
    at = open_page(IMPORTAR)
    assert_ok(at)
    assert at.get("file_uploader"), "the page offers an uploader"

    # 1. A new form: previewed (masked), then stored on confirmation.
    _upload(at, ("novo.xlsx", data, XLSX_MIME))
    assert_ok(at)
    preview = at.dataframe[0].value
    assert list(preview["Nº do protocolo"]) == ["UPL-0001"]
    assert list(preview["Situação"]) == ["será importado"]
    assert "123.456.789" not in rendered_text(at)
    assert query(demo_copy, "select count(*) from cases")[0][0] == before, "nothing stored before confirming"
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    assert any("Importação concluída" in s for s in texts(at.success))
    assert query(demo_copy, "select count(*) from cases where protocol_number = 'UPL-0001' and is_current")[0][0] == 1
    assert query(demo_copy, "select count(*) from documents where file_name = 'novo.xlsx'")[0][0] == 1
    assert not at.get("file_uploader")[0].value, "the uploader is emptied after an import"

    # 2. The same bytes again: a duplicate, reported and not stored.
    _upload(at, ("de_novo.xlsx", data, XLSX_MIME))
    assert_ok(at)
    assert list(at.dataframe[0].value["Situação"]) == ["duplicado (já importado)"]
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    assert any("duplicados" in i for i in texts(at.info))
    summary = at.dataframe[0].value
    assert list(summary["Resultado"]) == ["duplicado"]
    assert "novo.xlsx" in summary["Motivo"].iloc[0]
    assert query(demo_copy, "select count(*) from documents where file_name = 'de_novo.xlsx'")[0][0] == 0

    # 3. A corrupt workbook: a Portuguese error naming the file; only the rejected document is kept.
    cases_before = query(demo_copy, "select count(*) from cases")[0][0]
    _upload(at, ("quebrado.xlsx", b"PK\x03\x04 isto nao e uma planilha", XLSX_MIME))
    assert_ok(at)
    errors = texts(at.error)
    assert any("quebrado.xlsx" in e and "corrompido" in e for e in errors), errors
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    assert any("quebrado.xlsx" in e and "rejeitado" in e for e in texts(at.error))
    assert query(demo_copy, "select count(*) from cases")[0][0] == cases_before
    assert query(demo_copy, "select status from documents where file_name = 'quebrado.xlsx'") == [("rejected",)]

    # The other pages see the new data at once (same process, no restart).
    at.switch_page(CASOS).run()
    at.text_input(key="casos_busca").set_value("UPL-0001").run()
    assert_ok(at)
    assert list(at.dataframe[0].value["Nº do protocolo"]) == ["UPL-0001"]
    at = open_tab(at.switch_page(QUALIDADE).run(), "Documentos rejeitados")
    assert_ok(at)
    rejected = [d.value for d in at.dataframe if "Motivo da rejeição" in d.value.columns]
    assert rejected and "quebrado.xlsx" in set(rejected[0]["Arquivo"])


def test_import_a_zip_and_an_unsupported_member(demo_copy):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("lote/um.xlsx", upload_form("UPL-ZIP-1"))
        archive.writestr("lote/dois.md", render(make_record(protocol_number="UPL-ZIP-2"), "md"))
        archive.writestr("lote/leia-me.exe", b"MZ")
    at = open_page(IMPORTAR)
    _upload(at, ("lote.zip", buffer.getvalue(), "application/zip"))
    assert_ok(at)
    preview = at.dataframe[0].value
    assert len(preview) == 3
    assert any("Formato não suportado" in e for e in texts(at.error))
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    protocols = {p for (p,) in query(demo_copy, "select protocol_number from cases where protocol_number like 'UPL-ZIP-%'")}
    assert protocols == {"UPL-ZIP-1", "UPL-ZIP-2"}


def test_import_creates_the_database_on_first_upload(tmp_path, use_db):
    db = use_db(tmp_path / "novo" / "retencao.duckdb")
    at = open_page(IMPORTAR)
    assert_ok(at)
    _upload(at, ("primeiro.xlsx", upload_form("UPL-6001"), XLSX_MIME))
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    assert query(db, "select protocol_number from cases") == [("UPL-6001",)]
    assert at.title and "Ainda não há dados" not in " ".join(texts(at.info))


def test_importer_logic_on_a_real_store(tmp_path):
    store = Store(tmp_path / "importador.duckdb")
    data = upload_form("UPL-7001")
    first = importer.prepare(store, [importer.Upload("a.xlsx", data), importer.Upload("b.xlsx", data)])
    assert [p.status for p in first.parsed] == ["ok", "duplicate"], "a file repeated in one batch is a duplicate"
    assert first.to_store == 1
    frame = first.frame()
    assert list(frame.columns)[:3] == ["Arquivo", "Situação", "Nº do protocolo"]
    assert "52998224725" not in frame.to_string() and "12345678909" not in frame.to_string()
    summary = importer.commit(store, first)
    assert (summary.new, summary.duplicate, summary.rejected) == (1, 1, 0)
    assert list(importer.summary_frame(summary)["Caso"]) == [str(summary.results[0].case_id), "—"]

    again = importer.prepare(store, [importer.Upload("c.xlsx", data)])
    assert [p.status for p in again.parsed] == ["duplicate"]
    assert importer.commit(store, again).duplicate == 1

    newer = importer.prepare(store, [importer.Upload("d.xlsx", upload_form("UPL-7001", outcome="retencao_efetiva"))])
    result = importer.commit(store, newer)
    assert result.superseded == 1 and result.results[0].supersedes == summary.results[0].case_id

    broken = importer.prepare(store, [importer.Upload("x.xlsx", b"not a workbook"), importer.Upload("y.exe", b"MZ")])
    assert [p.status for p in broken.parsed] == ["rejected", "rejected"]
    assert all(p.reason and re.search(r"[ãçéõ]|Envie|reenvie", p.reason) for p in broken.parsed)
    cases = query(store.path, "select count(*) from cases")[0][0]
    importer.commit(store, broken)
    assert query(store.path, "select count(*) from cases")[0][0] == cases
    assert query(store.path, "select count(*) from documents where status = 'rejected'")[0][0] == 2


# --------------------------------------------------------------------------- Qualidade dos dados
def test_quality_page_shows_every_table(demo_db, use_db):
    use_db(demo_db)
    at = open_page(QUALIDADE)
    assert_ok(at)
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Casos", "Formulários com avisos", "Cidades fora do IBGE",
                          "Versões substituídas", "Documentos rejeitados"]
    warned = next(d.value for d in at.dataframe if "Avisos da leitura" in d.value.columns)
    assert list(warned.columns)[:2] == ["Caso", "Nº do protocolo"], "columns in the registry's order"
    columns, buttons = [], 0
    for at in each_tab(at):  # one tab drawn at a time (ui/page.lazy_tabs)
        assert_ok(at)
        columns += [set(d.value.columns) for d in at.dataframe]
        buttons += len(at.get("download_button"))
    for expected in ("Aviso", "Avisos da leitura", "% em branco", "Cidade (como escrita)", "Casos (versões)"):
        assert any(expected in c for c in columns), expected
    at = open_tab(at, "Campos em branco")
    blank_table = next(d for d in at.dataframe if "% em branco" in d.value.columns)
    shares = blank_table.value["% em branco"]
    assert shares.dtype.kind == "f" and shares.between(0, 1).all(), "shares stay numbers (they sort as numbers)"
    config = json.loads(blank_table.proto.columns)
    assert config["% em branco"]["type_config"]["format"] == "percent", "drawn as 34,0% by the browser"
    assert "Campo (código)" not in blank_table.value.columns, "the field's code is for machines"
    assert buttons >= 2 * 4, "every table has its CSV and XLSX"


def test_quality_lists_the_forms_with_warnings_a_page_at_a_time(demo_db, use_db, monkeypatch):
    from retention_analytics import metrics
    from retention_analytics.filters import Filters
    from retention_analytics.store import Store
    from retention_analytics.ui import page

    use_db(demo_db)
    monkeypatch.setattr(page, "LIST_PAGE_SIZE", 3)
    whole = metrics.quality_warnings(Store(demo_db), Filters())
    assert len(whole) > 6, "the demo has forms with warnings to page through"
    at = open_page(QUALIDADE)
    assert_ok(at)
    warned = next(d.value for d in at.dataframe if "Avisos da leitura" in d.value.columns)
    assert list(warned["Caso"]) == list(whole["case_id"].head(3)), "most warnings first"
    total = {m.label: m.value for m in at.metric}["Formulários com avisos"]
    common = metrics.quality_warning_messages(Store(demo_db), Filters())
    assert len(common) > 3
    shown = next(d.value for d in at.dataframe if list(d.value.columns)[:1] == ["Aviso"])
    assert list(shown["Aviso"]) == list(common["message"].head(3)), "the most common messages only"
    assert any(c.value.startswith("As 3 mensagens mais comuns") for c in at.caption)
    assert any(c.value.startswith(f"Formulários com avisos: mostrando as linhas 1–3 de {total}") for c in at.caption)
    at.number_input(key="qualidade_pagina").set_value(2).run()
    assert_ok(at)
    warned = next(d.value for d in at.dataframe if "Avisos da leitura" in d.value.columns)
    assert list(warned["Caso"]) == list(whole["case_id"].iloc[3:6]), "the next page"


def test_quality_follows_the_filters(demo_db, use_db):
    use_db(demo_db)
    at = open_page(QUALIDADE, {"uf": "MG"})
    assert_ok(at)
    assert at.metric[0].value == str(query(demo_db, "select count(*) from cases where is_current and uf = 'MG'")[0][0])


def test_casos_pages_its_list_and_starts_again_when_the_search_or_filters_change(demo_db, use_db, monkeypatch):
    """Casos draws the picker every paged list draws (ui/page.list_page): page 3 is that slice of
    the whole list, and a new search or a UF picked in the sidebar opens the new list on page 1."""
    from retention_analytics import formatting as fmt
    from retention_analytics import metrics
    from retention_analytics.filters import Filters
    from retention_analytics.ui import page

    use_db(demo_db)
    monkeypatch.setattr(page, "LIST_PAGE_SIZE", 5)
    whole = metrics.cases(Store(demo_db), Filters())
    at = open_page(CASOS)
    assert_ok(at)
    picker = at.number_input(key="casos_pagina")
    assert picker.label == f"Página ({fmt.integer(-(-len(whole) // 5))} no total)"
    at.number_input(key="casos_pagina").set_value(3).run()
    assert_ok(at)
    assert list(at.dataframe[0].value["Caso"]) == list(whole["case_id"].iloc[10:15])
    assert any(c.value.startswith(f"Casos: mostrando as linhas 11–15 de {fmt.integer(len(whole))}")
               and "export cases" in c.value for c in at.caption)

    city = str(whole["city"].value_counts().index[0])
    found = metrics.cases(Store(demo_db), Filters(), search=city)
    assert len(found) > 5, "the test needs a search with more than one page"
    at.text_input(key="casos_busca").set_value(city).run()
    assert_ok(at)
    assert at.number_input(key="casos_pagina").value == 1
    assert list(at.dataframe[0].value["Caso"]) == list(found["case_id"].head(5))

    at.number_input(key="casos_pagina").set_value(2).run()
    uf = str(found["uf"].iloc[0])
    in_uf = metrics.cases(Store(demo_db), Filters(ufs=(uf,)), search=city)
    assert len(in_uf) > 5
    at.multiselect(key="flt_ufs").set_value([uf]).run()
    assert_ok(at)
    assert at.number_input(key="casos_pagina").value == 1
    assert list(at.dataframe[0].value["Caso"]) == list(in_uf["case_id"].head(5))


def test_casos_search_and_case_survive_a_page_switch(demo_db, use_db):
    use_db(demo_db)
    protocol = query(demo_db, "select protocol_number from cases where is_current order by case_id limit 1")[0][0]
    at = open_page(CASOS)
    at.text_input(key="casos_busca").set_value(protocol).run()
    case_id = query(demo_db, "select case_id from cases where protocol_number = ? and is_current", [protocol])[0][0]
    at.selectbox(key="casos_escolha").set_value(case_id).run()
    assert_ok(at)
    at.switch_page(QUALIDADE).run()
    assert "caso" not in at.query_params
    at.switch_page(CASOS).run()
    assert_ok(at)
    assert at.text_input(key="casos_busca").value == protocol
    assert len(at.dataframe[0].value) == 1
    assert any(protocol in s for s in texts(at.subheader)), "the case that was open is open again"
    assert at.query_params.get("caso") == str(case_id)


def test_import_into_a_broken_database_is_a_portuguese_error(tmp_path, use_db):
    use_db(tmp_path / "nao_e_banco.duckdb").write_bytes(b"isto nao e um banco duckdb" * 100)
    at = open_page(IMPORTAR)
    assert_ok(at)
    _upload(at, ("form.xlsx", upload_form("UPL-9001"), XLSX_MIME))
    assert_ok(at)
    errors = texts(at.error)
    assert any("não é um banco de dados do Painel" in e for e in errors), errors
    assert not at.get("button") or not any(b.label == "Confirmar importação" for b in at.button)


def test_a_real_form_uploaded_into_the_demo_is_refused_until_an_admin_removes_it(demo_db, tmp_path, use_db):
    """The local demo user (an admin without a password) uploads a real form into the demo: the
    preview says why not and how to go on, nothing is stored; "Remover a demonstração e importar"
    deletes only the demo, stores the form, and the app then asks for an administrator."""
    db = use_db(tmp_path / "demo_importa.duckdb")
    shutil.copy(demo_db, db)
    documents = query(db, "select count(*) from documents")[0][0]
    at = open_as(IMPORTAR, None)
    assert_ok(at)
    _upload(at, ("real.xlsx", upload_form("REAL-DEMO-1"), XLSX_MIME))
    assert_ok(at)
    errors = texts(at.error)
    assert any("não se misturam" in e and "demo --remove" in e and "banco novo" in e for e in errors), errors
    assert not any(b.key == "import_confirm" for b in at.button), "no way to mix them"
    assert query(db, "select count(*) from documents")[0][0] == documents

    at.button(key="import_remove_demo").click().run()
    assert_ok(at)
    assert query(db, "select count(*) filter (where is_demo), count(*) from documents")[0] == (0, 1)
    assert query(db, "select protocol_number from cases") == [("REAL-DEMO-1",)]
    assert any("users add admin --role admin" in c.value for c in at.code), "now a login is needed"
    assert not at.get("dataframe") and "REAL-DEMO-1" not in rendered_text(at)
    with Store(db).connect() as con:
        removals = con.execute("select username, detail from audit_log where action = 'remover_demonstracao'").fetchall()
    assert removals == [("demo", removals[0][1])] and "formulários" in removals[0][1]


def test_a_gestor_cannot_remove_the_demonstration(demo_db, tmp_path, use_db):
    from retention_analytics.auth import User

    db = use_db(tmp_path / "demo_gestor.duckdb")
    shutil.copy(demo_db, db)
    gestor = User("gestora", "gestor", ("ODONTOLIFE",))
    at = open_as(IMPORTAR, gestor)
    _upload(at, ("real.xlsx", upload_form("REAL-DEMO-2", operator="ODONTOLIFE"), XLSX_MIME))
    assert_ok(at)
    assert any("não se misturam" in e for e in texts(at.error))
    assert not any(b.key in ("import_confirm", "import_remove_demo") for b in at.button)
    assert any("Peça a um administrador" in i for i in texts(at.info))
    preview = importer.prepare(Store(db), [importer.Upload("x.xlsx", upload_form("REAL-DEMO-3", operator="ODONTOLIFE"))],
                               user=gestor)
    with pytest.raises(PermissionError):
        importer.remove_demo_and_commit(Store(db), preview, gestor)
    assert query(db, "select count(*) from documents where not is_demo")[0][0] == 0


def test_casos_a_click_on_any_cell_opens_the_case_and_scrolls_to_it(demo_db, use_db):
    """Issue 10: only the row's checkbox opened a case, and the form opened below the fold."""
    use_db(demo_db)
    at = open_page(CASOS)
    assert_ok(at)
    table = at.dataframe[0]
    key = table.proto.id.rsplit("-", 1)[-1]
    assert key.startswith("casos_tabela_")
    modes = set(table.proto.selection_mode)
    assert modes >= {table.proto.SelectionMode.SINGLE_ROW, table.proto.SelectionMode.SINGLE_CELL}
    row = 2
    case_id = int(table.value["Caso"].iloc[row])
    # What the browser sends when a cell (not the checkbox) of the third row is clicked.
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [[row, "Cidade"]]}}
    at.run()
    assert_ok(at)
    assert at.session_state["_casos_case"] == case_id
    assert at.query_params.get("caso") == str(case_id)
    assert any("Formulário do caso" in s for s in texts(at.subheader))
    scripts = [e for e in at.get("iframe") if "scrollIntoView" in getattr(e.proto, "srcdoc", "")]
    assert scripts, "the page scrolls to the form it just opened"
    at.run()  # the next interaction does not scroll again
    assert not [e for e in at.get("iframe") if "scrollIntoView" in getattr(e.proto, "srcdoc", "")]
