"""Readers: one per file format, each turning a form's bytes into a Grid (grid.py).

- .xlsx: typed cells (real dates, numbers) rendered the pt-BR way, merged cells keep their span.
- .xls, .ods: the same through python-calamine (spreadsheets.py).
- .doc, .odt, .rtf: converted to .docx by LibreOffice headless when installed (office.py).
- scans and photos (.png, .jpg/.jpeg, .tif/.tiff, image-only .pdf): Tesseract OCR (ocr.py).
- .csv: delimiter sniffed (`;` as Brazilian Excel saves, `,`, tab), encoding detected.
- .docx: paragraphs and tables in document order; Word checkbox controls and legacy form fields.
- .pdf: words of the text layer grouped into lines and cells by their positions; form-field
  checkboxes placed where they are drawn.
- .txt/.md: whatever converters produce: tab-separated grids, `pdftotext -layout` columns, markdown
  pipe and grid tables, HTML tables and `<input type="checkbox">`.

Each reader raises FormReadError with a Portuguese message (what, where, what to do) for files it
cannot read. Readers must not interpret labels: that is extract.py's job.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from functools import lru_cache
from html.parser import HTMLParser
from xml.etree import ElementTree as ET

from ..record import FormReadError
from .grid import CHECKED, UNCHECKED, Cell, Grid, Row, clean_cell, row_from_texts
from .sources import extension

MAX_ROWS = 5_000  # a form has ~90 rows; more means this is not a form (or a hostile file)


def read_grid(name: str, data: bytes) -> Grid:
    """The Grid of a form file, by its extension (sniffing the content when it has none)."""
    if not data or not data.strip():
        raise FormReadError(f"{name}: o arquivo está vazio. Confira se salvou o formulário antes de enviar.")
    ext = extension(name)
    if ext in {".eml", ".msg", ".zip"}:
        raise FormReadError(
            f"{name}: é um {'e-mail' if ext != '.zip' else 'arquivo .zip'}; os formulários estão dentro dele. "
            "Use `parse` ou `ingest` (ou a página Importar), que abrem cada anexo."
        )
    if ext not in _READERS and ext not in {".txt", ".md"}:
        ext = _sniff(data)
    reader = _READERS.get(ext, read_text)
    try:
        grid = reader(data)
    except FormReadError as exc:
        raise FormReadError(f"{name}: {exc}") from None
    except (zipfile.BadZipFile, KeyError, ET.ParseError, EOFError) as exc:
        kind = ext.lstrip(".").upper()
        raise FormReadError(
            f"{name}: o arquivo {kind} está corrompido ou incompleto ({type(exc).__name__}). "
            "Abra-o no programa original, salve de novo e reenvie."
        ) from None
    except Exception as exc:  # a third-party reader choking on a hostile file must not crash ingest
        kind = ext.lstrip(".").upper()
        raise FormReadError(
            f"{name}: não foi possível ler o arquivo como {kind} ({type(exc).__name__}). "
            "Confira se o arquivo abre normalmente e se a extensão corresponde ao conteúdo."
        ) from None
    if len(grid) > MAX_ROWS:
        raise FormReadError(f"{name}: o arquivo tem {len(grid)} linhas; um formulário tem menos de 200. Envie um formulário por arquivo.")
    return grid


def _read_via_libreoffice(ext: str):  # type: ignore[no-untyped-def]
    def read(data: bytes) -> Grid:
        from .office import convert_to_docx

        return read_docx(convert_to_docx(data, ext))

    return read


def read_xls(data: bytes) -> Grid:
    from .spreadsheets import read_calamine

    return read_calamine(data, "xls")


def read_ods(data: bytes) -> Grid:
    from .spreadsheets import read_calamine

    return read_calamine(data, "ods")


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return ".pdf"
    if data.startswith(b"PK"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return ".txt"
        if any(n.startswith("xl/") for n in names):
            return ".xlsx"
        if any(n.startswith("word/") for n in names):
            return ".docx"
        if "content.xml" in names and b"opendocument.spreadsheet" in data[:200]:
            return ".ods"
    return ".txt"


# ---------------------------------------------------------------------------------------- text


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (what Brazilian Excel writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if len(data) > 3 and data[1::2].count(0) > len(data) // 4:  # UTF-16 without a BOM
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|>~\"'])")
_MD_TABLE_RULE = re.compile(r"^\s*[-+|:= ]+$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.*?)\1")
_LEAD_LIST = re.compile(r"^\s*(?:[-*+]\s+(?=\|)|>\s*)")


def _unmarkdown(text: str) -> str:
    if text.strip() == "\\":
        return ""  # pandoc writes an empty table cell as a lone backslash (a hard line break)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = text.replace("**", "")
    text = _MD_ESCAPE.sub(r"\1", text)
    text = re.sub(r"^#{1,6}\s+", "", text)
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    return text


def _looks_like_html_table(text: str) -> bool:
    return bool(re.search(r"<t[dh]\b", text, re.I))


class _HTMLTable(HTMLParser):
    """Rows of HTML tables and the paragraphs between them, checkboxes kept as markers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[str], bool]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._loose: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._flush_loose()
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "input" and dict(attrs).get("type") == "checkbox":
            mark = CHECKED if "checked" in dict(attrs) else UNCHECKED
            self._write(f" {mark} ")
        elif tag in ("br", "p", "div", "li") and self._cell is None:
            self._flush_loose()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._row, True))
            self._row = None
        elif tag in ("p", "div", "li", "h1", "h2", "h3"):
            self._flush_loose()

    def handle_data(self, data: str) -> None:
        self._write(data)

    def _write(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        else:
            self._loose.append(data)

    def _flush_loose(self) -> None:
        text = "".join(self._loose)
        for line in text.splitlines():
            if line.strip():
                self.rows.append(([line], False))
        self._loose = []

    def close(self) -> None:
        super().close()
        self._flush_loose()


_SPACED = re.compile(r"\S {3,}\S")


def read_text(data: bytes) -> Grid:
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise FormReadError("o arquivo não é texto (tem bytes binários). Envie o .xlsx, .docx ou .pdf original.")
    if _looks_like_html_table(text):
        parser = _HTMLTable()
        parser.feed(text)
        parser.close()
        grid: Grid = []
        for cells, tabular in parser.rows:
            if tabular:
                grid.append(row_from_texts([_unmarkdown(c) for c in cells], True))
            else:
                grid += _text_line_rows(_unmarkdown(cells[0]))
        return grid
    lines = text.split("\n")
    # `pdftotext -layout` output: columns kept by spaces. Then even a line holding one value keeps
    # its position (a lone date under "Data final" is the final date, not the start date).
    spaced = sum(1 for line in lines if "   " in line and _SPACED.search(line))
    layout = spaced >= 5 and "\t" not in text
    grid = []
    index = 0
    while index < len(lines):
        consumed, rows = _pandoc_table(lines, index)
        if consumed:
            grid += rows
            index += consumed
            continue
        grid += _text_line_rows(lines[index], layout)
        index += 1
    return grid


_FULL_RULE = re.compile(r"^\s*-{10,}\s*$")
_COLUMN_RULE = re.compile(r"^\s*-{2,}(?:\s+-{2,})+\s*$")
_GRID_BORDER = re.compile(r"^\s*\+(?:[-=:]+\+)+\s*$")


def _pandoc_table(lines: list[str], start: int) -> tuple[int, Grid]:
    """Pandoc's grid, multiline and simple tables starting at `start`: (lines consumed, rows).

    Their cells wrap over several lines ("Joana Ribeiro / Lopes"), so a line is not a row: a
    row is the lines between two borders (grid) or two blank lines (multiline), cut into cells at
    the column positions the dashes give.
    """
    line = lines[start]
    if not line.lstrip().startswith(("+", "-")):
        # Only a simple table can start here: a header line right above a column rule. This
        # check spares the other lines of a text form (nearly all) the probing below.
        following = lines[start + 1] if start + 1 < len(lines) else ""
        if not line.strip() or "-" not in following or not _COLUMN_RULE.match(following):
            return 0, []
    if _GRID_BORDER.match(line):
        return _grid_table(lines, start)
    if _COLUMN_RULE.match(line) and (start == 0 or not lines[start - 1].strip()):
        return _headerless_table(lines, start)
    multiline = bool(_FULL_RULE.match(line))
    header_start = start + 1 if multiline else start
    # The column rule sits after the header (one or more lines) or right after the top rule.
    rule = None
    for probe in range(header_start, min(header_start + 6, len(lines))):
        if _COLUMN_RULE.match(lines[probe]):
            rule = probe
            break
        if not lines[probe].strip() and not multiline:
            break
    if rule is None or (not multiline and rule != start + 1):
        return 0, []
    columns = [m.start() for m in re.finditer(r"-+", lines[rule])]

    def cut(block: list[str]) -> Row:
        return _cut_columns(block, columns)

    rows: Grid = []
    header = [lines[i] for i in range(header_start, rule) if lines[i].strip()]
    if header:
        rows.append(cut(header))
    index = rule + 1
    block: list[str] = []
    while index < len(lines):
        text = lines[index]
        if multiline and (_FULL_RULE.match(text) or _COLUMN_RULE.match(text)):
            index += 1
            break
        if not text.strip():
            if block:
                rows.append(cut(block))
                block = []
            if not multiline:
                break
            index += 1
            continue
        if multiline:
            block.append(text)
        else:
            rows.append(cut([text]))
        index += 1
    if block:
        rows.append(cut(block))
    return index - start, rows


# Portuguese words short enough to look like the head of a broken word, but whole words.
_SHORT_WORDS = frozenset("a o e é as os da de do das dos em no na nos nas um uma por com se ou nº n°".split())


def _join_wrapped(pieces: list[str]) -> str:
    """A grid-table cell's lines joined. Pandoc breaks a word longer than the column and puts its
    rest on the next line, filling it: such a full line continues the previous word."""
    text = ""
    for raw in pieces:
        piece = raw.strip()
        if not piece:
            continue
        width = len(raw) - 2
        fills = len(piece) >= width > 0
        last_word = text.split(" ")[-1] if text else ""
        # The broken word's head is what did not fit: short (a genuine wrap leaves a longer word).
        if (
            text
            and fills
            and last_word[-1:].isalnum()
            and len(last_word) <= width // 2
            and last_word not in _SHORT_WORDS
            and (piece[0].isalnum() or piece[0] == "/")
        ):
            text += piece
        else:
            text = f"{text} {piece}".strip()
    return text


def _cut_columns(block: list[str], columns: list[int]) -> Row:
    cells = [""] * len(columns)
    for text in block:
        for k, col in enumerate(columns):
            end = columns[k + 1] if k + 1 < len(columns) else None
            piece = text[col:end] if end is not None else text[col:]
            if piece.strip():
                cells[k] = f"{cells[k]} {piece.strip()}".strip()
    return row_from_texts([_unmarkdown(c) for c in cells], True)


def _headerless_table(lines: list[str], start: int) -> tuple[int, Grid]:
    """Pandoc's headerless multiline table: a column rule, rows separated by blank lines, a
    closing column rule."""
    columns = [m.start() for m in re.finditer(r"-+", lines[start])]
    rows: Grid = []
    block: list[str] = []
    index = start + 1
    while index < len(lines):
        text = lines[index]
        if _COLUMN_RULE.match(text) or _FULL_RULE.match(text):
            index += 1
            break
        if not text.strip():
            if block:
                rows.append(_cut_columns(block, columns))
                block = []
        else:
            block.append(text)
        index += 1
    if block:
        rows.append(_cut_columns(block, columns))
    return index - start, rows


def _grid_table(lines: list[str], start: int) -> tuple[int, Grid]:
    rows: Grid = []
    block: list[list[str]] = []
    index = start + 1
    while index < len(lines):
        text = lines[index].strip()
        if _GRID_BORDER.match(text) or re.match(r"^\+[-=+:| ]*\+$", text):
            if block:
                width = max(len(b) for b in block)
                cells = [_join_wrapped([b[k] for b in block if k < len(b)]) for k in range(width)]
                rows.append(row_from_texts([_unmarkdown(c) for c in cells], True))
                block = []
            index += 1
            continue
        if not text.startswith("|"):
            break
        inner = text[1:-1] if text.endswith("|") else text[1:]
        block.append(re.split(r"(?<!\\)\|", inner))
        index += 1
    return index - start, rows


def _text_line_rows(raw: str, layout: bool = False) -> Grid:
    return list(_text_line_rows_cached(raw, layout))


# Memoized: most lines of a text form are the template's own (labels, options, "Obs.:") and repeat
# in every form of a batch. Rows are values (grid.py): sharing them between forms is safe.
@lru_cache(maxsize=32768)
def _text_line_rows_cached(raw: str, layout: bool) -> tuple[Row, ...]:
    return tuple(_line_rows(raw, layout))


def _line_rows(raw: str, layout: bool) -> Grid:
    # Trailing tabs are empty cells (a value row with one value still is a table row).
    line = raw.rstrip("\r\n ") if "\t" in raw.strip(" ") else raw.rstrip()
    if not line.strip():
        return []
    stripped = _LEAD_LIST.sub("", line).strip()
    if stripped.startswith("|") or stripped.startswith("+") and "|" in stripped or stripped.count("|") >= 2:
        if _MD_TABLE_RULE.match(stripped):
            return []  # |---|---| and +----+ rules
        inner = stripped.strip()
        if inner.startswith("|"):
            inner = inner[1:]
        if inner.endswith("|"):
            inner = inner[:-1]
        cells = re.split(r"(?<!\\)\|", inner)
        return [row_from_texts([_unmarkdown(c) for c in cells], True)]
    line = _unmarkdown(line)
    if "\t" in line:
        return [row_from_texts(line.split("\t"), True)]
    if re.search(r"\S {2,}\S", line) or (layout and line.strip() and not line.lstrip().startswith(("☐", "☒", "[", "("))):
        # pdftotext -layout: columns separated by runs of spaces; keep character offsets.
        cells: list[Cell] = []
        for m in re.finditer(r"\S+(?: \S+)*", line):
            text = clean_cell(m.group())
            if cells and cells[-1].text in ("R$", "-R$"):
                # Accounting format pads "R$" away from its amount ("R$        -"): one cell.
                cells[-1] = Cell(f"{cells[-1].text} {text}", cells[-1].x0, float(m.end()))
            else:
                cells.append(Cell(text, float(m.start()), float(m.end())))
        return [Row(cells, True)]
    text = clean_cell(line)
    return [Row([Cell(text, 0.0, float(len(text)))], False)] if text else []


# ----------------------------------------------------------------------------------------- csv


def read_csv(data: bytes) -> Grid:
    text = decode_text(data)
    if "\x00" in text:
        raise FormReadError("o arquivo .csv tem bytes binários; salve-o de novo como CSV.")
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    grid: Grid = []
    for cells in reader:
        if len(grid) > MAX_ROWS:
            break
        if not any(c.strip() for c in cells):
            continue
        grid.append(row_from_texts(cells, True))
    return grid


# ---------------------------------------------------------------------------------------- xlsx


def _xlsx_text(value: object, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return CHECKED if value else UNCHECKED
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)):
        if "R$" in number_format or "[$R$" in number_format:
            return "R$ " + f"{value:.2f}".replace(".", ",")
        if float(value).is_integer():
            return str(int(value))
        # A comma decimal: "1.234" must never be read back as one thousand two hundred.
        return repr(float(value)).replace(".", ",")
    return str(value)


