""".doc, .odt and .rtf forms (forms/office.py): converted to .docx by LibreOffice headless and read
like the .docx; without LibreOffice, a Portuguese message saying how to save the file as .docx;
a conversion that fails or hangs is a refusal, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retention_analytics.forms import FormReadError, office, parse_document, parse_path
from retention_analytics.record import RECORD_KEYS

CONVERTED = Path(__file__).parent / "fixtures" / "converted"
needs_soffice = pytest.mark.skipif(office.soffice() is None, reason="LibreOffice (soffice) não instalado; .ci/run o instala")


@needs_soffice
@pytest.mark.parametrize("name", ["f0.doc", "f0.odt", "f0.rtf"])
def test_word_processor_files_read_every_field_through_libreoffice(name):
    expected = json.loads((CONVERTED / "f0.expected.json").read_text(encoding="utf-8"))
    parsed = parse_path(CONVERTED / name)
    wrong = {k: (parsed[k], expected[k]) for k in RECORD_KEYS if k != "source" and parsed[k] != expected[k]}
    assert not wrong


@pytest.mark.parametrize("name", ["f0.doc", "f0.odt", "f0.rtf"])
def test_without_libreoffice_the_message_says_how_to_save_as_docx(name, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere on PATH
    with pytest.raises(FormReadError) as info:
        parse_document(name, (CONVERTED / name).read_bytes())
    message = str(info.value)
    assert message.startswith(f"{name}: arquivos ")
    assert "LibreOffice, que não está instalado" in message and "Salvar como" in message and "(.docx)" in message


def _fake_soffice(folder: Path, script: str) -> None:
    program = folder / "soffice"
    program.write_text(f"#!/bin/sh\n{script}\n")
    program.chmod(0o755)


@pytest.mark.parametrize(
    "script,timeout,words",
    [
        ("exit 0", 30, "não conseguiu abrir o arquivo Word 97-2003 (.doc)"),  # wrote nothing
        (f"exec {shutil.which('sleep')} 30", 1, "não terminou de converter"),
    ],
    ids=["sem_resultado", "travou"],
)
def test_a_conversion_that_fails_or_hangs_is_a_refusal(script, timeout, words, monkeypatch, tmp_path):
    _fake_soffice(tmp_path, script)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(office, "TIMEOUT_SECONDS", timeout)
    with pytest.raises(FormReadError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_document("f.doc", b"\xd0\xcf\x11\xe0 qualquer coisa")


@needs_soffice
@pytest.mark.parametrize(
    "name,data,words",
    [
        ("cortado.doc", (CONVERTED / "f0.doc").read_bytes()[:20_000], "não conseguiu abrir"),
        ("pdf.rtf", b"%PDF-1.4 truncated", "não conseguiu abrir"),
        ("lixo.odt", bytes(range(256)) * 16, "não conseguiu abrir|não parece um Formulário"),
    ],
)
def test_broken_documents_are_a_portuguese_refusal(name, data, words):
    with pytest.raises(FormReadError, match=words) as info:
        parse_document(name, data)
    assert str(info.value).startswith(name)


def test_soffice_is_looked_up_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert office.soffice() is None
    _fake_soffice(tmp_path, "exit 0")
    assert office.soffice() == str(tmp_path / "soffice")
    assert shutil.which("soffice") == office.soffice()
