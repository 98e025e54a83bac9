"""Substitution records: reading the credentialing system's file, row by row, with every problem
said by line.

    rows = read_substitutions("substituicoes.csv", data)   # list[SubstitutionRow], or raises
    store.add_substitutions(rows, source="importacao", entered_by="ana")

The file (README, "Conformidade ANS"): CSV with `;` (UTF-8 with or without BOM) or XLSX, one
header row with the columns of COLUMNS in any order, dates DD/MM/AAAA (or real dates in XLSX),
empty cells meaning unknown. A file with any unreadable row raises SubstitutionFileError listing
every bad line; nothing is stored then. Matching rows to cases (a protocol that exists and is a
termination) happens in Store.add_substitutions, inside its write transaction.

It must not open the database or decide compliance (metrics/sql/compliance.sql does).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from .. import brazil

# Header of the file → field of SubstitutionRow, in the order the template lists them.
COLUMNS: dict[str, str] = {
    "protocolo": "protocol_number",
    "data_saida": "exit_date",
    "data_aviso": "notice_date",
    "cro_substituto": "substitute_cro",
    "uf_substituto": "substitute_uf",
    "municipio_substituto": "substitute_city",
    "nome_substituto": "substitute_name",
}
# Optional columns a richer system may send as well.
OPTIONAL_COLUMNS: dict[str, str] = {"canais_aviso": "notice_channels", "observacoes": "notes"}
MAX_ROWS = 100_000


class SubstitutionFileError(ValueError):
    """The file cannot be imported; `problems` are Portuguese lines ("linha 4: …")."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        listed = "\n".join(f"- {p}" for p in problems[:50])
        more = f"\n- … e mais {len(problems) - 50} problemas." if len(problems) > 50 else ""
        super().__init__(f"Nada foi importado. Corrija o arquivo e envie de novo:\n{listed}{more}")


@dataclass(frozen=True)
class SubstitutionRow:
    """One substitution record as read (line: where it was in the file, for messages)."""

    protocol_number: str
    line: int = 0
    exit_date: dt.date | None = None
    notice_date: dt.date | None = None
    notice_channels: str | None = None
    substitute_cro: str | None = None
    substitute_uf: str | None = None
    substitute_city: str | None = None
    substitute_ibge_code: int | None = None
    substitute_name: str | None = None
    notes: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


def template_csv() -> bytes:
    """The downloadable template: the header row and one example line (UTF-8 with BOM, `;`)."""
    example = ["SAD0000000000000001", "15/03/2024", "10/02/2024", "12345", "MG", "Belo Horizonte", "Clínica Exemplo"]
    text = ";".join(COLUMNS) + "\r\n" + ";".join(example) + "\r\n"
    return ("\ufeff" + text).encode("utf-8")


def _cells(name: str, data: bytes) -> list[list[object]]:
    if name.lower().endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file problem
            raise SubstitutionFileError([f"o arquivo {name} não abre como planilha XLSX ({type(exc).__name__}); "
                                         "salve-o de novo no Excel ou envie um CSV com ;"]) from None
        sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
        book.close()
        return rows
    if name.lower().endswith(".csv"):
        text = None
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        assert text is not None  # cp1252 decodes any byte but five; those fail below as bad lines
        return [list(r) for r in csv.reader(io.StringIO(text), delimiter=";")]
    raise SubstitutionFileError([f"{name}: formato não aceito; envie um .csv (separado por ;) ou um .xlsx"])


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", " ", str(value)).strip()
    return text or None


def _date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if not match:
        raise ValueError(f"“{text}” não é uma data no formato DD/MM/AAAA")
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}” não é uma data que exista") from None


def read_substitutions(name: str, data: bytes) -> list[SubstitutionRow]:
    """Every row of the file, or SubstitutionFileError with every problem by line."""
    if not data or not data.strip():
        raise SubstitutionFileError([f"o arquivo {name} está vazio"])
    table = [r for r in _cells(name, data)]
    if not table:
        raise SubstitutionFileError([f"o arquivo {name} não tem linhas"])
    header = [(_text(h) or "").lower() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise SubstitutionFileError([
            "linha 1 (cabeçalho): faltam as colunas " + ", ".join(missing)
            + "; baixe o modelo e mantenha os nomes das colunas como estão"])
    position = {h: i for i, h in enumerate(header) if h in COLUMNS or h in OPTIONAL_COLUMNS}
    if len(table) - 1 > MAX_ROWS:
        raise SubstitutionFileError([f"o arquivo tem mais de {MAX_ROWS} linhas; divida-o em partes"])
    rows: list[SubstitutionRow] = []
    problems: list[str] = []
    for number, raw in enumerate(table[1:], start=2):
        values = {column: (raw[i] if i < len(raw) else None) for column, i in position.items()}
        if all(_text(v) is None for v in raw):
            continue  # a blank line
        fields: dict[str, object] = {}
        line_problems: list[str] = []
        for column, value in values.items():
            target = COLUMNS.get(column) or OPTIONAL_COLUMNS[column]
            if _text(value) is None:
                continue
            if target in ("exit_date", "notice_date"):
                try:
                    fields[target] = _date(value)
                except ValueError as exc:
                    line_problems.append(f"{column}: {exc}")
            else:
                fields[target] = _text(value)
        if not fields.get("protocol_number"):
            line_problems.append("protocolo: vazio (é ele que liga a linha ao caso)")
        uf = fields.get("substitute_uf")
        if uf is not None:
            uf = str(uf).upper()
            fields["substitute_uf"] = uf
            if uf not in brazil.UFS:
                line_problems.append(f"uf_substituto: “{uf}” não é uma UF")
        cro = fields.get("substitute_cro")
        if cro is not None and not re.fullmatch(r"\d{1,7}", str(cro).replace(".", "")):
            line_problems.append(f"cro_substituto: “{cro}” não é um número de CRO")
        elif cro is not None:
            fields["substitute_cro"] = str(cro).replace(".", "")
        city = fields.get("substitute_city")
        if city is not None and uf in brazil.UFS:
            municipality = brazil.match_city(uf, str(city))
            if municipality is None:
                line_problems.append(f"municipio_substituto: “{city}” não é um município de {uf} (IBGE)")
            else:
                fields["substitute_ibge_code"] = municipality.ibge_code
        elif city is not None and uf is None:
            line_problems.append("uf_substituto: vazia, mas o município do substituto foi informado")
        if line_problems:
            problems += [f"linha {number}: {p}" for p in line_problems]
            continue
        rows.append(SubstitutionRow(line=number, **fields))  # type: ignore[arg-type]
    if problems:
        raise SubstitutionFileError(problems)
    if not rows:
        raise SubstitutionFileError([f"o arquivo {name} não tem nenhuma linha de substituição"])
    return rows


__all__ = ["COLUMNS", "SubstitutionFileError", "SubstitutionRow", "read_substitutions", "template_csv"]