_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DATE_FORMAT_IDS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@lru_cache(maxsize=4096)
def _cell_position(ref: str) -> tuple[int, int]:
    """(row, column), both from 1, of a reference like "B12"."""
    match = _CELL_REF.match(ref)
    if not match:
        raise ValueError("cell without a reference")
    return int(match.group(2)), _column_index(match.group(1))


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index


def _is_date_format(code: str) -> bool:
    plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return bool(re.search(r"[dmy]", plain)) and not re.search(r"[#0]", plain.replace("0d", ""))


def read_xlsx(data: bytes) -> Grid:
    """The form sheet of a workbook, read straight from its XML (fast: a form is one small sheet);
    unusual workbooks (strict OOXML, odd packaging) fall back to openpyxl."""
    try:
        return _read_xlsx_xml(data)
    except (KeyError, ET.ParseError, ValueError, IndexError):
        return _read_xlsx_openpyxl(data)


def _read_xlsx_xml(data: bytes) -> Grid:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        for name in names:
            if archive.getinfo(name).file_size > 50 * 1024 * 1024:
                raise FormReadError("a planilha é grande demais para um formulário (mais de 50 MB descompactados).")
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            for item in ET.fromstring(archive.read("xl/sharedStrings.xml")).iter(f"{_S}si"):
                shared.append("".join(t.text or "" for t in item.iter(f"{_S}t")))
        formats: list[str] = []  # per cellXfs index: 'date', 'money' or ''
        if "xl/styles.xml" in names:
            styles = ET.fromstring(archive.read("xl/styles.xml"))
            custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in styles.iter(f"{_S}numFmt")}
            xfs = styles.find(f"{_S}cellXfs")
            for xf in xfs if xfs is not None else []:
                fmt_id = int(xf.get("numFmtId", "0"))
                code = custom.get(fmt_id, "")
                if fmt_id in _DATE_FORMAT_IDS or (code and _is_date_format(code)):
                    formats.append("date")
                elif "R$" in code or fmt_id in (5, 6, 7, 8):
                    formats.append("money")
                else:
                    formats.append("")
        workbook = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
        sheet_paths = []
        for sheet in workbook.iter(f"{_S}sheet"):
            target = targets[sheet.get(f"{_R}id")]
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheet_paths.append(target)
        grids = [_xlsx_sheet_grid(ET.fromstring(archive.read(path)), shared, formats) for path in sheet_paths]
    for grid in grids:  # the sheet that holds the form
        if any(re.search(r"colaborador|operadora", row.text, re.I) for row in grid[:40]):
            return grid
    return grids[0] if grids else []


