"""`PAGE_QUERIES`: which summaries each page of the app asks for, in one place.

The pages call `ui.data.compute(name, filters, **kwargs)` (a function of `metrics`) and
`ui.data.table(name, filters)` (an exportable table of `metrics.TABLES`); this registry lists
those calls per page, as the page makes them on its default view (no reason picked, no case
opened), so that the benchmark (`python -m retention_analytics bench`) times exactly what a page
costs and the pandas baseline computes the same summaries. tests/test_bench.py runs every page in
AppTest, records the calls it makes and checks them against this registry: a page that starts
asking for something else fails that test until the registry says so too.

It must not import streamlit or compute anything beyond dispatching to `metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..filters import Filters
from . import summaries
from .tables import QUALITY_LIST_LIMIT, compute


@dataclass(frozen=True)
class PageQuery:
    """One call a page makes: `kind` "compute" (metrics.<name>(con, f, **kwargs)) or "table"
    (metrics.compute(name, con, f)); `access_only` when the page passes `filters.access_only()`
    (the sidebar's choices)."""

    name: str
    kind: str = "table"
    kwargs: tuple[tuple[str, Any], ...] = field(default=())
    access_only: bool = False

    def filters_for(self, f: Filters) -> Filters:
        return f.access_only() if self.access_only else f

    def run(self, con: Any, f: Filters) -> Any:
        scope = self.filters_for(f)
        if self.kind == "table":
            return compute(self.name, con, scope)
        return getattr(summaries, self.name)(con, scope, **dict(self.kwargs))

    @property
    def label(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs)
        return f"{self.kind}:{self.name}" + (f"({args})" if args else "")


def _c(name: str, **kwargs: Any) -> PageQuery:
    return PageQuery(name, "compute", tuple(sorted(kwargs.items())))


def _t(name: str) -> PageQuery:
    return PageQuery(name, "table")


# Every page draws the shared sidebar first: its choices among the cases the user may see.
SIDEBAR = PageQuery("filter_options", "compute", access_only=True)

PAGE_QUERIES: dict[str, tuple[PageQuery, ...]] = {
    "Visão geral": (
        SIDEBAR,
        _c("kpis_with_delta"),
        _c("monthly_outcomes"),
        _t("reasons"),
        _t("coverage_gaps"),
        _t("effectiveness_operator"),
        _t("effectiveness_analyst"),
    ),
    "Motivos de desligamento": (
        SIDEBAR,
        _c("cases_count"),
        _t("reasons"),
        _t("reasons_controllable"),
        _t("reason_categories"),
        _t("reasons_quarterly"),  # reasons_operator_category: only once its tab is opened
    ),
    "Tempo de finalização": (
        SIDEBAR,
        _c("cases_count"),
        _t("sla"),
        _t("closure_times"),
        _c("closure_distribution", bin_days=15),
        _t("closure_boxes_operator"),
        _t("closure_boxes_analyst"),
        _t("open_by_age_band"),
        _t("oldest_open_cases"),
    ),
    "Cobertura da rede": (
        SIDEBAR,
        _c("cases_count"),
        _t("coverage_uf"),
        _t("coverage_gaps"),
        _t("kpis"),
        _t("coverage_city"),
    ),
    "Efetividade": (
        SIDEBAR,
        _t("kpis"),
        _t("effectiveness_operator"),  # effectiveness_analyst: only once its tab is opened
        _t("actions"),
        _t("requested_by"),
    ),
    "Casos": (
        SIDEBAR,
        _c("cases_count", search=None),
        _c("cases", limit=100, offset=0, search=None),
    ),
    "Importar": (SIDEBAR,),
    "Qualidade dos dados": (
        SIDEBAR,
        _c("quality", limit=QUALITY_LIST_LIMIT),
    ),
    "Conformidade ANS": (
        SIDEBAR,
        _c("compliance_kpis"),
        _t("compliance"),
        _t("compliance_sole_provider_cities"),
    ),
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
}


def run_page(con: Any, page: str, f: Filters) -> list[Any]:
    """Every summary `page` asks for under `f`, in the page's order."""
    return [q.run(con, f) for q in PAGE_QUERIES[page]]
