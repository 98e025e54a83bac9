"""The report's pages as a PDF: fpdf2, landscape A4, in pt-BR.

Why fpdf2: it is already the project's PDF writer (the demo corpus), pure Python, writes Unicode
text with an embedded TrueType font (the text stays text: pdftotext and a screen reader read it),
and its tables repeat their header row on every page they run over. The font is DejaVu Sans from
Debian's fonts-dejavu-core (Liberation Sans as a fallback), which every machine with Chromium has.

Every page carries the report's title and its filters in words at the top, and the generation time
and "Página N de M" at the bottom. Cells are formatted from the column catalogue (metrics/tables.py:
Portuguese headers, the screen's precision, vocabulary codes by their labels); the frames come
masked from metrics (reports/content.py).

It must not compute metrics, query the store or draw charts (images.py does).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import formatting as fmt
from ..metrics.tables import TABLES
from .content import PageContent, TableContent

FONT_DIRS = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
)
FONT = "relatorio"
CHART_WIDTH_MM = 230.0
CHART_MAX_HEIGHT_MM = 150.0
MAX_COLUMN_MM = 45.0
CHART_MIN_HEIGHT_MM = 85.0
_BLUE = (15, 110, 140)
_GREY = (90, 90, 90)


class ReportFontError(Exception):
    """No TrueType font with Portuguese accents on this machine: a Portuguese sentence."""


def _fonts() -> tuple[str, str]:
    for regular, bold in FONT_DIRS:
        if Path(regular).is_file() and Path(bold).is_file():
            return regular, bold
    raise ReportFontError(
        "Não há fonte para escrever o relatório: instale o pacote fonts-dejavu-core "
        "(apt-get install fonts-dejavu-core)."
    )


# --------------------------------------------------------------------------- cells
def _cell(value: Any, column: Any) -> str:
    if fmt.is_missing(value):
        return fmt.MISSING
    kind = column.kind
    if kind == "percent":
        return fmt.percent(float(value), column.decimals)
    if kind in ("int", "id"):
        number = int(round(float(value)))
        return str(number) if kind == "id" else fmt.integer(number)
    if kind == "money":
        return fmt.money(value)
    if kind in ("decimal", "days"):
        return fmt.number(float(value), column.decimals)
    if kind == "date":
        return fmt.date(value)
    if kind == "datetime":
        return fmt.datetime(value)
    if kind == "month":
        day = pd.Timestamp(value)
        return f"{day:%m/%Y}"
    if kind == "quarter":
        return fmt.quarter(value)
    if kind == "bool":
        return "Sim" if bool(value) else "Não"
    return str(column.label_of(value))


def table_cells(df: pd.DataFrame, table_name: str) -> tuple[list[str], list[list[str]], list[str]]:
    """(headers, rows of texts, alignments) of `df` as people read it: the catalogue's columns for
    people, Portuguese headers, the screen's precision."""
    spec = TABLES[table_name]
    columns = spec.shown(df.columns)
    headers = [c.label for c in columns]
    aligns = ["RIGHT" if c.kind in ("int", "id", "percent", "money", "decimal", "days", "interval") else "LEFT"
              for c in columns]
    rows = []
    for _, record in df.iterrows():
        row = []
        for column in columns:
            if column.parts:
                low, high = column.parts
                row.append(fmt.interval(record[low], record[high]) or fmt.MISSING)
            else:
                row.append(_cell(record[column.key], column))
        rows.append(row)
    return headers, rows, aligns


# --------------------------------------------------------------------------- the document
def _document_class():
    from fpdf import FPDF

    class ReportPDF(FPDF):
        title_line = ""
        filters_line = ""
        generated_line = ""

        def header(self) -> None:  # noqa: D401 - fpdf2's hook
            self.set_font(FONT, "B", 10)
            self.set_text_color(*_BLUE)
            self.multi_cell(0, 5, self.title_line, new_x="LMARGIN", new_y="NEXT")
            self.set_font(FONT, "", 8)
            self.set_text_color(*_GREY)
            self.multi_cell(0, 4, f"Filtros: {self.filters_line}", new_x="LMARGIN", new_y="NEXT")
            self.set_draw_color(200, 200, 200)
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.ln(4)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:  # noqa: D401 - fpdf2's hook
            self.set_y(-12)
            self.set_font(FONT, "", 8)
            self.set_text_color(*_GREY)
            self.cell(0, 5, f"{self.generated_line} · Filtros: {self.filters_line}"[:180], align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"Página {self.page_no()} de {{nb}}", align="R")

    return ReportPDF


