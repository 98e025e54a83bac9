"""`PAGE_QUERIES`: which summaries each page of the app asks for, in one place.

The pages call `ui.data.get(summary, filters, **kwargs)` with a function of metrics.SUMMARIES;
this registry lists those calls per page, as the page makes them on its default view (no reason picked, no case
opened), so that the benchmark (`python -m retention_analytics bench`) times exactly what a page
costs and the pandas baseline computes the same summaries. tests/test_bench.py runs every page in
AppTest, records the calls it makes and checks them against this registry: a page that starts
asking for something else fails that test until the registry says so too.

What a page adds for the person using it (Minha semana, the queue's count, the targets on the
cards: ui/data.side) is not listed: it depends on who is logged in and when they last came.

It must not import streamlit or compute anything beyond dispatching to `metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..filters import Filters
from . import summaries as s
from . import tables as t
from . import work as w
from .tables import LIST_PAGE_SIZE, QUALITY_FIRST_VIEW


@dataclass(frozen=True)
class PageQuery:
    """One call a page makes: `ui.data.get(summary, filters, **kwargs)`, the summary a function of
    metrics.SUMMARIES; `access_only` when the page passes `filters.access_only()` (the sidebar's
    choices)."""

    summary: Callable[..., Any]
    kwargs: tuple[tuple[str, Any], ...] = field(default=())
    access_only: bool = False

    @property
    def name(self) -> str:
        return t.name_of(self.summary)

    def filters_for(self, f: Filters) -> Filters:
        return f.access_only() if self.access_only else f

    def run(self, con: Any, f: Filters) -> Any:
        return t.get(self.summary, con, self.filters_for(f), **dict(self.kwargs))

    @property
    def label(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs)
        return self.name + (f"({args})" if args else "")


def _q(summary: Callable[..., Any], **kwargs: Any) -> PageQuery:
    return PageQuery(summary, tuple(sorted(kwargs.items())))


# Every page draws the shared sidebar first: its choices among the cases the user may see.
SIDEBAR = PageQuery(s.filter_options, access_only=True)

PAGE_QUERIES: dict[str, tuple[PageQuery, ...]] = {
    # The analysis pages draw one section at a time (ui/page.lazy_tabs): listed here is what their
    # first tab asks for; the other tabs' summaries only once opened.
    "Visão geral": (
        SIDEBAR,
        _q(s.kpis_with_delta),
        _q(s.monthly_outcomes),  # reasons, coverage_gaps, effectiveness_*: their tabs
    ),
    "Motivos de desligamento": (
        SIDEBAR,
        _q(s.cases_count),
        _q(s.reasons),
        _q(s.reasons_controllable),  # reason_categories, reasons_quarterly, reasons_operator_category: tabs
    ),
    "Tempo de finalização": (
        SIDEBAR,
        _q(s.cases_count),
        _q(s.sla),
        _q(s.closure_times),
        _q(s.closure_distribution, bin_days=15),  # boxes, open_by_age_band, oldest_open_cases: tabs
    ),
    "Cobertura da rede": (
        SIDEBAR,
        _q(s.headline_counts, gaps=True),  # computes and keeps the city coverage beside the counts
        _q(s.coverage_uf),  # coverage_gaps, coverage_city: their tabs
    ),
    "Efetividade": (
        SIDEBAR,
        _q(s.headline_counts),  # its cards: retention only, no closure time nor coverage gaps
        _q(s.effectiveness_operator),  # effectiveness_analyst, actions, requested_by: their tabs
    ),
    "Casos": (
        SIDEBAR,
        _q(s.cases_count, search=None),
        _q(s.cases, limit=LIST_PAGE_SIZE, offset=0, search=None),
    ),
    "Importar": (SIDEBAR,),
    "Qualidade dos dados": (
        SIDEBAR,
        _q(s.quality, limit=LIST_PAGE_SIZE, parts=QUALITY_FIRST_VIEW),  # the other tabs' tables: when opened
        _q(t.quality_warnings, limit=LIST_PAGE_SIZE, offset=0),  # the first page of its list of forms
    ),
    "Conformidade ANS": (
        SIDEBAR,
        _q(s.compliance_kpis),
        _q(s.compliance, limit=LIST_PAGE_SIZE, offset=0),  # the first page of rows; the headline counts every one
        # compliance_sole_provider_cities: its tab
    ),
    "Fila de trabalho": (
        SIDEBAR,
        _q(w.work_queue_bands),
        _q(w.work_queue, limit=LIST_PAGE_SIZE, offset=0, soon_only=False),  # the first page of rows
        _q(w.work_queue_terminations_count),  # the card; the pending terminations' rows: their tab
    ),
    # Targets and alerts read their own small tables straight from the store (store/alerting.py).
    "Metas e alertas": (SIDEBAR,),
    "Relatórios": (SIDEBAR,),  # schedules and deliveries come from the store, not from metrics
}

# The script of each page (ui/nav.PAGES holds the same paths and titles).
PAGE_SCRIPTS: dict[str, str] = {
    "Visão geral": "pages/0_Visao_geral.py",
    "Motivos de desligamento": "pages/1_Motivos_de_desligamento.py",
    "Tempo de finalização": "pages/2_Tempo_de_finalizacao.py",
    "Cobertura da rede": "pages/3_Cobertura_da_rede.py",
    "Efetividade": "pages/4_Efetividade.py",
    "Casos": "pages/5_Casos.py",
    "Importar": "pages/6_Importar.py",
    "Qualidade dos dados": "pages/7_Qualidade_dos_dados.py",
    "Conformidade ANS": "pages/8_Conformidade_ANS.py",
    "Fila de trabalho": "pages/9_Fila_de_trabalho.py",
    "Metas e alertas": "pages/10_Metas_e_alertas.py",
    "Relatórios": "pages/11_Relatorios.py",
}


def run_page(con: Any, page: str, f: Filters) -> list[Any]:
    """Every summary `page` asks for under `f`, in the page's order."""
    return [q.run(con, f) for q in PAGE_QUERIES[page]]
