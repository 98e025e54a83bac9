"""The numbers behind targets, alerts, the work queue and "Minha semana" (docs/metrics.md, "Metas e
alertas", "Work queue", "Minha semana"), one function each, like summaries.py.

- `targets_vs_results`: each operator's targets next to its results under the filters, and the
  target of the whole filtered set (`target_for`: the operators' targets weighted by their own
  attempts, or closed cases, so a mix of operators is measured against the mix of their targets).
- `retention_last_n`: retention over each operator's last N attempts (the alert rule).
- `work_queue` / `work_queue_terminations`: open cases by age and SLA band, and the terminations
  still missing a notice or a substitute, with the days left.
- `changes_since`: what arrived or crossed an SLA band since a moment.

It must not import streamlit, format values for people or return unmasked personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..filters import Filters
from .query import run
from .stats import add_rate
from . import summaries  # its `_today`, as compliance's (one "today" for both, fixed by the snapshot test)
from .summaries import _mask_frame, _named

SLA_BAND_DAYS = (30, 60, 90)
ABOUT_TO_CROSS_DAYS = 5  # docs/metrics.md, "Work queue"


def _f(f: Filters | None) -> Filters:
    return f if f is not None else Filters()


def operator_targets(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """The targets of the operators the user may see: operator_key, operator,
    target_retention_rate, target_closed_within_60 (0–1 shares; NaN: no target), set_by, set_at."""
    f = _f(f)
    return run(con, "operator_targets", f.access_only(), everyone=f.allowed_operators is None)


def targets_vs_results(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """One row per operator under the filters that has a target: operator_key, operator, attempts,
    retained, retention_rate, target_retention_rate, closed (closed cases with a known closing
    time), within_60, closed_within_60, target_closed_within_60."""
    # The rates come from stats.add_rate, the one definition of a retention rate (the SQL counts).
    rows = add_rate(run(con, "targets_results", _f(f)), small=None).drop(columns=["ci_low", "ci_high"])
    rows = add_rate(rows, "within_60", "closed", "closed_within_60", "_low", "_high", small=None)
    columns = ["operator_key", "operator", "attempts", "retained", "retention_rate", "target_retention_rate",
               "closed", "within_60", "closed_within_60", "target_closed_within_60"]
    return rows[columns]


_PARTS = {"retention_rate": ("retained", "attempts"), "closed_within_60": ("within_60", "closed")}


def target_for(rows: pd.DataFrame, metric: str) -> float | None:
    """The target of the filtered set for `metric` ("retention_rate" or "closed_within_60"): the
    targets of its operators that have one, weighted by each one's attempts (retention) or closed
    cases (within 60 days); None when none has that target or a case to weigh."""
    return target_summary(rows, metric)[1]


def target_summary(rows: pd.DataFrame, metric: str) -> tuple[float | None, float | None, int]:
    """(result, target, operators) for `metric` over the operators of `rows` that have that
    target: the result is theirs only (retained ÷ attempts, or closed within 60 days ÷ closed),
    so it is measured against their own targets; (None, None, 0) when none applies."""
    part, whole = _PARTS[metric]
    target = f"target_{metric}"
    if rows.empty:
        return None, None, 0
    known = rows[rows[target].notna()]
    weights = pd.to_numeric(known[whole], errors="coerce").fillna(0)
    if known.empty or weights.sum() <= 0:
        return None, None, 0
    goal = float((known[target].astype(float) * weights).sum() / weights.sum())
    value = float(pd.to_numeric(known[part], errors="coerce").fillna(0).sum() / weights.sum())
    return value, goal, int((weights > 0).sum())


def retention_last_n(con: Any, f: Filters | None = None, n: int = 20) -> pd.DataFrame:
    """Per operator under the filters: operator_key, operator, attempts (at most n), retained,
    retention_rate over its last n attempts, first_finished_on, last_finished_on, newest_case_id."""
    rows = add_rate(run(con, "retention_last_n", _f(f), n=max(1, int(n))), small=None)
    return rows[["operator_key", "operator", "attempts", "retained", "retention_rate", "first_finished_on",
                 "last_finished_on", "newest_case_id"]]


def work_queue(con: Any, f: Filters | None = None, as_of: dt.date | None = None,
               soon: int = ABOUT_TO_CROSS_DAYS, limit: int | None = None, soon_only: bool = False,
               offset: int = 0) -> pd.DataFrame:
    """The open cases under the filters, oldest first (`limit` rows from row `offset` on; None:
    all; 0: the first; `soon_only`: only those about to cross): case_id, protocol_number, operator_key, operator, analyst_key,
    analyst, uf, city, dentist_name, reference_date, age_days, band_order (1–4; NaN without a
    date), band ("0–30", "31–60", "61–90", "> 90", "sem data"), days_to_next_band, about_to_cross
    (within `soon` days of the next band), last_contact_on."""
    return _mask_frame(run(con, "work_queue", _f(f), as_of=summaries._today(as_of), soon=max(0, int(soon)),
                           limit=limit, offset=max(0, int(offset)), soon_only=bool(soon_only)))


def work_queue_bands(con: Any, f: Filters | None = None, as_of: dt.date | None = None,
                     soon: int = ABOUT_TO_CROSS_DAYS) -> pd.DataFrame:
    """`work_queue` counted per SLA band, in SQL (a national store has ~90 thousand open cases):
    band_order (1–4; NaN for "sem data", last), band, cases, about_to_cross; only bands with cases."""
    out = run(con, "work_queue_bands", _f(f), as_of=summaries._today(as_of), soon=max(0, int(soon)))
    return out.astype({"cases": "int64", "about_to_cross": "int64"})


QUEUE_TERMINATION_COLUMNS = ["case_id", "protocol_number", "operator_key", "operator", "analyst", "uf", "city",
                             "exit_date", "notice_due", "notice_status", "days_to_notice_due", "substitute_status",
                             "days_without_substitute", "missing"]


def work_queue_terminations(con: Any, f: Filters | None = None, as_of: dt.date | None = None,
                            limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """The terminations under the filters still missing a notice or a substitute (compliance's
    rows and statuses), the nearest notice deadline first, `limit` rows from row `offset` on
    (None: all; 0: the first): the
    columns of QUEUE_TERMINATION_COLUMNS; `missing` says what ("aviso e substituto", "aviso",
    "substituto"). In SQL: a national store has hundreds of thousands of them."""
    rows = _named(con, "work_queue_terminations", _f(f), as_of=summaries._today(as_of), limit=limit,
                  offset=max(0, int(offset)))
    return rows[QUEUE_TERMINATION_COLUMNS].reset_index(drop=True)


def work_queue_terminations_count(con: Any, f: Filters | None = None, as_of: dt.date | None = None) -> int:
    """How many rows `work_queue_terminations` has, without making them."""
    return int(run(con, "work_queue_terminations_count", _f(f), as_of=summaries._today(as_of))["pending"].iloc[0])


def changes_since(con: Any, f: Filters | None = None, since: dt.datetime | None = None,
                  as_of: dt.date | None = None) -> pd.DataFrame:
    """The cases under the filters that changed after `since` (docs/metrics.md, "Minha semana"):
    case_id, protocol_number, operator_key, operator, analyst, uf, city, dentist_name, change
    ("desligamento", "novo", "faixa"), change_order, ingested_at, crossed_band_days (30, 60 or 90
    for "faixa"), status."""
    today = summaries._today(as_of)
    moment = since or dt.datetime.combine(today - dt.timedelta(days=7), dt.time())
    return _mask_frame(run(con, "changes_since", _f(f), since=moment, as_of=today))


__all__ = [
    "changes_since",
    "operator_targets",
    "retention_last_n",
    "target_for",
    "target_summary",
    "targets_vs_results",
    "work_queue",
    "work_queue_bands",
    "work_queue_terminations",
    "work_queue_terminations_count",
]
