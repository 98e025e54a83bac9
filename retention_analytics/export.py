"""Downloads of a summary table: CSV and XLSX for Excel in Portuguese, JSON for programs.

Every download states what it is: the table's title, the filters in words and when it was made
(CSV: the first lines, then a blank line, then the header and the rows; XLSX: a "Filtros" sheet
beside the "Dados" sheet). Column headers are the English column names of metrics.TABLES (the
export contract, every column, full precision); `header="labels"` gives the people's version
(`for_people`): the catalogue's columns for people only, Portuguese headers, the screen's
precision (percentages as 34,0 under "… (%)" in CSV, as 0.340 in a 0,0% cell in XLSX). CSV is UTF-8 with BOM and
`;` separators, numbers with a decimal comma and no thousands separator, dates as dd/mm/aaaa, so
Excel-BR opens it as numbers and dates. XLSX cells are typed (numbers, dates, booleans) with pt-BR
display formats. Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or
CR) is prefixed with ' ; numbers stored as numbers are left alone, negative ones included.

It must not compute metrics (it writes the frame it is given) or import streamlit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from . import formatting
from .metrics.tables import TABLES

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
DATA_SHEET = "Dados"
FILTERS_SHEET = "Filtros"

_XLSX_FORMATS = {
    "int": "#,##0",
    "decimal": "#,##0.0",
    "days": "#,##0.0",
    "percent": "0.0%",
    "money": '"R$" #,##0.00',
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
    "month": "MM/YYYY",
    "id": "0",
}
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --------------------------------------------------------------------------- values
def neutralize(text: str) -> str:
    """`text` made inert for spreadsheets: "=1+1" → "'=1+1" (CSV/formula injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, np.floating) and np.isnan(value):
        return True
    if isinstance(value, np.datetime64) and np.isnat(value):
        return True
    return False