def _xlsx_sheet_grid(sheet: ET.Element, shared: list[str], formats: list[str]) -> Grid:
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for merged in sheet.iter(f"{_S}mergeCell"):
        first, _, last = (merged.get("ref") or "").partition(":")
        a, b = _CELL_REF.match(first), _CELL_REF.match(last or first)
        if not a or not b:
            continue
        r1, c1, r2, c2 = int(a.group(2)), _column_index(a.group(1)), int(b.group(2)), _column_index(b.group(1))
        spans[(r1, c1)] = c2
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    covered.add((r, c))
    grid: Grid = []
    value_tag = f"{_S}v"
    for row in sheet.iter(f"{_S}row"):
        cells: list[Cell] = []
        for cell in row.findall(f"{_S}c"):
            r, c = _cell_position(cell.get("r", ""))
            if (r, c) in covered:
                continue
            kind = cell.get("t", "n")
            value_node = cell.find(value_tag)
            raw = value_node.text if value_node is not None and value_node.text is not None else ""
            if not raw and kind not in ("inlineStr", "b"):
                # An empty (often merged-over or only formatted) cell: most cells of a form sheet.
                cells.append(Cell("", float(c - 1), float(spans.get((r, c), c))))
                continue
            style_index = int(cell.get("s", "0"))
            style = formats[style_index] if style_index < len(formats) else ""
            if kind == "s":
                text = shared[int(raw)] if raw else ""
            elif kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter(f"{_S}t"))
            elif kind == "b":
                text = CHECKED if raw == "1" else UNCHECKED
            elif kind in ("str", "e", "d"):
                text = raw
            elif raw:
                number = float(raw)
                if style == "date" and 0 < number < 2_958_466:
                    text = (_EXCEL_EPOCH + dt.timedelta(days=number)).strftime("%d/%m/%Y")
                elif style == "money":
                    text = "R$ " + f"{number:.2f}".replace(".", ",")
                elif number.is_integer():
                    text = str(int(number))
                else:
                    text = repr(number).replace(".", ",")
            else:
                text = ""
            end = spans.get((r, c), c)
            cells.append(Cell(clean_cell(text), float(c - 1), float(end)))
        if len(grid) > MAX_ROWS:
            break
        if any(cell.text for cell in cells):
            grid.append(Row(cells, True))
    return grid


