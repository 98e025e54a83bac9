""".xls and .ods workbooks (forms/spreadsheets.py): the demo workbook saved by LibreOffice in both
formats reads back to the exact record of the .xlsx, typed cells rendered the pt-BR way, merged
spans kept; broken workbooks are a Portuguese refusal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from retention_analytics.demo import generate_corpus, render
from retention_analytics.forms import FormReadError, parse_document, parse_path
from retention_analytics.forms.readers import read_grid
from retention_analytics.forms.spreadsheets import cell_text
from retention_analytics.record import RECORD_KEYS, comparable

CONVERTED = Path(__file__).parent / "fixtures" / "converted"


@pytest.mark.parametrize("name", ["f0.xls", "f1.xls", "f0.ods", "f1.ods"])
def test_libreoffice_saved_workbooks_read_every_field(name):
    expected = json.loads((CONVERTED / f"{name.split('.')[0]}.expected.json").read_text(encoding="utf-8"))
    parsed = parse_path(CONVERTED / name)
    wrong = {k: (parsed[k], expected[k]) for k in RECORD_KEYS if k != "source" and parsed[k] != expected[k]}
    assert not wrong


@pytest.mark.parametrize(
    "value,text",
    [
        (None, ""),
        ("", ""),
        (True, "☒"),
        (False, "☐"),
        (dt.date(2024, 2, 2), "02/02/2024"),
        (dt.datetime(2024, 2, 2, 13, 5), "02/02/2024"),
        (dt.time(14, 30), "14:30"),
        (38.0, "38"),  # .ods stores every number as a float: 38 lives, not "38,0"
        (75217, "75217"),
        (0.35, "0,35"),
        (1234.56, "1234,56"),
        ("☒ SIM", "☒ SIM"),
    ],
)
def test_typed_cells_render_as_a_pt_br_sheet_shows_them(value, text):
    assert cell_text(value) == text


@pytest.mark.parametrize("name", ["f0.xls", "f0.ods"])
def test_merged_title_keeps_its_span(name):
    grid = read_grid(name, (CONVERTED / name).read_bytes())
    title = grid[0].cells[0]
    assert title.text.startswith("Formulário") and (title.x0, title.x1) == (0.0, 6.0)


@pytest.mark.parametrize("name", ["planilha.xls", "planilha.ods"])
@pytest.mark.parametrize(
    "data",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8,  # an OLE header and garbage
        b"PK\x03\x04 not really a zip",
        (CONVERTED / "f0.ods").read_bytes()[:4000],
        (CONVERTED / "f0.xls").read_bytes()[:3000],
    ],
    ids=["ole_lixo", "zip_falso", "ods_cortado", "xls_cortado"],
)
def test_broken_workbooks_are_a_portuguese_refusal(name, data):
    with pytest.raises(FormReadError) as info:
        parse_document(name, data)
    message = str(info.value)
    assert message.startswith(name) and ("corrompid" in message or "não é uma planilha" in message)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) não instalado; .ci/run o instala")
def test_demo_workbooks_saved_as_xls_and_ods_by_libreoffice_read_back(tmp_path):
    """Demo forms of every template and defect kind, saved by LibreOffice as .xls and .ods, read back
    exactly like the .xlsx they came from (100% of fields)."""
    forms = [f for f in generate_corpus(160, seed=11) if f.fmt == "xlsx"][:8]
    assert len(forms) >= 6
    for k, form in enumerate(forms):
        (tmp_path / f"d{k}.xlsx").write_bytes(render(form.record, "xlsx", form.defects, form.template))
    sources = sorted(str(p) for p in tmp_path.glob("*.xlsx"))
    for target in ("xls", "ods"):
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", target,
             "--outdir", str(tmp_path), *sources],
            check=True, capture_output=True, timeout=180,
        )
    failures = []
    for k, form in enumerate(forms):
        original = comparable(parse_path(tmp_path / f"d{k}.xlsx"))
        for target in ("xls", "ods"):
            got = comparable(parse_path(tmp_path / f"d{k}.{target}"))
            diff = {key: (got[key], original[key]) for key in original if got[key] != original[key]}
            if diff:
                failures.append(f"d{k}.{target}: {diff}")
    assert not failures, "\n".join(failures)
