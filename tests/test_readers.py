"""Printed-PDF fidelity in the text-layer PDF reader (readers._pdf_rows): a spreadsheet printed
with narrow columns wraps labels and values inside their cells; the lines of one cell are joined
by their geometry (closer than rows, same font, under the cell above), and a value the printer
replaced by "###" is a warning, never a silent gap."""

from __future__ import annotations

import json
import shutil

import pytest

from retention_analytics.forms import NARROW_WARNING, fidelity, parse_document
from retention_analytics.forms.readers import _pdf_rows
from retention_analytics.forms.template import cell_text, form_grid
from forms_factory import make_record


def _word(text, x0, top, font="Bold", height=9.3):
    return {"text": text, "x0": x0, "x1": x0 + 6.0 * len(text), "top": top, "bottom": top + height, "fontname": font}


def _texts(rows):
    return [[c.text for c in row.cells] for row in rows]


def test_a_wrapped_label_line_joins_the_label_cell_above_it():
    words = [
        _word("Tipo", 160, 212.4), _word("Demandado", 226, 212.4), _word("Dt. abertura", 426, 212.4),
        _word("por?", 226, 223.5), _word("protocolo", 426, 223.5),  # 11.1 apart: inside the cells
        _word("F", 160, 237.8, "Regular"), _word("Operadora", 226, 237.8, "Regular"), _word("12/02/2024", 426, 237.8, "Regular"),
    ]
    assert _texts(_pdf_rows(words, join_wrapped=True)) == [
        ["Tipo", "Demandado por?", "Dt. abertura protocolo"], ["F", "Operadora", "12/02/2024"]]
    # Without joining (OCR pages, other callers) the lines stay apart.
    assert len(_pdf_rows([dict(w) for w in words])) == 3


@pytest.mark.parametrize(
    "second,joined",
    [
        ([_word("divulgados", 305, 223.5, "Regular")], False),  # another font: the value row
        ([_word("divulgados", 305, 229.0)], False),  # a row's pitch away (1.78 × the letters)
        ([_word("divulgados", 160, 223.5)], False),  # under no cell of the line above
        ([_word("divulgados", 305, 223.5)], True),
    ],
    ids=["outra_fonte", "distante", "fora_das_celulas", "continua"],
)
def test_only_a_close_line_in_the_same_font_under_one_cell_joins(second, joined):
    words = [_word("nº de vidas", 226, 212.4), _word("nº CRO(S) únicos", 305, 212.4), *second]
    rows = _texts(_pdf_rows(words, join_wrapped=True))
    assert (rows == [["nº de vidas", "nº CRO(S) únicos divulgados"]]) == joined


def test_a_number_broken_by_its_column_continues_without_a_space():
    words = [_word("SAD62813278", 305, 100.0, "Regular"), _word("9711", 305, 111.1, "Regular")]
    assert _texts(_pdf_rows(words, join_wrapped=True)) == [["SAD628132789711"]]


def test_a_value_printed_as_hashes_is_a_warning():
    record = make_record()
    lines = ["\t".join(cell_text(c) for c in row) for row in form_grid(record)]
    text = "\n".join(lines).replace("26/03/2024", "###", 1)
    parsed = parse_document("form.txt", text.encode())
    assert parsed["form_date"] is None and NARROW_WARNING in parsed["warnings"]
    assert NARROW_WARNING not in parse_document("form.txt", "\n".join(lines).encode())["warnings"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) não instalado; .ci/run o instala")
def test_a_sheet_printed_with_narrow_columns_keeps_its_wrapped_labels_and_values(tmp_path):
    fidelity.build_corpus(tmp_path, forms=3, seed=11, formats=("libreoffice-pdf-narrow",))
    items = [json.loads(line) for line in (tmp_path / "expected.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == 3
    for item in items:
        parsed = parse_document(item["file"], (tmp_path / item["file"]).read_bytes())
        expected = item["record"]
        # The misses: a label wrapping into the value row ("divulgados" read as the city),
        # "Demandado / por?", values wrapped in their cells.
        for key in ("requested_by", "city", "lives", "unique_cros_listed", "protocol_number", "dentist_name",
                    "protocol_opened_on", "contacts"):
            assert parsed[key] == expected[key], key
        # This corpus's date column is too narrow for a date: the printer wrote "###".
        if parsed["form_date"] is None:
            assert NARROW_WARNING in parsed["warnings"]
