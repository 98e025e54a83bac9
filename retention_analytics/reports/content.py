"""What a report holds for each analysis page: its KPIs, charts and main tables, computed from the store.

`REPORT_PAGES` declares, per page title of ui/nav.PAGES, the headline numbers (each computed for
the filters and for `Filters.previous_period()`, so the report gives the change the Visão geral
cards give), the figures (the same `charts.*` functions the page draws, fed the same frames) and
the tables (names of metrics.TABLES, so the headers, precision and masking are the catalogue's).
`page_content(con, page, filters)` returns a `PageContent` ready to lay out (reports/pdf.py).

Every number comes from `metrics` (the functions behind the screen and `export`); personal data
stays masked as `metrics` returns it (a report never reveals). It must not import streamlit, draw
pixels or format the layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from .. import formatting as fmt
from ..charts import closure, coverage, effectiveness, overview, reasons
from ..filters import Filters
from ..metrics import summaries
from ..metrics.tables import TABLES, get
from . import ANALYSIS_PAGES

# Rows of one table in a report: past this the table says how many were left out and how to get
# them all (`export`), as the Cobertura page caps its city lists.
TABLE_ROW_LIMIT = 100


class Context:
    """The store and the filters of one report, with each summary computed once per filters."""

    def __init__(self, con: Any, filters: Filters):
        self.con = con
        self.filters = filters
        self._memo: dict[tuple[Any, ...], Any] = {}

    def get(self, summary: Callable[..., Any], f: Filters | None = None, **kwargs: Any) -> Any:
        """`metrics.get(summary, …)` (a function of metrics.SUMMARIES: an exportable table comes
        with its catalogue columns in order), once per (summary, filters, arguments)."""
        f = self.filters if f is None else f
        memo_key = (summary, f, tuple(sorted(kwargs.items())))
        if memo_key not in self._memo:
            self._memo[memo_key] = get(summary, self.con, f, **kwargs)
        return self._memo[memo_key]


# --------------------------------------------------------------------------- KPIs
@dataclass(frozen=True)
class Kpi:
    """One headline number: `value(ctx, filters)` for any filters (the report asks twice: the
    period and the previous one). kind: int, percent or days."""

    label: str
    kind: str
    value: Callable[[Context, Filters], Any]


@dataclass(frozen=True)
class KpiLine:
    label: str
    value: str
    previous: str | None  # None: no previous period to compare with
    change: str | None


def _number(value: Any) -> float:
    try:
        return math.nan if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return math.nan


def _kpis_column(column: str) -> Callable[[Context, Filters], Any]:
    return lambda ctx, f: ctx.get(summaries.kpis, f).iloc[0][column]


def _sla(column: str) -> Callable[[Context, Filters], Any]:
    def value(ctx: Context, f: Filters) -> Any:
        sla = ctx.get(summaries.sla, f)
        return sla[column].iloc[0] if not sla.empty and int(sla["n"].iloc[0]) else None
    return value


def _compliance(column: str) -> Callable[[Context, Filters], Any]:
    return lambda ctx, f: ctx.get(summaries.compliance_kpis, f).iloc[0][column]


def _controllable_share(ctx: Context, f: Filters) -> Any:
    frame = ctx.get(summaries.reasons_controllable, f)
    return frame.set_index("kind")["share"].get("controllable") if not frame.empty else None


def format_kpi(value: Any, kind: str) -> str:
    v = _number(value)
    if math.isnan(v):
        return fmt.MISSING
    if kind == "percent":
        return fmt.percent(v)
    if kind == "days":
        return fmt.number(v, 1)
    return fmt.integer(v)


def format_change(value: Any, previous: Any, kind: str) -> str | None:
    """value − previous as the Visão geral cards write it: "+3", "−1,5", "+2,0 p.p."."""
    v, p = _number(value), _number(previous)
    if math.isnan(v) or math.isnan(p):
        return None
    delta = v - p
    if kind == "percent":
        text = fmt.number(delta * 100, 1) + " p.p."
    elif kind == "days":
        text = fmt.number(delta, 1)
    else:
        text = fmt.number(delta, 0)
    return ("+" if delta > 0 else "") + text


def kpi_lines(ctx: Context, kpis: tuple[Kpi, ...]) -> list[KpiLine]:
    previous = ctx.filters.previous_period()
    lines = []
    for kpi in kpis:
        value = kpi.value(ctx, ctx.filters)
        before = kpi.value(ctx, previous) if previous is not None else None
        lines.append(KpiLine(
            kpi.label,
            format_kpi(value, kpi.kind),
            format_kpi(before, kpi.kind) if previous is not None else None,
            format_change(value, before, kpi.kind) if previous is not None else None,
        ))
    return lines


# --------------------------------------------------------------------------- charts and tables
@dataclass(frozen=True)
class ChartSpec:
    figure: Callable[[Context], Any]  # a plotly figure, from the charts package


@dataclass(frozen=True)
class TableSection:
    table: str  # a name of metrics.TABLES: headers, precision and masking come from its catalogue
    frame: Callable[[Context], pd.DataFrame] | None = None  # the page's own view of it (default: the table)
    title: str | None = None

    def rows(self, ctx: Context) -> pd.DataFrame:
        return self.frame(ctx) if self.frame else ctx.get(TABLES[self.table].function)


@dataclass(frozen=True)
class ReportPage:
    title: str
    kpis: tuple[Kpi, ...] = ()
    charts: tuple[ChartSpec, ...] = ()
    tables: tuple[TableSection, ...] = ()
    note: str = ""


def _monthly(ctx: Context) -> pd.DataFrame:
    return ctx.get(summaries.monthly_outcomes)


def _gaps_named(ctx: Context) -> pd.DataFrame:
    gaps = ctx.get(summaries.coverage_gaps)
    return gaps.assign(place=gaps["city"] + " – " + gaps["uf"])


def _ranked(table: str, name: str) -> Callable[[Context], pd.DataFrame]:
    """The home page's "Quem retém melhor?": the five best ranked rates (small samples left out)."""
    def frame(ctx: Context) -> pd.DataFrame:
        ranking = ctx.get(TABLES[table].function)
        ranked = ranking[~ranking["small_sample"].astype(bool)].sort_values("retention_rate", ascending=False)
        return ranked.head(5)[[name, "attempts", "retention_rate", "ci_low", "ci_high", "median_days"]]
    return frame


