"""Reading forms: any supported file → one grid of cells → one label-anchored extraction → a record.

    parse_document(name, data) -> record dict (form-schema.md), or raises FormReadError
    parse_path(path)           -> the same for a file on disk

Every format (.txt/.md, .csv, .xlsx, .docx, .pdf) is first turned into a `Grid` (readers.py); one
extraction (extract.py) finds the labels in it wherever they are and reads their values; validate.py
adds the warnings. This package must not touch the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..record import FormReadError
from .extract import extract_record
from .readers import read_grid
from .validate import add_warnings

# Bump when the parser changes what it returns; stored documents record the version that read them.
PARSER_VERSION = "1.0.0"


def parse_document(name: str, data: bytes) -> dict[str, Any]:
    """The case record of one form file. Raises FormReadError (Portuguese message) when unreadable."""
    grid = read_grid(name, data)
    record = extract_record(grid, source=name)
    add_warnings(record)
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


__all__ = ["FormReadError", "PARSER_VERSION", "parse_document", "parse_path"]
