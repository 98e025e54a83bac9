"""Writes one demo form as a file: `render(record, fmt, defects=(), template=...) -> bytes`.

Every format is drawn from the same `form_grid(record)` (forms/template.py), so generated files
have the layout of the operators' workbook and of the conversions users make of it:

- ``xlsx``: the workbook itself: real date cells (dd/mm/yyyy), numbers with their formats
  (R$ accounting, 0,00, "dia(s)"), checkboxes as text "☒ SIM"/"☐ NÃO", bold labels.
- ``csv``: the workbook saved as CSV in Brazil: ``;``-separated UTF-8 (with a BOM as Excel's
  "CSV UTF-8" writes it, or without as LibreOffice does), cells as the user sees them.
- ``docx``: a Word rendering: the header grid in a table, the rest as paragraphs, ☐/☒.
- ``pdf``: a text-layer PDF (fpdf2): each grid row a line, cells at fixed x positions. Uses a
  Unicode TTF (DejaVu Sans) when the machine has one, else core Helvetica with [X]/[ ].
- ``md``: markitdown-style markdown (like the real example seed 000): tab-separated header grid,
  HTML checkbox inputs, pipe tables for the checkbox sections, ``R\\$`` escaped.
- ``txt``, ``txt_brackets``, ``txt_parens``: ``pdftotext -layout`` of such a PDF: label lines
  followed by value lines, cells two or more spaces apart, checkboxes as ☐/☒, [x]/[ ] or (X)/( ).

`template` picks the label spellings of the template variant in use ("antigo": "Data inicio",
"Régras Técnicas", no "Motivos Particulares"; "2024": "nº de vistas", "Grossoeiro", "Publico").
Render-time defects (generator.RENDER_DEFECTS) draw what a record cannot hold: two outcome boxes,
or SIM and NÃO, both checked.

Output is a pure function of the arguments: zip entry times and document metadata come from the
record's dates, never from the clock, so the same corpus has the same bytes. It must not parse
anything, read real forms or choose what a form says (the generator does).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import tempfile
import textwrap
import zipfile
import zlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..forms.template import OUTROS_NOTE, TITLE, WIDTH, Check, Days, Decimal2, Money, cell_text, form_grid
from ..record import empty_record
from ..vocab import OUTCOMES
from .generator import Defect

FORMATS: tuple[str, ...] = ("xlsx", "csv", "docx", "pdf", "md", "txt", "txt_brackets", "txt_parens")
EXTENSIONS: dict[str, str] = {
    "xlsx": ".xlsx",
    "csv": ".csv",
    "docx": ".docx",
    "pdf": ".pdf",
    "md": ".md",
    "txt": ".txt",
    "txt_brackets": ".txt",
    "txt_parens": ".txt",
}
TEMPLATES: tuple[str, ...] = ("atual", "antigo", "2024")

# Label spellings of the older templates still in use (seen on real forms).
_TEMPLATE_LABELS: dict[str, dict[str, str]] = {
    "atual": {},
    "antigo": {"Data início": "Data inicio", "Regras Técnicas": "Régras Técnicas"},
    "2024": {
        "nº de vidas": "nº de vistas",
        "Beneficiário Grosseiro": "Beneficiário Grossoeiro",
        "Servidor Público": "Servidor Publico",
        "Regras Técnicas": "Régras Técnicas",
        "T.I": "T.I.",
    },
}
_CHECK_MARKS: dict[str, tuple[str, str]] = {
    "txt": ("☒", "☐"),
    "txt_brackets": ("[x]", "[ ]"),
    "txt_parens": ("(X)", "( )"),
}


# -- the grid every format is drawn from ------------------------------------------------------------
@lru_cache(maxsize=2)
def _label_positions(with_block: bool = False) -> frozenset[tuple[int, int]]:
    """(row, column) of the template's printed labels: the text cells of an empty form's grid (with
    the "Substituição" block, for a form that has one)."""
    grid = form_grid({**empty_record(""), "substitution": {} if with_block else None})
    return frozenset((r, c) for r, row in enumerate(grid) for c, cell in enumerate(row) if isinstance(cell, str))


def _header_end(grid: list[list[Any]]) -> int:
    """Index of the first empty row: rows 1.._header_end()-1 are the header grid (label/value pairs,
    the "Substituição" block's included)."""
    return next(i for i, row in enumerate(grid) if not row)


_CRO_POSITION = (4, 1)  # value row of "Operadora | CRO | UF | Nome dentista"


def _relabel(cell: Any, labels: dict[str, str]) -> Any:
    if isinstance(cell, str):
        return labels.get(cell, cell)
    if isinstance(cell, Check) and cell.label in labels:
        return Check(labels[cell.label], cell.checked)
    return cell


def build_grid(record: dict[str, Any], defects: Iterable[Defect] = (), template: str = "atual") -> list[list[Any]]:
    """`form_grid(record)` in the template's spelling, with the render-time defects drawn in."""
    if template not in _TEMPLATE_LABELS:
        raise ValueError(f"unknown template {template!r}; use one of {TEMPLATES}")
    grid = form_grid(record)
    labels = _TEMPLATE_LABELS[template]
    if labels:
        grid = [[_relabel(cell, labels) for cell in row] for row in grid]
    if template == "antigo":  # the old template has no "Motivos Particulares" box
        grid = [[c for c in row if not (isinstance(c, Check) and c.label == "Motivos Particulares")] for row in grid]
    for defect in defects:
        if defect.kind == "two_outcomes":
            names = {t.label for t in OUTCOMES if t.code in defect.detail}
            grid = [
                [Check(c.label, True) if isinstance(c, Check) and c.label in names and len(row) == 1 else c for c in row]
                for row in grid
            ]
        elif defect.kind == "both_checked":
            anchor = {"accepts_other_plans": "Atende outros convênios", "protocol_required": "Necessário abertura de protocolo"}[defect.detail[0]]
            i = next(i for i, row in enumerate(grid) if row and row[0] == anchor) + 1
            grid[i] = [Check(c.label, True) if isinstance(c, Check) else c for c in grid[i]]
    return grid


def _doc_time(record: dict[str, Any]) -> dt.datetime:
    """When the file was saved, as its metadata says: the form's own date, never the clock."""
    for key in ("form_date", "finished_on", "started_on", "protocol_opened_on"):
        if record.get(key):
            day = dt.date.fromisoformat(record[key])
            break
    else:
        day = dt.date(2026, 10, 31)
    minutes = zlib.crc32(str(record.get("protocol_number")).encode()) % 540  # 08:00..16:59
    return dt.datetime(day.year, day.month, day.day, 8 + minutes // 60, minutes % 60)


def _flavor(record: dict[str, Any]) -> int:
    """A stable per-record coin flip (Excel vs LibreOffice CSV), so rendering stays a pure function."""
    return zlib.crc32(f"{record.get('protocol_number')}|{record.get('form_date')}".encode()) & 1


def _pt_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _text(cell: Any, marks: tuple[str, str] = ("☒", "☐"), thousands: bool = True) -> str:
    """A cell as displayed: ints with the workbook's #,##0 format ("1.234") unless `thousands` is off."""
    if isinstance(cell, int) and not isinstance(cell, bool) and thousands:
        return _pt_int(cell)
    return cell_text(cell, checked=marks[0], unchecked=marks[1])


def _padded(row: list[Any]) -> list[Any]:
    return list(row) + [None] * (WIDTH - len(row))


# -- zip determinism ---------------------------------------------------------------------------------
class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries all carry one timestamp, so a re-run writes identical bytes."""

    def __init__(self, file, when: dt.datetime, compresslevel: int | None = None):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._when = (when.year, when.month, when.day, when.hour, when.minute, when.second)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._when)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:  # openpyxl writes each sheet to a temp file first
            data = fh.read()
        self.writestr(self._info(arcname or os.path.basename(filename)), data)


# -- xlsx ----------------------------------------------------------------------------------------------
_MONEY_FORMAT = '_-"R$" * #,##0.00_-;-"R$" * #,##0.00_-;_-"R$" * "-"??_-;_-@_-'  # Excel's pt-BR accounting
_COLUMN_WIDTHS = (30, 18, 22, 34, 22, 14)


@lru_cache(maxsize=1)
def _xlsx_styles():
    from openpyxl.styles import Font

    return Font(bold=True), Font(bold=True, size=14)


def _xlsx(grid: list[list[Any]], record: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.writer.excel import ExcelWriter

    bold, title_font = _xlsx_styles()
    labels = _label_positions(record.get("substitution") is not None)
    when = _doc_time(record)
    wb = Workbook()
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = wb.properties.lastModifiedBy = "Retenção"
    ws = wb.active
    ws.title = "Formulário"
    for c, width in enumerate(_COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    # Printed (or converted to PDF) on one page width, as the operators' template is.
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None or cell == "":
                continue
            target = ws.cell(row=r + 1, column=c + 1)
            if isinstance(cell, Check):
                target.value = cell_text(cell)
            elif isinstance(cell, Money):
                target.value = cell.value
                target.number_format = _MONEY_FORMAT
            elif isinstance(cell, Decimal2):
                target.value = cell.value
                target.number_format = "0.00"
            elif isinstance(cell, Days):
                target.value = cell.value
                target.number_format = '0 "dia(s)"'
            elif isinstance(cell, dt.date):
                target.value = cell
                target.number_format = "dd/mm/yyyy"
            elif isinstance(cell, int) and not isinstance(cell, bool):
                target.value = cell
                target.number_format = "#,##0"
            elif (r, c) == _CRO_POSITION and str(cell).isdigit() and not str(cell).startswith("0"):
                target.value = int(cell)  # people type the CRO as a number
            else:
                target.value = str(cell)
                target.data_type = "s"  # never a formula, even if a note starts with "="
            if (r, c) in labels:
                target.font = bold
        if r == 0:
            ws.cell(row=1, column=1).font = title_font
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=WIDTH)
        # Notes stay unmerged in column A and spill over the empty cells to their right, as typed
        # notes do in the operators' workbook (merging each one cost ~4 ms a file).
    out = io.BytesIO()
    archive = _FixedTimeZip(out, when)
    ExcelWriter(wb, archive).save()  # not wb.save(): that stamps "modified" with the clock
    return out.getvalue()


# -- csv -----------------------------------------------------------------------------------------------
def _csv(grid: list[list[Any]], record: dict[str, Any]) -> bytes:
    excel = _flavor(record) == 0
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n" if excel else "\n")
    for row in grid:
        writer.writerow([_text(cell) for cell in _padded(row)])
    data = buffer.getvalue().encode("utf-8")
    return (b"\xef\xbb\xbf" + data) if excel else data


# -- docx ----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _docx_skeleton():
    """python-docx's default document, loaded once: its body element, its part and its zip members.

    Opening the template and serializing its ~15 unchanged parts took ~20 ms per file; building
    each form's body with python-docx on a copy of the empty body and zipping the cached parts
    around it takes ~7 ms, for the same document.
    """
    import docx
    from docx.shared import Pt

    skeleton = docx.Document()
    normal = skeleton.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    buffer = io.BytesIO()
    skeleton.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    table_style = skeleton.styles["Table Grid"].style_id
    return skeleton.element, skeleton.part, members, table_style


_CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:creator>Retenção</dc:creator><cp:lastModifiedBy>Retenção</cp:lastModifiedBy>"
    "<cp:revision>1</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
    "</cp:coreProperties>"
)


def _docx(grid: list[list[Any]], record: dict[str, Any]) -> bytes:
    import copy
    from xml.sax.saxutils import escape

    from docx.document import Document
    from lxml import etree

    body_element, part, members, table_style = _docx_skeleton()
    labels = _label_positions(record.get("substitution") is not None)
    header_end = _header_end(grid)
    when = _doc_time(record)
    element = copy.deepcopy(body_element)
    document = Document(element, part)
    document.add_paragraph().add_run(TITLE).bold = True
    table = document.add_table(rows=header_end - 1, cols=WIDTH)
    table._tbl.tblStyle_val = table_style  # by id: a lookup by name costs 3 ms a file
    for r in range(1, header_end):
        cells = table.rows[r - 1].cells
        for c, cell in enumerate(_padded(grid[r])):
            text = _text(cell)
            if text:
                run = cells[c].paragraphs[0].add_run(text)
                if (r, c) in labels:
                    run.bold = True
    for r in range(header_end, len(grid)):
        row = grid[r]
        cells = [_text(cell) for cell in row]
        paragraph = document.add_paragraph()
        if not any(cells):
            continue
        text = "\t".join(t for t in cells if t) if len(row) > 1 else cells[0]
        run = paragraph.add_run(text)
        if (r, 0) in labels and len(row) == 1:
            run.bold = True
    body = etree.tostring(element, encoding="UTF-8", standalone=True)
    core = _CORE_XML.format(title=escape(TITLE), when=when.strftime("%Y-%m-%dT%H:%M:%SZ")).encode("utf-8")
    out = io.BytesIO()
    with _FixedTimeZip(out, when, compresslevel=1) as archive:
        for name, data in members:
            archive.writestr(name, body if name == "word/document.xml" else core if name == "docProps/core.xml" else data)
    return out.getvalue()


# -- pdf -----------------------------------------------------------------------------------------------
_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
    "C:/Windows/Fonts/DejaVuSans.ttf",
)
_PDF_CHARS = (
    list(range(0x20, 0x7F)) + list(range(0xA0, 0x180)) + list(range(0x2010, 0x2027)) + [0x20AC, 0x2610, 0x2611, 0x2612]
)


def _find_unicode_font() -> Path | None:
    override = os.environ.get("RETENTION_DEMO_FONT")
    candidates = [override] if override else []
    candidates += list(_FONT_CANDIDATES)
    for path in candidates:
        if path and Path(path).is_file():
            return Path(path)
    try:  # fontconfig knows where the distribution put it
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "DejaVu Sans:style=Book"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(found) if found.lower().endswith(".ttf") and Path(found).is_file() else None


@lru_cache(maxsize=1)
def pdf_font() -> str | None:
    """Path of a small Unicode TTF (DejaVu Sans cut to the glyphs forms use), or None for core fonts.

    Embedding the full 750 KB font costs ~40 ms per PDF; a subset made once per machine costs ~8 ms.
    The subset is cached in the temp dir, named by the source font's size and mtime.
    """
    source = _find_unicode_font()
    if source is None:
        return None
    try:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        stat = source.stat()
        target = Path(tempfile.gettempdir()) / f"retention-demo-{source.stem}-{stat.st_size}-{int(stat.st_mtime)}.ttf"
        if not target.is_file():
            font = TTFont(str(source), recalcTimestamp=False)
            cmap = font.getBestCmap()
            if not all(ch in cmap for ch in (0x2610, 0x2612)):
                return None
            options = subset.Options()
            options.name_IDs = ["*"]
            options.notdef_outline = True
            options.drop_tables += ["FFTM"]  # FontForge's timestamp table: not needed, not subsettable
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=[c for c in _PDF_CHARS if c in cmap])
            subsetter.subset(font)
            partial = target.with_suffix(f".{os.getpid()}.part")
            font.save(str(partial))
            os.replace(partial, target)
        return str(target)
    except Exception:  # any font trouble: fall back to the core fonts rather than fail the demo
        return None


_LATIN1_FALLBACK = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


def _pdf(grid: list[list[Any]], record: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    font = pdf_font()
    marks = ("☒", "☐") if font else ("[X]", "[ ]")

    def show(cell: Any) -> str:
        text = _text(cell, marks)
        if not font:  # core fonts are latin-1 only
            text = text.translate(_LATIN1_FALLBACK).encode("latin-1", "replace").decode("latin-1")
        return text

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)  # rows are placed by hand; page breaks below
    pdf.set_margins(10, 10, 10)
    pdf.set_creation_date(_doc_time(record).replace(tzinfo=dt.timezone(dt.timedelta(hours=-3))))
    pdf.set_title(TITLE)
    pdf.set_producer("Microsoft® Excel® para Microsoft 365" if font else "Microsoft Excel")
    if font:
        pdf.add_font("Form", "", font)
        family = "Form"
    else:
        family = "Helvetica"
    header_end = _header_end(grid)
    size = 8.0
    pdf.set_font(family, size=size)
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    # Column widths fit the widest cell of each column in the header grid, as an autofit does.
    widths = [12.0] * WIDTH
    for row in grid[1:header_end]:
        for c, cell in enumerate(row):
            if cell is not None:
                widths[c] = max(widths[c], pdf.get_string_width(show(cell)) + 4)
    if sum(widths) > usable:
        scale = usable / sum(widths)
        size = max(5.0, size * scale)
        widths = [w * scale for w in widths]
        pdf.set_font(family, size=size)
    xs = [pdf.l_margin + sum(widths[:c]) for c in range(WIDTH)]
    line = size * 0.53
    pdf.add_page()
    y = pdf.t_margin

    def newline(height: float = line) -> None:
        nonlocal y
        y += height
        if y + line > pdf.h - pdf.b_margin:
            pdf.add_page()
            y = pdf.t_margin

    def put(x: float, text: str) -> None:
        if text:
            pdf.text(x, y + line * 0.8, text)

    pdf.set_font(family, size=size + 3)
    put(pdf.l_margin + usable / 3, show(grid[0][0]))
    pdf.set_font(family, size=size)
    newline(line * 1.8)
    for r in range(1, len(grid)):
        row = grid[r]
        if not row:
            newline(line * 0.6)
            continue
        if r < header_end:
            for c, cell in enumerate(row):
                put(xs[c], show(cell))
        elif all(isinstance(c, Check) for c in row) and len(row) > 1:
            step = max(usable / 3, max(pdf.get_string_width(show(c)) for c in row) + 5) if len(row) <= 3 else usable / len(row)
            for c, cell in enumerate(row):
                put(pdf.l_margin + c * step, show(cell))
        elif len(row) > 1:  # "1º contato | Data | 31/05/2023"
            x = pdf.l_margin
            for cell in row:
                text = show(cell)
                put(x, text)
                x += max(pdf.get_string_width(text), 8) + 5
        else:
            text = show(row[0])
            if not text:
                newline()
                continue
            lines = []
            for paragraph in text.split("\n"):  # a line break typed in the cell
                if not paragraph.strip():
                    continue
                if pdf.get_string_width(paragraph) > usable:
                    lines += pdf.multi_cell(usable, line, paragraph, dry_run=True, output="LINES")
                else:
                    lines.append(paragraph)
            for i, part in enumerate(lines):
                put(pdf.l_margin, part)
                if i < len(lines) - 1:
                    newline()
        newline()
    return bytes(pdf.output())


# -- markdown (markitdown style, like the real seed 000) -----------------------------------------------
_MD_CHECKED = '<input checked="" type="checkbox"/>'
_MD_UNCHECKED = '<input type="checkbox"/>'


def _md_text(cell: Any) -> str:
    if isinstance(cell, Check):
        return f"{_MD_CHECKED if cell.checked else _MD_UNCHECKED} {cell.label}"
    # markitdown shows the cell value, not the number format ("1234", not "1.234"), and escapes $
    return _text(cell, thousands=False).replace("$", "\\$")


def _md_table(rows: list[list[Any]], columns: int, closing_rule: bool) -> list[str]:
    texts = [[_md_text(c) for c in row] + [""] * (columns - len(row)) for row in rows]
    widths = [max(len(t[c]) for t in texts) for c in range(columns)]
    rules = ["-" * max(2, 3 - (c > 0)) for c in range(columns)]
    out = ["- |" + "|".join("   " if c == 0 else "  " for c in range(columns)) + "|", "|" + "|".join(rules) + "|"]
    out += ["| " + " | ".join(t[c].ljust(widths[c]) for c in range(columns)) + " |" for t in texts]
    if closing_rule:
        out.append("|" + "|".join("-" * (widths[c] + 2) for c in range(columns)) + "|")
    return out


def _md(grid: list[list[Any]], record: dict[str, Any]) -> bytes:
    header_end = _header_end(grid)
    lines = ["", "", f"# {grid[0][0]}", "", "", ""]
    for row in grid[1:header_end]:
        lines.append("\t".join(_md_text(c) for c in _padded(row)))
    r = header_end
    sections = {"Ação Retenção", "Motivo desligamento", "Necessário abertura de protocolo", "Setor responsável"}
    while r < len(grid):
        row = grid[r]
        if not row:
            lines.append("")
        elif row[0] == "Status retenção":
            pass  # the converter drops this heading (seed 000)
        elif isinstance(row[0], str) and row[0] in sections:
            block = []
            r += 1
            while r < len(grid) and grid[r] and all(isinstance(c, Check) for c in grid[r]):
                block.append(grid[r])
                r += 1
            columns = max(len(b) for b in block)
            lines += [f"**{row[0]}**", ""]
            lines += _md_table(block, columns, closing_rule=len(block) == 1)
            lines.append("")
            continue
        elif row[0] == OUTROS_NOTE:
            lines += ['**Obs.:** **OBRIGATÓRIO JUSTIFICATIVA CASO SELECIONE "OUTROS".**', ""]
        elif row[0] == "Obs. Geral":
            lines += ["**Obs. Geral**", ""]
        elif row[0] == "Obs.:":
            lines += ["**Obs.:**", ""]
        elif len(row) == 1 and isinstance(row[0], Check):
            lines.append(_md_text(row[0]))
        else:
            text = " ".join(t for t in (_md_text(c) for c in row) if t)
            lines += [text, ""] if text else []
        r += 1
    return "\n".join(lines).rstrip("\n").encode("utf-8")


# -- pdftotext -layout style text -----------------------------------------------------------------------
_WRAP = 105  # characters per line of the PDF's width


def _txt(grid: list[list[Any]], record: dict[str, Any], marks: tuple[str, str]) -> bytes:
    header_end = _header_end(grid)
    show = lambda cell: _text(cell, marks)  # noqa: E731
    widths = [0] * WIDTH
    for row in grid[1:header_end]:
        for c, cell in enumerate(row):
            widths[c] = max(widths[c], len(show(cell)) + 3)
    starts = [sum(widths[:c]) for c in range(WIDTH)]
    lines = ["", " " * 34 + show(grid[0][0]), ""]
    r = 1
    while r < len(grid):
        row = grid[r]
        if r < header_end:
            line = ""
            for c, cell in enumerate(row):
                text = show(cell)
                if text:
                    line = line.ljust(starts[c]) + text
            lines.append(line)
        elif row and all(isinstance(c, Check) for c in row) and len(row) > 1:
            block = []
            while r < len(grid) and len(grid[r]) > 1 and all(isinstance(c, Check) for c in grid[r]):
                block.append([show(c) for c in grid[r]])
                r += 1
            step = max(len(t) for b in block for t in b) + 4
            lines += ["".join(t.ljust(step) for t in b).rstrip() for b in block]
            continue
        elif not row:
            lines.append("")
        elif len(row) > 1:
            lines.append("   ".join(t for t in (show(c) for c in row) if t))
        else:
            text = show(row[0])
            lines += textwrap.wrap(text, _WRAP, break_long_words=False, break_on_hyphens=False) or [""]
        r += 1
    return ("\n".join(line.rstrip() for line in lines) + "\n\f").encode("utf-8")


_WRITERS: dict[str, Callable[[list[list[Any]], dict[str, Any]], bytes]] = {
    "xlsx": _xlsx,
    "csv": _csv,
    "docx": _docx,
    "pdf": _pdf,
    "md": _md,
    "txt": lambda g, r: _txt(g, r, _CHECK_MARKS["txt"]),
    "txt_brackets": lambda g, r: _txt(g, r, _CHECK_MARKS["txt_brackets"]),
    "txt_parens": lambda g, r: _txt(g, r, _CHECK_MARKS["txt_parens"]),
}


def render(record: dict[str, Any], fmt: str, defects: Iterable[Defect] = (), template: str = "atual") -> bytes:
    """The bytes of the form file that says `record`, in format `fmt` (one of FORMATS)."""
    if fmt not in _WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
    return _WRITERS[fmt](build_grid(record, tuple(defects), template), record)
