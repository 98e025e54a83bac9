"""Reports: a PDF of an analysis page (or the monthly pack of every analysis page) for people who do
not open the dashboard, and the e-mail that carries it.

`build_report(con, filters, pages, names=...)` computes each page's KPIs (with the change against
the previous period), charts and main tables (content.py), draws the charts offline (images.py)
and lays the PDF out (pdf.py). The CLI (`python -m retention_analytics report`), the
"Baixar relatório (PDF)" button of every analysis page and the scheduled sends (schedules.py) all
call it, so a report is the same wherever it comes from. `filters` must already carry the access
restriction of whoever gets the report (auth.User.restrict).

Nothing here imports streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..filters import Filters
    from .content import PageContent

PACK_MONTHLY = "mensal"
PACKS = (PACK_MONTHLY,)
# The analysis pages a report can show (titles of ui/nav.PAGES), in the monthly pack's order; what
# each holds is content.REPORT_PAGES. Written out here so `--help` lists them without importing
# the metrics or the charts.
ANALYSIS_PAGES: tuple[str, ...] = (
    "Visão geral",
    "Motivos de desligamento",
    "Tempo de finalização",
    "Cobertura da rede",
    "Efetividade",
    "Conformidade ANS",
)
DEFAULT_PAGE = "Visão geral"


@dataclass(frozen=True)
class Report:
    pdf: bytes
    title: str
    filters_description: str
    pages: tuple[PageContent, ...]
    generated_at: dt.datetime

    @property
    def file_name(self) -> str:
        return report_file_name(self.title, self.generated_at.date())


def last_full_month(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of the calendar month before `today`'s."""
    today = today or dt.date.today()
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def report_title(pages: Sequence[str], pack: str | None = None, filters: Filters | None = None) -> str:
    if pack == PACK_MONTHLY:
        period = filters.describe_period() if filters is not None else ""
        return f"Painel de Retenção · Pacote mensal {period}".strip()
    if len(pages) > 2:
        return f"Painel de Retenção · Relatório: {len(pages)} páginas de análise"
    return f"Painel de Retenção · Relatório: {' e '.join(pages)}"


def report_file_name(title: str, day: dt.date) -> str:
    """"relatorio_visao_geral_2026-12-02.pdf" (ASCII, no spaces)."""
    from ..text import key

    name = title.split("·", 1)[-1].replace("Relatório:", "")
    stem = re.sub(r"_+", "_", re.sub(r"[^0-9a-z]+", "_", " ".join(key(w) for w in name.split()))).strip("_")
    return f"relatorio_{stem or 'painel'}_{day.isoformat()}.pdf"


def build_report(con: Any, filters: Filters, pages: Sequence[str] = (DEFAULT_PAGE,), *,
                 names: Mapping[str, Mapping[str, str]] | None = None, pack: str | None = None,
                 generated_at: dt.datetime | None = None) -> Report:
    """The report of `pages` under `filters`: its PDF bytes and what it holds."""
    from . import images, pdf
    from .content import REPORT_PAGES, page_content

    unknown = [p for p in pages if p not in REPORT_PAGES]
    if unknown:
        raise ValueError(f"unknown report page(s): {unknown}")
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    description = filters.describe(names)
    contents = [page_content(con, page, filters) for page in pages]
    figures = [figure for content in contents for figure in content.figures]
    pngs = images.to_png(figures)
    per_page, at = [], 0
    for content in contents:
        per_page.append(pngs[at:at + len(content.figures)])
        at += len(content.figures)
    title = report_title(pages, pack, filters)
    data = pdf.render(title, description, contents, per_page, generated_at)
    return Report(data, title, description, tuple(contents), generated_at)


def summary_text(report: Report) -> str:
    """A few lines in pt-BR for the body of the e-mail that carries `report`: what it is, its
    filters and each page's headline numbers."""
    lines = [report.title, f"Filtros: {report.filters_description}", ""]
    for content in report.pages:
        lines.append(f"{content.title}:")
        if content.empty:
            lines.append("  Nenhum caso corresponde aos filtros.")
        for kpi in content.kpis:
            change = f" ({kpi.change} contra o período anterior)" if kpi.change else ""
            lines.append(f"  {kpi.label}: {kpi.value}{change}")
        lines.append("")
    lines.append(f"Relatório completo em PDF, em anexo. Gerado em {report.generated_at:%d/%m/%Y %H:%M}.")
    return "\n".join(lines)


__all__ = [
    "ANALYSIS_PAGES",
    "DEFAULT_PAGE",
    "PACKS",
    "PACK_MONTHLY",
    "Report",
    "build_report",
    "last_full_month",
    "month_period",
    "report_file_name",
    "summary_text",
]