def _overall_rate(ctx: Context) -> float | None:
    kpis = ctx.get(summaries.kpis).iloc[0]
    return kpis["retention_rate"] if int(kpis["attempts"]) else None


def _uf_with_cases(ctx: Context) -> pd.DataFrame:
    by_uf = ctx.get(summaries.coverage_uf)
    return by_uf[by_uf["cases"] > 0].sort_values(["cases", "uf"], ascending=[False, True]).reset_index(drop=True)


def _closure_distribution(ctx: Context) -> pd.DataFrame:
    return ctx.get(summaries.closure_distribution, bin_days=15)


_CASES = Kpi("Casos", "int", _kpis_column("cases"))
_RATE = Kpi("Taxa de retenção", "percent", _kpis_column("retention_rate"))
_TERMINATIONS = Kpi("Desligamentos", "int", _kpis_column("terminations"))
_CROS_LOST = Kpi("CROs perdidos", "int", _kpis_column("cros_lost"))
_MEDIAN = Kpi("Mediana de dias p/ finalizar", "days", _kpis_column("median_days"))
_OPEN = Kpi("Casos em aberto", "int", _kpis_column("open_cases"))
_LIVES = Kpi("Vidas em risco", "int", _kpis_column("lives_at_risk"))

REPORT_PAGES: dict[str, ReportPage] = {p.title: p for p in (
    ReportPage(
        "Visão geral",
        kpis=(_CASES, _RATE, _TERMINATIONS, _CROS_LOST, _MEDIAN, _OPEN, _LIVES),
        charts=(
            ChartSpec(lambda ctx: overview.monthly_outcomes(_monthly(ctx))),
            ChartSpec(lambda ctx: overview.top_bars(ctx.get(summaries.reasons), "label", "share",
                                                    "Principais motivos de desligamento", percent=True)),
            ChartSpec(lambda ctx: overview.top_bars(_gaps_named(ctx), "place", "lives",
                                                    "Cidades com lacuna de cobertura (vidas)")),
        ),
        tables=(
            TableSection("monthly_outcomes_grid", lambda ctx: summaries.monthly_grid(_monthly(ctx))),
            TableSection("effectiveness_operator", _ranked("effectiveness_operator", "operator"),
                         "Quem retém melhor? Operadoras (as 5 maiores taxas)"),
            TableSection("effectiveness_analyst", _ranked("effectiveness_analyst", "analyst"),
                         "Quem retém melhor? Analistas (as 5 maiores taxas)"),
        ),
        note="Taxa de retenção entre as tentativas finalizadas; com menos de 10 tentativas a taxa não entra no ranking.",
    ),
    ReportPage(
        "Motivos de desligamento",
        kpis=(_TERMINATIONS, Kpi("Com motivo controlável", "percent", _controllable_share)),
        charts=(
            ChartSpec(lambda ctx: reasons.pareto(ctx.get(summaries.reasons))),
            ChartSpec(lambda ctx: reasons.controllable(ctx.get(summaries.reasons_controllable))),
            ChartSpec(lambda ctx: reasons.categories(ctx.get(summaries.reason_categories))),
            ChartSpec(lambda ctx: reasons.quarterly(ctx.get(summaries.reasons_quarterly))),
            ChartSpec(lambda ctx: reasons.operator_heatmap(ctx.get(summaries.reasons_operator_category))),
        ),
        tables=tuple(TableSection(t) for t in ("reasons", "reasons_controllable", "reason_categories",
                                               "reasons_quarterly", "reasons_operator_category")),
        note="Um caso pode citar vários motivos: as porcentagens são de desligamentos que citam cada motivo "
             "e somam mais de 100%.",
    ),
    ReportPage(
        "Tempo de finalização",
        kpis=(_MEDIAN, Kpi("Finalizados em até 30 dias", "percent", _sla("within_30")),
              Kpi("Finalizados em até 60 dias", "percent", _sla("within_60")),
              Kpi("Finalizados em até 90 dias", "percent", _sla("within_90")), _OPEN),
        charts=(
            ChartSpec(lambda ctx: closure.histogram(_closure_distribution(ctx))),
            ChartSpec(lambda ctx: closure.boxes(ctx.get(summaries.closure_boxes_operator), "Dias para finalizar por operadora")),
            ChartSpec(lambda ctx: closure.boxes(ctx.get(summaries.closure_boxes_analyst), "Dias para finalizar por analista")),
            ChartSpec(lambda ctx: closure.age_bands(ctx.get(summaries.open_by_age_band))),
        ),
        tables=(
            TableSection("sla"),
            TableSection("closure_distribution", _closure_distribution),
            TableSection("closure_times"),
            TableSection("closure_boxes_operator"),
            TableSection("closure_boxes_analyst"),
            TableSection("open_by_age_band"),
            TableSection("oldest_open_cases", title="Os casos em aberto mais antigos (dados pessoais mascarados)"),
        ),
        note="Dias para finalizar = data final − data de início. Medianas e percentis, não médias.",
    ),
    ReportPage(
        "Cobertura da rede",
        kpis=(_TERMINATIONS, _CROS_LOST, Kpi("Cidades com lacuna", "int", _kpis_column("gap_cities")), _LIVES),
        charts=(ChartSpec(lambda ctx: coverage.tile_map(ctx.get(summaries.coverage_uf), "cases")),),
        tables=(
            TableSection("coverage_uf", _uf_with_cases),
            TableSection("coverage_gaps"),
            TableSection("coverage_city", title="Todas as cidades com casos"),
        ),
        note="Uma cidade tem lacuna de cobertura quando os CROs perdidos no período igualam ou superam os CROs "
             "divulgados (Lei 9.656/98, art. 17: substituição por prestador equivalente e aviso com 30 dias).",
    ),
    ReportPage(
        "Efetividade",
        kpis=(Kpi("Tentativas de retenção", "int", _kpis_column("attempts")),
              Kpi("Retidos", "int", _kpis_column("retained")), _RATE),
        charts=(
            # As on screen: rate and median days on the same rows, one chart per ranking.
            ChartSpec(lambda ctx: effectiveness.forest_with_days(ctx.get(summaries.effectiveness_operator), "operator",
                                                                 "Qual operadora retém mais e em quanto tempo finaliza?",
                                                                 _overall_rate(ctx))),
            ChartSpec(lambda ctx: effectiveness.forest_with_days(ctx.get(summaries.effectiveness_analyst), "analyst",
                                                                 "Qual analista retém mais e em quanto tempo finaliza?",
                                                                 _overall_rate(ctx))),
            ChartSpec(lambda ctx: effectiveness.actions(ctx.get(summaries.actions))),
            ChartSpec(lambda ctx: effectiveness.requested_by(ctx.get(summaries.requested_by))),
        ),
        tables=tuple(TableSection(t) for t in ("effectiveness_operator", "effectiveness_analyst", "actions",
                                               "requested_by")),
        note="Com menos de 10 tentativas a taxa é amostra pequena e não recebe posição. Uma diferença entre ações "
             "não prova causa.",
    ),
    ReportPage(
        "Conformidade ANS",
        kpis=(Kpi("Desligamentos", "int", _compliance("terminations")),
              Kpi("Substituto no mesmo município", "int", _compliance("with_substitute_same_city")),
              Kpi("Avisos no prazo", "int", _compliance("notices_on_time")),
              Kpi("Vidas sem substituto", "int", _compliance("lives_without_substitute")),
              Kpi("Únicos prestadores perdidos", "int", _compliance("sole_provider_terminations"))),
        tables=(TableSection("compliance", title="Desligamentos"),
                TableSection("compliance_sole_provider_cities")),
        note="A lei pede um substituto equivalente no mesmo município e aviso aos beneficiários 30 dias antes da saída.",
    ),
)}

