"""The converter corpus and its score (forms/fidelity.py, `fidelity` command): demo forms written
in each format the project can build, parsed back, field accuracy per format against the issue's
targets. Targets not reached yet are strict xfails naming the gap, so reaching one is noticed."""

from __future__ import annotations

import json
import shutil

import pytest

from retention_analytics.cli import main
from retention_analytics.forms import fidelity

HAS_PDFTOTEXT = shutil.which("pdftotext") is not None


def test_field_matches_counts_each_key_once_and_names_the_wrong_ones():
    expected = {"source": "a", "city": "Campinas", "lives": 3, "contacts": [], "warnings": ["x"], "reading": {}}
    got = {"source": "b", "city": "Campinas", "lives": 4, "contacts": [], "warnings": [], "reading": {"method": "ocr"}}
    assert fidelity.field_matches(expected, got) == (2, 3, ["lives"])
    assert fidelity.field_matches(expected, {}) == (0, 3, ["city", "lives", "contacts"])


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fidelidade")
    formats = ("pdf", "pdftotext-raw", "pdftotext-layout", "xls", "ods", "libreoffice-pdf",
               "libreoffice-pdftotext-layout", "libreoffice-pdf-narrow", "libreoffice-pdf-narrow-pdftotext-layout")
    written = fidelity.build_corpus(folder, forms=3, seed=11, formats=formats)
    lines = (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == sum(written.values())
    return fidelity.score(folder)


def _accuracy(scores, fmt):
    if fmt not in scores:
        pytest.skip(f"{fmt}: ferramenta não instalada (pdftotext ou LibreOffice; .ci/run instala)")
    return scores[fmt].accuracy


@pytest.mark.parametrize(
    "fmt,target",
    [
        ("pdf", 0.98),
        ("pdftotext-layout", 0.98),
        ("libreoffice-pdf", 0.98),
        ("libreoffice-pdftotext-layout", 0.98),
        ("xls", 1.0),
        ("ods", 1.0),
    ],
)
def test_formats_reach_the_issue_targets(scores, fmt, target):
    assert _accuracy(scores, fmt) >= target


def test_raw_pdftotext_reaches_98_percent(scores):
    # Raw text is written column by column: values far from their labels (extract._adopt_orphans).
    assert _accuracy(scores, "pdftotext-raw") >= 0.98


@pytest.mark.parametrize("fmt", ["libreoffice-pdf-narrow", "libreoffice-pdf-narrow-pdftotext-layout"])
def test_narrow_printed_sheets_read_98_percent_of_what_the_file_holds(scores, fmt):
    # A date column too narrow prints "###": the value is not in the file. Everything else is read
    # (wrapped labels, values and options joined back), and what is absent is warned, never silent.
    accuracy = _accuracy(scores, fmt)
    score = scores[fmt]
    assert score.accuracy_of_present >= 0.98
    assert accuracy >= 0.95 and score.absent <= score.files


def test_the_command_prints_accuracy_per_format(capsys):
    assert main(["fidelity", "--forms", "1", "--formats", "pdf,pdftotext-layout", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["formats"]["pdf"]["accuracy"] == 1.0 and out["formats"]["pdf"]["files"] == 1
    if HAS_PDFTOTEXT:
        assert out["formats"]["pdftotext-layout"]["fields"] == 34
    else:
        assert out["skipped"] == ["pdftotext-layout"]
    assert main(["fidelity", "--forms", "1", "--formats", "pdf"]) == 0
    table = capsys.readouterr().out
    assert "pdf" in table and "100.0%" in table and "34/34" in table


def test_an_unknown_format_is_refused_with_the_valid_names(capsys):
    assert main(["fidelity", "--formats", "pdf,fax"]) == 2
    err = capsys.readouterr().err
    assert "Formato desconhecido: fax" in err and "photo" in err
