"""Reading forms: any supported file → one grid of cells → one label-anchored extraction → a record.

    parse_document(name, data) -> record dict (form-schema.md), or raises FormReadError
    parse_path(path)           -> the same for a file on disk

Every format (.txt/.md, .csv, .xlsx, .xls, .ods, .docx, .doc/.odt/.rtf via LibreOffice, .pdf, and
scans or photos by OCR) is first turned into a `Grid` (readers.py); one
extraction (extract.py) finds the labels in it wherever they are and reads their values; validate.py
adds the warnings. This package must not touch the database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..record import FormReadError
from .extract import extract_record
from .readers import read_grid
from .validate import add_warnings

_NARROW = re.compile(r"^#{3,}$")
NARROW_WARNING = (
    "Um valor aparece como “###” no arquivo (a coluna estava estreita demais quando ele foi gerado) e não "
    "pôde ser lido: alargue a coluna e gere o arquivo de novo, ou envie a planilha original."
)

# Bump when the parser changes what it returns; stored documents record the version that read them.
PARSER_VERSION = "1.3.0"  # 1.2: raw pdftotext values far from their labels; 1.3: the "Substituição" block


def parse_document(name: str, data: bytes, origin: tuple[tuple[str, str | None], ...] = ()) -> dict[str, Any]:
    """The case record of one form file. Raises FormReadError (Portuguese message) when unreadable.

    `origin` is the e-mail the form came attached to (sources.Document.origin), kept in the
    record's `reading` as "message"."""
    grid = read_grid(name, data)
    record = extract_record(grid, source=name)
    add_warnings(record)
    if any(_NARROW.match(cell.text) for row in grid for cell in row.cells):
        # Excel and Calc print "###" for a number or date wider than its column: the value is
        # not in the file at all. Say so rather than leave the field silently empty.
        record["warnings"] = list(record["warnings"]) + [NARROW_WARNING]
    ocr_reading = getattr(grid, "ocr", None)
    if ocr_reading is not None:  # a scan or photo: say so, and how sure each value is
        from .ocr import confidences, low_confidence_warnings

        confidence = confidences(record, ocr_reading)
        record["reading"] = {"method": "ocr", "confidence": confidence}
        record["warnings"] = list(record["warnings"]) + low_confidence_warnings(record, confidence)
    attach_origin(record, origin)
    return record


def attach_origin(record: dict[str, Any], origin: tuple[tuple[str, str | None], ...]) -> dict[str, Any]:
    """The record with the date, sender and subject of the e-mail it came in (form-schema.md:
    reading.message); unchanged when it did not come by e-mail."""
    if origin and isinstance(record, dict):
        reading = record.get("reading") if isinstance(record.get("reading"), dict) else {"method": "text", "confidence": {}}
        record["reading"] = {**reading, "message": dict(origin)}
    return record


def parse_path(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormReadError(f"Arquivo não encontrado: {path}. Confira o caminho.") from None
    except IsADirectoryError:
        raise FormReadError(f"{path} é uma pasta; use `ingest` para ler pastas inteiras.") from None
    except OSError as exc:
        raise FormReadError(f"Não foi possível ler {path}: {exc.strerror}.") from None
    return parse_document(str(path), data)


__all__ = ["FormReadError", "NARROW_WARNING", "PARSER_VERSION", "attach_origin", "parse_document", "parse_path"]
