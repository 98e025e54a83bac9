"""Reader of the older and the open spreadsheet formats: `.xls` (Excel 97-2003) and `.ods`.

Both are read through python-calamine (Rust, one wheel, no system library) into typed cells —
real dates, numbers, booleans — rendered the way the `.xlsx` reader renders them (dd/mm/yyyy,
comma decimals), so one extraction reads every workbook alike. Merged cells keep their span:
calamine reports them for `.xls`; for `.ods` they are read from `content.xml`
(`table:number-columns-spanned`), because calamine does not report them there.

What calamine cannot give is the number format: a money cell comes as its plain number
("403,69"), which the extraction reads the same as "R$ 403,69". It must not interpret labels.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from xml.etree import ElementTree as ET

from ..record import FormReadError
from .grid import CHECKED, UNCHECKED, Cell, Grid, Row, clean_cell

MAX_ROWS = 5_000
MAX_COLUMNS = 200  # a form sheet has 6 columns; a sheet thousands wide is not a form
_FORM_WORDS = re.compile(r"colaborador|operadora", re.I)

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"


def cell_text(value: object) -> str:
    """A typed cell as the user sees it in a pt-BR spreadsheet (same rules as the .xlsx reader)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return CHECKED if value else UNCHECKED
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        if float(value).is_integer():
            return str(int(value))
        # A comma decimal: "1.234" must never be read back as one thousand two hundred.
        return repr(float(value)).replace(".", ",")
    return str(value)


def read_calamine(data: bytes, kind: str) -> Grid:
    """The form sheet of an .xls or .ods workbook as a Grid. `kind` is "xls" or "ods"."""
    from python_calamine import CalamineWorkbook  # imported here: only these workbooks pay for it

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - CalamineError, ValueError…: a hostile file is a message
        raise FormReadError(
            f"a planilha .{kind} está corrompida ou não é uma planilha ({type(exc).__name__}). "
            f"Abra-a no Excel ou no LibreOffice, salve de novo (como .{kind} ou .xlsx) e reenvie."
        ) from None
    ods_spans = _ods_spans(data) if kind == "ods" else {}
    grids: list[Grid] = []
    for index, name in enumerate(workbook.sheet_names):
        sheet = workbook.get_sheet_by_index(index)
        spans = ods_spans.get(name, {}) if kind == "ods" else _merged_spans(sheet)
        grid = _sheet_grid(sheet, spans)
        if any(_FORM_WORDS.search(row.text) for row in grid[:40]):
            return grid  # the sheet that holds the form
        grids.append(grid)
    return grids[0] if grids else []


def _merged_spans(sheet) -> dict[tuple[int, int], tuple[int, int]]:  # type: ignore[no-untyped-def]
    """{(row, col) of a merge's first cell: (last row, last col)}, all from 0."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for first, last in sheet.merged_cell_ranges or []:
        spans[(int(first[0]), int(first[1]))] = (int(last[0]), int(last[1]))
    return spans


def _sheet_grid(sheet, spans: dict[tuple[int, int], tuple[int, int]]) -> Grid:  # type: ignore[no-untyped-def]
    covered: set[tuple[int, int]] = set()
    for (r1, c1), (r2, c2) in spans.items():
        for r in range(r1, min(r2, MAX_ROWS) + 1):
            for c in range(c1, min(c2, MAX_COLUMNS) + 1):
                if (r, c) != (r1, c1):
                    covered.add((r, c))
    # to_python() starts at the first used cell; `start` says where that is.
    start_row, start_col = sheet.start or (0, 0)
    grid: Grid = []
    for offset, values in enumerate(sheet.iter_rows()):
        r = start_row + offset
        if r > MAX_ROWS:
            break
        cells: list[Cell] = []
        for k, value in enumerate(values[:MAX_COLUMNS]):
            c = start_col + k
            if (r, c) in covered:
                continue
            end = spans.get((r, c), (r, c))[1] + 1
            cells.append(Cell(clean_cell(cell_text(value)), float(c), float(end)))
        if any(cell.text for cell in cells):
            grid.append(Row(cells, True))
    return grid


def _ods_spans(data: bytes) -> dict[str, dict[tuple[int, int], tuple[int, int]]]:
    """Merged cells of each sheet of an .ods, from its content.xml; {} when it cannot be read
    (the values still come from calamine, only the spans are lost)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("content.xml")
            if info.file_size > 50 * 1024 * 1024:
                return {}
            root = ET.fromstring(archive.read(info))
    except (KeyError, zipfile.BadZipFile, ET.ParseError, OSError, EOFError, ValueError):
        return {}
    out: dict[str, dict[tuple[int, int], tuple[int, int]]] = {}
    for table in root.iter(f"{_TABLE}table"):
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        r = 0
        for row in table.iter(f"{_TABLE}table-row"):
            row_repeat = _count(row.get(f"{_TABLE}number-rows-repeated"))
            c = 0
            for cell in row:
                if cell.tag not in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                    continue
                repeat = _count(cell.get(f"{_TABLE}number-columns-repeated"))
                across = _count(cell.get(f"{_TABLE}number-columns-spanned"))
                down = _count(cell.get(f"{_TABLE}number-rows-spanned"))
                if cell.tag == f"{_TABLE}table-cell" and (across > 1 or down > 1):
                    spans[(r, c)] = (r + down - 1, c + across - 1)
                c += repeat
                if c > MAX_COLUMNS:
                    break
            r += row_repeat
            if r > MAX_ROWS:
                break
        out[table.get(f"{_TABLE}name", "")] = spans
    return out


def _count(value: str | None) -> int:
    try:
        return max(1, min(int(value or "1"), 1_000_000))
    except ValueError:
        return 1