def _read_xlsx_openpyxl(data: bytes) -> Grid:
    import openpyxl  # imported here: only unusual workbooks pay for it

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except zipfile.BadZipFile:
        raise
    except Exception as exc:
        raise FormReadError(f"a planilha não pôde ser aberta ({type(exc).__name__}); salve-a de novo como .xlsx.") from None
    sheet = _form_sheet(workbook)
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = merged.max_col
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if (r, c) != (merged.min_row, merged.min_col):
                    covered.add((r, c))
    grid: Grid = []
    max_row = min(sheet.max_row or 0, MAX_ROWS + 1)
    for row in sheet.iter_rows(min_row=1, max_row=max_row):
        cells: list[Cell] = []
        for cell in row:
            if (cell.row, cell.column) in covered:
                continue
            text = clean_cell(_xlsx_text(cell.value, cell.number_format or ""))
            end = spans.get((cell.row, cell.column), cell.column)
            cells.append(Cell(text, float(cell.column - 1), float(end)))
        if any(c.text for c in cells):
            grid.append(Row(cells, True))
    return grid


def _form_sheet(workbook):  # type: ignore[no-untyped-def]
    """The sheet holding the form: the first one that mentions "Colaborador" or "Operadora"."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row or 0, 40), values_only=True):
            if any(isinstance(v, str) and re.search(r"colaborador|operadora", v, re.I) for v in row):
                return sheet
    return workbook.worksheets[0]


# ---------------------------------------------------------------------------------------- docx

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
# Wingdings glyphs Word uses for boxes (w:sym).
_SYM_CHECKS = {"F0FE": CHECKED, "F078": CHECKED, "F0FD": CHECKED, "F0A8": UNCHECKED, "F06F": UNCHECKED, "F071": UNCHECKED}


def _docx_text(element: ET.Element) -> str:
    """Text of a paragraph or cell, with tabs, line breaks and checkbox fields as markers."""
    out: list[str] = []
    for node in element.iter():
        tag = node.tag
        if tag == f"{_W}t" and node.text:
            out.append(node.text)
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            out.append("\n")
        elif tag == f"{_W}sym":
            char = (node.get(f"{_W}char") or "").upper()
            out.append(_SYM_CHECKS.get(char, ""))
        elif tag == f"{_W}checkBox":  # legacy form field: <w:checked/> or <w:default w:val="1"/>
            checked = node.find(f"{_W}checked")
            default = node.find(f"{_W}default")
            state = checked if checked is not None else default
            is_on = state is not None and state.get(f"{_W}val", "1") not in ("0", "false")
            out.append(f" {CHECKED if is_on else UNCHECKED} ")
    return "".join(out)


def read_docx(data: bytes) -> Grid:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/document.xml" not in archive.namelist():
            raise FormReadError("não é um documento Word (.docx) válido. Salve-o de novo como .docx.")
        info = archive.getinfo("word/document.xml")
        if info.file_size > 50 * 1024 * 1024:
            raise FormReadError("o documento Word é grande demais para um formulário.")
        root = ET.fromstring(archive.read("word/document.xml"))
    body = root.find(f"{_W}body")
    if body is None:
        raise FormReadError("o documento Word não tem conteúdo.")
    grid: Grid = []
    for block in body:
        if block.tag == f"{_W}p":
            grid += _docx_paragraph_rows(block)
        elif block.tag == f"{_W}tbl":
            grid += _docx_table_rows(block)
        elif block.tag == f"{_W}sdt":  # content controls wrapping paragraphs or tables
            content = block.find(f"{_W}sdtContent")
            for inner in content if content is not None else []:
                if inner.tag == f"{_W}p":
                    grid += _docx_paragraph_rows(inner)
                elif inner.tag == f"{_W}tbl":
                    grid += _docx_table_rows(inner)
    return grid


def _docx_paragraph_rows(paragraph: ET.Element) -> Grid:
    text = _docx_text(paragraph)
    rows: Grid = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if "\t" in line.strip():
            rows.append(row_from_texts(line.split("\t"), True))
        else:
            cleaned = clean_cell(line)
            rows.append(Row([Cell(cleaned, 0.0, float(len(cleaned)))], False))
    return rows


def _docx_table_rows(table: ET.Element) -> Grid:
    rows: Grid = []
    for tr in table.findall(f"{_W}tr"):
        cells: list[Cell] = []
        column = 0
        for tc in tr.findall(f"{_W}tc"):
            props = tc.find(f"{_W}tcPr")
            span = 1
            if props is not None:
                grid_span = props.find(f"{_W}gridSpan")
                if grid_span is not None:
                    span = int(grid_span.get(f"{_W}val", "1") or 1)
            paragraphs = [_docx_text(p) for p in tc.iter(f"{_W}p")]
            text = clean_cell(" ".join(p for p in paragraphs if p.strip()))
            cells.append(Cell(text, float(column), float(column + span)))
            column += span
        if any(c.text for c in cells):
            rows.append(Row(cells, True))
    return rows


# ----------------------------------------------------------------------------------------- pdf


def read_pdf(data: bytes) -> Grid:
    import pdfplumber  # imported here: only PDFs pay for it

    grid: Grid = []
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise FormReadError(f"o PDF está corrompido ou protegido ({type(exc).__name__}). Gere o PDF novamente.") from None
    with pdf:
        if len(pdf.pages) > 50:
            raise FormReadError("o PDF tem mais de 50 páginas; um formulário tem uma ou duas.")
        any_text = False
        pages = pdf.pages
        if not any(page.chars for page in pages):
            # No text layer: a printed, signed and scanned form. Read it by OCR (ocr.py).
            from . import ocr

            if not ocr.available():
                raise FormReadError(ocr.tesseract_missing_message("o PDF não tem camada de texto (é uma imagem escaneada)"))
            return ocr.read_pages(ocr.images_from_pdf(data))
        for page in pages:
            words = page.extract_words(x_tolerance=0.8, y_tolerance=2.5, keep_blank_chars=False, use_text_flow=False,
                                       extra_attrs=["fontname"])
            words = [dict(w) for w in words]
            any_text = any_text or bool(words)
            words += _pdf_checkbox_words(page)
            table_rows, words = _pdf_table_rows(page, words)
            rows = [(top, row) for top, row in table_rows]
            rows += [(top, row) for top, row in _pdf_rows(words, with_top=True, join_wrapped=True)]
            grid += [row for _, row in sorted(rows, key=lambda item: item[0])]
    if not any_text:
        raise FormReadError(
            "o PDF não tem camada de texto (é uma imagem escaneada). Envie o .xlsx/.docx original ou um PDF gerado pelo programa."
        )
    return grid


def read_image(data: bytes) -> Grid:
    from . import ocr

    return ocr.read_image(data)


def _pdf_checkbox_words(page) -> list[dict]:  # type: ignore[no-untyped-def]
    """AcroForm checkboxes drawn on the page, as marker words at their positions."""
    words = []
    try:
        annots = page.annots or []
    except Exception:
        return words
    for annot in annots:
        data = annot.get("data") or {}
        if str(data.get("FT", "")).strip("/'\"") not in ("Btn", "/Btn") and "AS" not in data:
            continue
        state = str(data.get("AS", data.get("V", "Off")))
        checked = "Off" not in state
        words.append(
            {
                "text": CHECKED if checked else UNCHECKED,
                "x0": float(annot["x0"]),
                "x1": float(annot["x1"]),
                "top": float(annot["top"]),
                "bottom": float(annot["bottom"]),
            }
        )
    return words


def _pdf_table_rows(page, words: list[dict]) -> tuple[list[tuple[float, Row]], list[dict]]:  # type: ignore[no-untyped-def]
    """Ruled tables (a Word or Calc table printed with borders): one row per table row, each cell
    the words inside its borders, however many lines they wrap over. Returns those rows and the
    words outside every table."""
    if not page.lines and not page.rects:
        return [], words
    try:
        tables = page.find_tables()
    except Exception:  # a malformed drawing must not cost the text
        return [], words
    rows: list[tuple[float, Row]] = []
    inside: set[int] = set()
    for table in tables:
        for table_row in table.rows:
            cells: list[Cell] = []
            for bbox in table_row.cells:
                if bbox is None:
                    continue
                x0, top, x1, bottom = bbox
                members = [
                    (i, w) for i, w in enumerate(words)
                    if i not in inside and x0 - 1 <= (float(w["x0"]) + float(w["x1"])) / 2 <= x1 + 1
                    and top - 1 <= (float(w["top"]) + float(w["bottom"])) / 2 <= bottom + 1
                ]
                inside.update(i for i, _ in members)
                cells.append(Cell(clean_cell(_cell_text([w for _, w in members], x1)), float(x0), float(x1)))
            if any(c.text for c in cells):
                rows.append((float(table_row.bbox[1]), Row(cells, True)))
    return rows, [w for i, w in enumerate(words) if i not in inside]


def _cell_text(words: list[dict], right_edge: float) -> str:
    """A table cell's words, line by line. A line that is one word reaching the cell's border was
    broken mid-word by the narrow column ("Colaborad" / "or"): it is glued to the next line."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(float(w["top"])), float(w["x0"]))):
        if lines and abs(float(lines[-1][0]["top"]) - float(word["top"])) <= 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    text = ""
    glue = False
    for line in lines:
        line_text = " ".join(str(w["text"]) for w in line)
        previous = text.split(" ")[-1] if text else ""
        continues = line_text[:1].isalnum() and (not line_text[:1].isupper() or previous.isupper())
        if (glue and continues) or (text and line_text[:1] in ",.;:)"):
            text += line_text
        else:
            text = f"{text} {line_text}".strip()
        char_width = (float(line[-1]["x1"]) - float(line[-1]["x0"])) / max(len(str(line[-1]["text"])), 1)
        glue = len(line) == 1 and float(line[-1]["x1"]) >= right_edge - 2.5 * char_width
    return text


