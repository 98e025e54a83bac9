"""The dashboard's numbers (metrics.md), computed in SQL over the store, one function per summary.

`from retention_analytics import metrics` then `metrics.reasons(con, filters)`; `metrics.TABLES`
lists the exportable summaries with their Portuguese titles, column labels and formats, and
`metrics.compute(name, con, filters)` returns one of them with its contract columns.

Nothing here imports streamlit or formats values for display; every function returns aggregated
rows (or limited, masked lists of cases).
"""

from .query import connection, load_sql, run
from .stats import SMALL_SAMPLE, add_rate, rank_rates, wilson
from .summaries import (
    KPI_COLUMNS,
    actions,
    case_detail,
    cases,
    cases_count,
    closure_boxes,
    closure_distribution,
    closure_times,
    compliance,
    compliance_kpis,
    compliance_sole_provider_cities,
    coverage_city,
    coverage_gaps,
    coverage_uf,
    effectiveness_analyst,
    effectiveness_operator,
    filter_options,
    kpis,
    kpis_with_delta,
    monthly_outcomes,
    oldest_open_cases,
    open_by_age_band,
    quality,
    reason_categories,
    reasons,
    reasons_controllable,
    reasons_operator_category,
    reasons_quarterly,
    requested_by,
    sla,
)
from .tables import TABLES, TableSpec, compute
# Targets, alerts, the work queue and "Minha semana" (metrics/work.py).
from .work import (
    changes_since,
    operator_targets,
    retention_last_n,
    target_for,
    target_summary,
    targets_vs_results,
    work_queue,
    work_queue_terminations,
)

__all__ = [
    "KPI_COLUMNS",
    "SMALL_SAMPLE",
    "TABLES",
    "TableSpec",
    "actions",
    "compliance",
    "compliance_kpis",
    "compliance_sole_provider_cities",
    "add_rate",
    "case_detail",
    "cases",
    "cases_count",
    "closure_boxes",
    "closure_distribution",
    "closure_times",
    "compute",
    "connection",
    "coverage_city",
    "coverage_gaps",
    "coverage_uf",
    "effectiveness_analyst",
    "effectiveness_operator",
    "filter_options",
    "kpis",
    "kpis_with_delta",
    "load_sql",
    "monthly_outcomes",
    "oldest_open_cases",
    "open_by_age_band",
    "quality",
    "rank_rates",
    "reason_categories",
    "reasons",
    "reasons_controllable",
    "reasons_operator_category",
    "reasons_quarterly",
    "requested_by",
    "run",
    "sla",
    "wilson",
]
