"""The Conformidade ANS page in AppTest, on a real store: the headline and the table are the
metrics' own rows under the filters, a gestor sees only their operators, a click opens the case,
and the evidence pack is offered to admins only (audited)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from app_helpers import ADMIN, assert_ok, open_as, open_tab
from retention_analytics.auth import User
from retention_analytics.filters import Filters
from retention_analytics.metrics import compliance
from retention_analytics.metrics.tables import LIST_PAGE_SIZE
from retention_analytics.store import Store
from retention_analytics.store.substitutions import SubstitutionRow

PAGE = "pages/8_Conformidade_ANS.py"


@pytest.fixture
def db(real_db, tmp_path, use_db):
    path = use_db(tmp_path / "conformidade.duckdb")
    shutil.copy(real_db, path)
    store = Store(path)
    with store.connect() as con:
        protocol = con.execute(
            "select protocol_number from case_facts where is_terminated and operator_key = 'odontolife' "
            "and protocol_number is not null order by case_id limit 1").fetchone()[0]
    store.add_substitutions([SubstitutionRow(protocol, notice_date=dt.date(2000, 1, 1), substitute_cro="999")],
                            "manual", "chefe")
    return path


def _rows(db, f: Filters):
    with Store(db).connect() as con:
        return compliance(con, f)


def test_the_page_shows_the_metrics_rows_with_labels(db):
    at = open_as(PAGE, ADMIN)
    assert_ok(at)
    expected = _rows(db, Filters())
    table = at.dataframe[0].value
    size = LIST_PAGE_SIZE
    assert len(expected) > size, "the demo's terminations fill more than one page"
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"].head(size)), "the first page"
    assert any(c.value.startswith(f"Desligamentos: mostrando as linhas 1–{size} de {len(expected)}") for c in at.caption)
    # Statuses by their labels only: no vocabulary code in the cells people read.
    assert set(table["Aviso"]) <= {"No prazo", "Atrasado", "Sem aviso"}
    assert set(table["Substituto"]) <= {"No mesmo município", "Em outro município", "Sem substituto"}
    assert {"Sem substituto", "Em outro município"} <= set(table["Substituto"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Avisos no prazo"] == str(int((expected["notice_status"] == "no_prazo").sum()))
    assert any(b.label.startswith("⬇️ Pacote de evidências") for b in at.get("download_button"))
    assert len(at.dataframe) == 1, "the sole-provider cities are listed in their own tab"
    at.number_input(key="conformidade_pagina").set_value(2).run()
    assert_ok(at)
    assert list(at.dataframe[0].value["Nº do protocolo"]) == list(expected["protocol_number"].iloc[size:2 * size])


def test_the_cities_that_lost_their_only_provider_are_in_their_tab(db):
    from retention_analytics.metrics import compliance_sole_provider_cities

    at = open_tab(open_as(PAGE, ADMIN), "único prestador")
    assert_ok(at)
    with Store(db).connect() as con:
        expected = compliance_sole_provider_cities(con, Filters())
    assert not expected.empty, "the demo has such cities: the test would prove nothing"
    table = at.dataframe[0].value
    assert len(table) == len(expected) and list(table["Cidade"]) == list(expected["city"])
    assert any(b.label.startswith("⬇️ Pacote de evidências") for b in at.get("download_button")), "under both tabs"


def test_a_gestor_sees_only_their_operator_and_no_evidence_pack(db):
    gestor = User("gestora", "gestor", ("ODONTOLIFE",))
    at = open_as(PAGE, gestor)
    assert_ok(at)
    expected = _rows(db, Filters().restrict_to({"odontolife"}))
    table = at.dataframe[0].value
    assert list(table["Nº do protocolo"]) == list(expected["protocol_number"])
    assert set(table["Operadora"]) == {"ODONTOLIFE"}
    assert not any(b.label.startswith("⬇️ Pacote") for b in at.get("download_button"))
    assert any("só um administrador" in c.value for c in at.caption)


def test_a_filter_without_terminations_says_so(db):
    at = open_as(PAGE, ADMIN, {"uf": "AC", "de": "1990-01-01", "ate": "1990-01-31"})
    assert_ok(at)
    assert any("Nenhum caso corresponde" in i.value for i in at.info)


def _terminated_case(db, operator_key: str = "odontolife"):
    with Store(db).connect() as con:
        return con.execute(
            # one with no substitution record yet (the demo's forms bring some in their block)
            "select case_id, protocol_number from case_facts where is_terminated and operator_key = ? "
            "and protocol_number is not null and case_key not in (select case_key from substitutions) "
            "order by case_id desc limit 1", [operator_key]).fetchone()


def test_a_gestor_records_a_substitute_on_the_case_and_the_page_follows(db):
    case_id, protocol = _terminated_case(db)
    gestor = User("gestora", "gestor", ("ODONTOLIFE",))
    at = open_as("pages/5_Casos.py", gestor, {"caso": str(case_id)})
    assert_ok(at)
    assert any("Nenhuma substituição registrada" in c.value for c in at.caption)
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["CRO do substituto"].set_value("4321")
    form_inputs["Município do substituto"].set_value("sao joao del rei")
    form_inputs["Nome do substituto"].set_value("Clínica Substituta")
    next(s for s in at.selectbox if s.label == "UF do substituto").set_value("MG")
    # (AppTest 1.67 turns a date set on an empty st.date_input into a range, which the form then
    # drops: the dates of a record are covered by tests/test_substitutions.py.)
    next(b for b in at.button if b.label == "Salvar registro").click().run()
    assert_ok(at)
    assert any("Substituição registrada" in s.value for s in at.success)
    store = Store(db)
    with store.connect() as con:
        key = con.execute("select case_key from cases where case_id = ?", [case_id]).fetchone()[0]
        # (the demo forms' own Substituição blocks are audited too, by "formulário")
        audit = con.execute("select username, action from audit_log where action = 'registrar_substituicao' "
                            "and username <> 'formulário'").fetchall()
    latest = store.substitution_history(key)[0]
    assert (latest["substitute_ibge_code"], latest["entered_by"], latest["source"]) == (3162500, "gestora", "manual")
    assert audit == [("gestora", "registrar_substituicao")]
    row = _rows(db, Filters()).set_index("case_id").loc[case_id]
    assert row["notice_status"] == "sem_aviso" and row["substitute_status"] in ("mesmo_municipio", "outro_municipio")
    assert row["substitute_name"] == "Clínica Substituta"


def test_an_analyst_and_another_operators_gestor_cannot_record(db):
    case_id, _ = _terminated_case(db)
    for user in (User("ana", "analista", ("ODONTOLIFE",)), ADMIN):
        at = open_as("pages/5_Casos.py", user, {"caso": str(case_id)})
        assert_ok(at)
        has_form = any(b.label == "Salvar registro" for b in at.button)
        assert has_form == (user.role == "admin"), user


def test_importar_takes_the_credentialing_file_all_or_nothing(db):
    from retention_analytics.store.substitutions import COLUMNS

    case_id, protocol = _terminated_case(db)
    header = ";".join(COLUMNS)
    bad = f"{header}\r\n{protocol};;01/01/2000;;;;\r\nNAO-EXISTE;;;;;;\r\n".encode("utf-8")
    good = f"\ufeff{header}\r\n{protocol};;01/01/2000;777;MG;Belo Horizonte;Dra. Arquivo\r\n".encode("utf-8")
    at = open_as("pages/6_Importar.py", ADMIN)
    assert_ok(at)
    uploader = at.get("file_uploader")[1]
    uploader.set_value([("subs.csv", bad, "text/csv")])
    at.run()
    assert_ok(at)
    assert any("2 registro(s) lidos" in i.value for i in at.info)
    at.button(key="substitutions_confirm").click().run()  # matching the cases happens on confirmation
    assert any("Nada foi importado" in e.value for e in at.error)
    assert any("protocolo NAO\\-EXISTE" in m.value or "protocolo NAO-EXISTE" in m.value for m in at.markdown), [m.value for m in at.markdown][-3:]
    with Store(db).connect() as con:
        before = con.execute("select count(*) from substitutions").fetchone()[0]
    at.get("file_uploader")[1].set_value([("subs.csv", good, "text/csv")])
    at.run()
    at.button(key="substitutions_confirm").click().run()
    assert_ok(at)
    assert any("1 registro(s) de substituição importados" in s.value for s in at.success)
    assert _rows(db, Filters()).set_index("case_id").loc[case_id, "substitute_name"] == "Dra. Arquivo"
    with Store(db).connect() as con:
        assert con.execute("select count(*) from substitutions").fetchone()[0] == before + 1


def test_a_missing_date_or_number_shows_an_empty_cell_not_none(db):
    """'Aviso publicado em' of a notice not published yet (and any other missing value) is an empty
    cell: every table asks st.dataframe for an empty placeholder instead of its grey "None"."""
    at = open_as(PAGE, ADMIN)
    assert_ok(at)
    table = at.dataframe[0].value
    assert table["Aviso publicado em"].isna().any(), "the page has a notice not published yet"
    for frame in at.dataframe:
        assert frame.proto.HasField("placeholder") and frame.proto.placeholder == ""