def python_value(value: Any) -> Any:
    """A cell as a plain Python value: int, float, bool, str, date/datetime, list, dict or None."""
    if isinstance(value, (list, tuple)):
        return [python_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return [python_value(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {k: python_value(v) for k, v in value.items()}
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, Decimal)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date()
        return value
    if isinstance(value, dt.date):
        return value
    return str(value)


def _csv_cell(value: Any) -> str:
    if isinstance(value, _Fixed):
        return value.csv()
    value = python_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list):
        value = ", ".join("" if v is None else str(v) for v in value)
    return neutralize(str(value))


def _json_value(value: Any) -> Any:
    value = python_value(value)
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# --------------------------------------------------------------------------- the people's version
class _Fixed(float):
    """A number rounded to its display precision that the CSV writes with exactly those decimals
    ("34,0", not "34")."""

    decimals: int = 0

    def __new__(cls, value: float, decimals: int) -> "_Fixed":
        obj = super().__new__(cls, round(value, decimals))
        obj.decimals = decimals
        return obj

    def csv(self) -> str:
        return f"{float(self):.{self.decimals}f}".replace(".", ",")


def for_people(df: pd.DataFrame, table_name: str, percent_as: str = "number") -> tuple[pd.DataFrame, dict[str, str]]:
    """`df` as a person gets it in a download: the catalogue's columns for people (machine keys,
    codes and sort orders left out), in its order, under the Portuguese headers, numbers rounded to
    the precision shown on screen, yes/no as "Sim"/"Não". Percentages: `percent_as="number"` (CSV)
    writes 34,0 under "… (%)"; `"fraction"` (XLSX) keeps 0.340 for a 0.0% cell format. Returns the
    frame and each header's kind (for the XLSX number formats)."""
    spec = TABLES.get(table_name)
    if spec is None:
        return df, {}
    out = pd.DataFrame(index=df.index)
    kinds: dict[str, str] = {}
    for column in spec.shown(df.columns):
        label = column.label
        decimals = column.decimals
        if column.kind == "percent" and percent_as == "number":
            label = label if "%" in label or "p.p." in label else f"{label} (%)"

        def cell(v: Any, kind: str = column.kind, d: int | None = decimals, c: Any = column) -> Any:
            if _missing(v):
                return None
            if kind == "percent":
                return _Fixed(float(v) * 100, d) if percent_as == "number" else round(float(v), d + 2)
            if kind in ("int", "id"):
                return int(round(float(v)))
            if d is not None:
                return _Fixed(float(v), d)
            if kind == "bool":
                return "Sim" if bool(v) else "Não"
            return c.label_of(v)  # a vocabulary code by its label; anything else as it is

        if column.parts:  # an interval, as on screen: "39,5–49,1%"
            low, high = column.parts
            out[label] = pd.Series([formatting.interval(a, b) for a, b in zip(df[low], df[high])],
                                   index=df.index, dtype=object)
            kinds[label] = column.kind
            continue
        out[label] = pd.Series([cell(v) for v in df[column.key]], index=df.index, dtype=object)
        kinds[label] = column.kind
    return out.reset_index(drop=True), kinds


# --------------------------------------------------------------------------- headers
def table_title(table_name: str) -> str:
    spec = TABLES.get(table_name)
    return spec.title if spec else table_name


def _headers(df: pd.DataFrame, table_name: str, header: str) -> list[str]:
    if header == "labels" and table_name in TABLES:
        labels = TABLES[table_name].columns
        return [labels.get(c, c) for c in df.columns]
    return [str(c) for c in df.columns]


def _now(generated_at: dt.datetime | None) -> dt.datetime:
    return generated_at or dt.datetime.now().replace(microsecond=0)


def preamble(table_name: str, filters_description: str, generated_at: dt.datetime | None = None) -> list[str]:
    """The lines that say what a download is: title, filters in words, generation time."""
    return [
        table_title(table_name),
        f"Filtros: {filters_description or 'Todos os casos'}",
        f"Gerado em: {formatting.datetime(_now(generated_at))}",
    ]


def download_name(table_name: str, extension: str, today: dt.date | None = None) -> str:
    """Portuguese download file name: "motivos_desligamento_2026-11-22.csv"."""
    spec = TABLES.get(table_name)
    stem = spec.file_stem if spec and spec.file_stem else re.sub(r"[^0-9a-z_]+", "_", table_name.lower())
    return f"{stem}_{(today or dt.date.today()).isoformat()}.{extension.lstrip('.')}"


# --------------------------------------------------------------------------- writers
def to_csv_bytes(df: pd.DataFrame, table_name: str, filters_description: str,
                 generated_at: dt.datetime | None = None, header: str = "names") -> bytes:
    """CSV for Excel-BR: UTF-8 with BOM, `;`, the preamble lines, a blank line, header and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for line in preamble(table_name, filters_description, generated_at):
        writer.writerow([neutralize(line)])
    writer.writerow([])
    if header == "labels" and table_name in TABLES:
        df, _ = for_people(df, table_name, percent_as="number")
        header = "names"  # the people's frame already carries the Portuguese headers
    writer.writerow([neutralize(h) for h in _headers(df, table_name, header)])
    for row in df.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    value = python_value(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, list):
        value = ", ".join("" if v is None else str(v) for v in value)
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    if isinstance(value, str):
        return neutralize(_ILLEGAL_XLSX.sub("", value))
    return value


def to_xlsx_bytes(df: pd.DataFrame, table_name: str, filters_description: str,
                  generated_at: dt.datetime | None = None, header: str = "names") -> bytes:
    """XLSX: sheet "Dados" (header row, typed cells with pt-BR formats) and sheet "Filtros" (title,
    filters in words, generation time and the Portuguese label of every column)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    spec = TABLES.get(table_name)
    formats = spec.formats if spec else {}
    people = header == "labels" and spec is not None
    if people:
        df, formats = for_people(df, table_name, percent_as="fraction")
        header = "names"  # the people's frame already carries the Portuguese headers
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    headers = _headers(df, table_name, header)
    data.append([neutralize(h) for h in headers])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in df.itertuples(index=False, name=None):
        data.append([_xlsx_value(v) for v in row])
    for index, column in enumerate(df.columns, start=1):
        letter = get_column_letter(index)
        number_format = _XLSX_FORMATS.get(formats.get(column, ""))
        for (cell,) in data.iter_rows(min_row=2, min_col=index, max_col=index):
            value = cell.value
            if isinstance(value, bool) or not isinstance(value, (int, float, dt.date)):
                continue
            if number_format and not (isinstance(value, dt.date) and "0" in number_format):
                cell.number_format = number_format
            elif isinstance(value, dt.datetime):
                cell.number_format = _XLSX_FORMATS["datetime"]
            elif isinstance(value, dt.date):
                cell.number_format = _XLSX_FORMATS["date"]
            elif isinstance(value, float):
                cell.number_format = "#,##0.0##"
            else:
                cell.number_format = _XLSX_FORMATS["int"]
        width = max([len(str(headers[index - 1]))] + [len(str(c.value or "")) for (c,) in
                    data.iter_rows(min_row=2, max_row=min(data.max_row, 200), min_col=index, max_col=index)])
        data.column_dimensions[letter].width = min(max(10, width + 2), 60)
    data.freeze_panes = "A2"
    if len(df.columns):
        data.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, data.max_row)}"

    sheet = workbook.create_sheet(FILTERS_SHEET)
    title, filters_line, generated_line = preamble(table_name, filters_description, generated_at)
    sheet.append([neutralize(title)])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["Filtros", neutralize(filters_description or "Todos os casos")])
    sheet.append(["Gerado em", _now(generated_at)])
    sheet["B3"].number_format = "DD/MM/YYYY HH:MM"
    sheet.append([])
    sheet.append(["Coluna", "Descrição"])
    for cell in sheet[5]:
        cell.font = Font(bold=True)
    labels = spec.columns if spec and not people else {}
    for column in df.columns:
        sheet.append([neutralize(str(column)), neutralize(labels.get(column, str(column)))])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 80

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def to_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: English column names, numbers as numbers, dates as ISO strings,
    missing values as None."""
    columns = [str(c) for c in df.columns]
    return [{c: _json_value(v) for c, v in zip(columns, row)} for row in df.itertuples(index=False, name=None)]


def to_json_text(df: pd.DataFrame, indent: int | None = None) -> str:
    """A JSON array of row objects (see `to_records`)."""
    return json.dumps(to_records(df), ensure_ascii=False, indent=indent)


def export_bytes(df: pd.DataFrame, table_name: str, fmt: str, filters_description: str,
                 generated_at: dt.datetime | None = None, header: str = "names") -> bytes:
    """The download of `df` in `fmt` ("csv", "xlsx" or "json")."""
    if fmt == "csv":
        return to_csv_bytes(df, table_name, filters_description, generated_at, header)
    if fmt == "xlsx":
        return to_xlsx_bytes(df, table_name, filters_description, generated_at, header)
    if fmt == "json":
        return (to_json_text(df) + "\n").encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}")


MIME_TYPES: dict[str, str] = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

__all__: Sequence[str] = (
    "FORMULA_PREFIXES",
    "MIME_TYPES",
    "download_name",
    "export_bytes",
    "for_people",
    "neutralize",
    "preamble",
    "python_value",
    "to_csv_bytes",
    "to_json_text",
    "to_records",
    "to_xlsx_bytes",
)