def _heading(pdf: Any, text: str, size: int = 16) -> None:
    pdf.set_font(FONT, "B", size)
    pdf.set_text_color(*_BLUE)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _text(pdf: Any, text: str, size: int = 9, color: tuple[int, int, int] = (0, 0, 0)) -> None:
    pdf.set_font(FONT, "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _kpis(pdf: Any, content: PageContent) -> None:
    if content.compared_with:
        _text(pdf, f"Variações contra o período anterior de mesma duração: {content.compared_with}.", 9, _GREY)
    else:
        _text(pdf, "Sem período fechado nos filtros (início e fim): sem comparação com o período anterior.", 9, _GREY)
    pdf.ln(2)
    if not content.kpis:
        return
    from fpdf.fonts import FontFace

    with pdf.table(col_widths=(4, 2, 2, 2.2), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), line_height=6,
                   width=190, align="LEFT", headings_style=FontFace(emphasis="BOLD", fill_color=(230, 240, 244)),
                   padding=(0.5, 1.5)) as table:
        pdf.set_font(FONT, "", 10)
        header = table.row()
        for text in ("Indicador", "Valor", "Variação", "Período anterior"):
            header.cell(text)
        for line in content.kpis:
            row = table.row()
            row.cell(line.label)
            row.cell(line.value)
            row.cell(line.change or fmt.MISSING)
            row.cell(line.previous or fmt.MISSING)
    pdf.ln(3)


def _chart(pdf: Any, png: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        width_px, height_px = image.size
    width = CHART_WIDTH_MM
    height = width * height_px / width_px
    if height > CHART_MAX_HEIGHT_MM:
        width, height = width * CHART_MAX_HEIGHT_MM / height, CHART_MAX_HEIGHT_MM
    room = pdf.page_break_trigger - pdf.get_y()
    if height > room and room >= CHART_MIN_HEIGHT_MM:  # shrink into the rest of the page rather than leave it blank
        width, height = width * room / height, room
    elif height > room:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=(pdf.w - width) / 2, w=width, h=height)
    pdf.ln(3)


def _col_widths(pdf: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], size: float) -> list[float]:
    """Widths in mm: the widest cell of each column (a long text wraps past MAX_COLUMN_MM) or the
    widest word of its header (headers wrap between words, never inside one)."""
    widths = []
    for index, header in enumerate(headers):
        pdf.set_font(FONT, "B", size)
        word = max((pdf.get_string_width(w) for w in header.split()), default=0)
        pdf.set_font(FONT, "", size)
        cells = max((pdf.get_string_width(r[index]) for r in rows[:200]), default=0)
        widths.append(max(word, min(cells, MAX_COLUMN_MM)) + 2.5)
    return widths


def _table(pdf: Any, section: TableContent) -> None:
    from fpdf.fonts import FontFace

    headers, rows, aligns = table_cells(section.frame, section.table)
    if pdf.get_y() + 30 > pdf.page_break_trigger:
        pdf.add_page()
    _heading(pdf, section.title, 12)
    if not rows:
        _text(pdf, "Nenhuma linha para os filtros escolhidos.", 9, _GREY)
        pdf.ln(3)
        return
    if section.total_rows > len(rows):
        _text(pdf, f"Mostrando as {fmt.integer(len(rows))} primeiras de {fmt.integer(section.total_rows)} linhas. "
                   f"A tabela completa: python -m retention_analytics export {section.table} --labels", 8, _GREY)
    size = 8 if len(headers) <= 8 else 6.5
    pdf.set_font(FONT, "", size)
    widths = _col_widths(pdf, headers, rows, size)
    if sum(widths) > pdf.epw:  # too wide: a smaller font before anything wraps inside a word
        size = 5.5
        widths = _col_widths(pdf, headers, rows, size)
    pdf.set_font(FONT, "", size)
    with pdf.table(col_widths=widths, width=min(sum(widths), pdf.epw), align="LEFT",
                   text_align=tuple(aligns), line_height=size * 0.5,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(230, 240, 244)),
                   cell_fill_color=(246, 246, 246), cell_fill_mode="ROWS", padding=(0.6, 1),
                   repeat_headings=1) as table:
        header = table.row()
        for text in headers:
            header.cell(text, align="LEFT")
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(text)
    pdf.ln(4)


def render(title: str, filters_description: str, pages: Sequence[PageContent], images: Sequence[Sequence[bytes]],
           generated_at: dt.datetime | None = None) -> bytes:
    """The PDF of `pages` (each with its chart images, in order)."""
    regular, bold = _fonts()
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    pdf = _document_class()(orientation="landscape", unit="mm", format="A4")
    pdf.add_font(FONT, "", regular)
    pdf.add_font(FONT, "B", bold)
    pdf.set_lang("pt-BR")
    pdf.set_title(title)
    pdf.set_author("Painel de Retenção")
    pdf.set_creator("Painel de Retenção")
    pdf.set_creation_date(generated_at.astimezone(dt.timezone.utc) if generated_at.tzinfo else generated_at)
    pdf.set_margins(12, 10, 12)
    pdf.set_auto_page_break(True, margin=15)
    pdf.title_line = title
    pdf.filters_line = filters_description or "Todos os casos"
    pdf.generated_line = f"Gerado em {fmt.datetime(generated_at)}"
    for content, pngs in zip(pages, images):
        pdf.add_page()
        _heading(pdf, content.title)
        _kpis(pdf, content)
        if content.empty:
            _text(pdf, "Nenhum caso corresponde aos filtros escolhidos.", 10)
            continue
        if content.note:
            _text(pdf, content.note, 8, _GREY)
            pdf.ln(2)
        for png in pngs:
            _chart(pdf, png)
        for section in content.tables:
            _table(pdf, section)
    return bytes(pdf.output())


__all__ = ["ReportFontError", "render", "table_cells"]