def _pdf_rows(words: list[dict], with_top: bool = False, join_wrapped: bool = False):  # type: ignore[no-untyped-def]
    """Words grouped into lines, lines cut into cells at column gaps. With `join_wrapped`, a line
    that is the next line of wrapped text inside the cells above it (closer than rows are apart,
    same font, every cell under exactly one cell above) is joined into them: a spreadsheet printed
    with narrow columns wraps labels ("Demandado / por?") and values inside their cells."""
    words.sort(key=lambda w: (round(float(w["top"]), 1), float(w["x0"])))
    lines: list[list[dict]] = []
    for word in words:
        middle = (float(word["top"]) + float(word["bottom"])) / 2
        if lines:
            last = lines[-1]
            height = max(float(last[0]["bottom"]) - float(last[0]["top"]), 4.0)
            last_middle = (float(last[0]["top"]) + float(last[0]["bottom"])) / 2
            if abs(middle - last_middle) <= height * 0.5:
                last.append(word)
                continue
        lines.append([word])
    built: list[tuple[float, float, list[Cell], list[object], float]] = []
    for line in lines:
        line.sort(key=lambda w: float(w["x0"]))
        height = max(float(line[0]["bottom"]) - float(line[0]["top"]), 4.0)
        cells: list[Cell] = []
        fonts: list[object] = []
        for word in line:
            gap_limit = height * 0.9  # a space is ~0.28 em; a column gap is wider
            if cells and float(word["x0"]) - cells[-1].x1 <= gap_limit:
                cells[-1] = Cell(f"{cells[-1].text} {word['text']}", cells[-1].x0, float(word["x1"]))
            else:
                cells.append(Cell(str(word["text"]), float(word["x0"]), float(word["x1"])))
                fonts.append(word.get("fontname"))
        merged: list[Cell] = []
        merged_fonts: list[object] = []
        for cell, font in zip(cells, fonts):
            text = clean_cell(cell.text)
            if merged and re.fullmatch(r"-?R\$", merged[-1].text):
                # Accounting format pads "R$" away from its amount ("R$        -"): one cell.
                merged[-1] = Cell(f"{merged[-1].text} {text}", merged[-1].x0, cell.x1)
            else:
                merged.append(Cell(text, cell.x0, cell.x1))
                merged_fonts.append(font)
        top = float(line[0]["top"])
        if join_wrapped and built and _continues(built[-1], top, height, merged, merged_fonts):
            first_top, first_height, above, above_fonts, _ = built[-1]
            built[-1] = (first_top, first_height, _join_under(above, merged), above_fonts, top)
            continue
        built.append((top, height, merged, merged_fonts, top))
    grid: list = []
    for top, _, cells, _, _ in built:
        row = Row(cells, True)  # positions on the page are real columns, even for a lone value
        grid.append((top, row) if with_top else row)
    return grid