assert tuple(REPORT_PAGES) == ANALYSIS_PAGES, "reports.ANALYSIS_PAGES lists the pages of REPORT_PAGES, in order"


@dataclass
class TableContent:
    title: str
    table: str
    frame: pd.DataFrame  # the rows shown (at most TABLE_ROW_LIMIT), contract columns
    total_rows: int


@dataclass
class PageContent:
    title: str
    kpis: list[KpiLine]
    figures: list[Any]
    tables: list[TableContent]
    note: str = ""
    compared_with: str | None = None  # the previous period in words, or None without a closed period
    empty: bool = False  # no case matches the filters


def page_content(con: Any, page: str, filters: Filters, ctx: Context | None = None) -> PageContent:
    """Everything the report shows of `page` under `filters` (which already carry any access
    restriction)."""
    spec = REPORT_PAGES[page]
    ctx = ctx if ctx is not None and ctx.filters == filters else Context(con, filters)
    previous = filters.previous_period()
    compared = previous.describe_period() if previous is not None else None
    if int(ctx.get(summaries.kpis).iloc[0]["cases"]) == 0:
        return PageContent(page, kpi_lines(ctx, spec.kpis), [], [], spec.note, compared, empty=True)
    tables = []
    for section in spec.tables:
        frame = section.rows(ctx)
        tables.append(TableContent(section.title or TABLES[section.table].title, section.table,
                                   frame.head(TABLE_ROW_LIMIT).reset_index(drop=True), len(frame)))
    return PageContent(page, kpi_lines(ctx, spec.kpis), [c.figure(ctx) for c in spec.charts], tables, spec.note,
                       compared)