# Lines of text wrapped inside one cell are a line height apart (~1.2 × the letters' height);
# rows of a sheet, and the demo PDF's lines, at least ~1.35 ×.
_WRAP_PITCH = 1.28


def _targets(above: list[Cell], cells: list[Cell]) -> list[int] | None:
    targets = []
    for cell in cells:
        over = [k for k, a in enumerate(above) if cell.x0 < a.x1 + 1 and a.x0 - 1 < cell.x1]
        if len(over) != 1:
            return None
        targets.append(over[0])
    return targets if len(set(targets)) == len(targets) else None


def _continues(previous, top: float, height: float, cells: list[Cell], fonts: list[object]) -> bool:  # type: ignore[no-untyped-def]
    _, first_height, above, above_fonts, last_top = previous
    pitch = top - last_top
    if not cells or not 0 < pitch <= _WRAP_PITCH * first_height or abs(height - first_height) > 0.15 * first_height:
        return False
    targets = _targets(above, cells)
    if targets is None:
        return False
    # A label's second line has the label's font; the value row below a bold label does not.
    return all(fonts[i] == above_fonts[k] for i, k in enumerate(targets))


def _join_under(above: list[Cell], cells: list[Cell]) -> list[Cell]:
    out = list(above)
    for cell, k in zip(cells, _targets(above, cells) or []):
        head = out[k].text
        # A number broken by a narrow column ("SAD62813278" / "9711") continues without a space.
        glue = "" if head[-1:].isdigit() and cell.text[:1].isdigit() and " " not in cell.text else " "
        out[k] = Cell(f"{head}{glue}{cell.text}".strip(), min(out[k].x0, cell.x0), max(out[k].x1, cell.x1))
    return out


_READERS = {
    ".xlsx": read_xlsx,
    ".xls": read_xls,
    ".ods": read_ods,
    ".docx": read_docx,
    ".doc": _read_via_libreoffice(".doc"),
    ".odt": _read_via_libreoffice(".odt"),
    ".rtf": _read_via_libreoffice(".rtf"),
    ".pdf": read_pdf,
    ".csv": read_csv,
    ".png": read_image,
    ".jpg": read_image,
    ".jpeg": read_image,
    ".tif": read_image,
    ".tiff": read_image,
}
