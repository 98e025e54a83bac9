"""Every number of the dashboard, one function per summary (metrics.md is the definition).

Each function takes a DuckDB connection (or a store holding one) and a `Filters`, runs its SQL
from `sql/<name>.sql` and returns a pandas DataFrame of aggregated rows with English snake_case
columns (the export contract). Pages, downloads and the CLI all call these functions, so a number
is computed in exactly one place. Rates are 0–1 shares; days are numbers of days.

It must not import streamlit, format values for display (formatting.py does), pull whole tables
into Python (aggregate in SQL; lists are limited or paged) or show unmasked personal data
(privacy.py masks CPF, CNPJ, phones and e-mails of every row it returns; only `reveal=True`, asked
by a caller that checked the user's role and wrote the audit log first, skips the masking).
"""

from __future__ import annotations

import json

import datetime as dt
import math
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import privacy
from ..filters import DIMENSIONS, OPEN_STATUS, STATUS_LABELS, Filters
from ..record import HEADER_LABELS
from ..text import strip_accents
from ..vocab import ACTIONS, requester_label
from .query import known, run, run_many, run_records
from .stats import add_rate, rank_rates



def _shown_names(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its operator and analyst as people read them: the spelling used most often for
    their key (names.sql, from views.sql), whatever the case or accents on this form. The one
    place a list of cases gets its names; a row without a key keeps what its form says."""
    out = frame
    for kind in ("operator", "analyst"):
        key = f"{kind}_key"
        if kind in out and key in out:
            shown = names[names["kind"] == kind]
            mapping = dict(zip(shown["key"].tolist(), shown["name"].tolist()))
            out[kind] = out[key].map(mapping).fillna(out[kind]).astype("object")
    return out


def _named(con: Any, name: str, f: Filters, **params: Any) -> pd.DataFrame:
    """`run(con, name, f, **params)` with `_shown_names` (the names query side by side)."""
    rows, names = run_many(con, [(name, f, params), ("names", f, {})])
    return _shown_names(rows, names)


def _f(f: Filters | None) -> Filters:
    return f if f is not None else Filters()


def _today(as_of: dt.date | None) -> dt.date:
    return as_of or dt.date.today()


# --------------------------------------------------------------------------- headline numbers
def kpis(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """One row: cases, closed_cases, open_cases, attempts, retained, retention_rate, ci_low, ci_high,
    small_sample, not_retention, terminations, cros_lost, median_days, closure_n, gap_cities,
    lives_at_risk.

    Where this process has the city coverage of these filters already (a page drew it: it is kept,
    query.SHARED_QUERIES), the gaps are taken from it. The numbers are the same either way."""
    f = _f(f)
    cities = known(con, "coverage_city", f, **_city_coverage_params(f))
    if cities is not None:
        return _with_gaps(add_rate(run(con, "kpis", f, with_median=True)), cities)
    # Otherwise the 'current' row of kpis_delta.sql with no previous period: the totals and the
    # same gaps in one pass, without building the city table (its names, its order): ~100 → ~65 ms
    # at a million cases. tests/test_metrics_kpis_delta.py: both ways give the same numbers.
    both = run(con, "kpis_delta", f, basis=f.period_basis, now_start=f.start, now_end=f.end,
               prev_start=None, prev_end=None, with_median=True, network_kept=_network_kept(f))
    out = add_rate(both.iloc[[0]].drop(columns=["period", "gap_cities", "lives_at_risk"]).reset_index(drop=True))
    out["gap_cities"] = int(both["gap_cities"].iloc[0])
    out["lives_at_risk"] = int(both["lives_at_risk"].iloc[0])
    return out


def headline_counts(con: Any, f: Filters | None = None, gaps: bool = False) -> pd.DataFrame:
    """One row of `kpis` without the closure time: cases, closed_cases, open_cases, attempts,
    retained, retention_rate, ci_low, ci_high, small_sample, not_retention, terminations,
    cros_lost, and with `gaps` gap_cities and lives_at_risk.

    For cards that show no median days to close: Efetividade's (the median and the gaps are ~60 of
    kpis' ~80 ms at a million cases, and are not computed) and Cobertura's, with `gaps`: taken from
    the city coverage, computed beside the counts and kept for the page, whose map's lives per UF
    are made of it too (coverage_uf). The same numbers as `kpis` (tests/test_metrics_kpis_delta.py)."""
    f = _f(f)
    if not gaps:
        return add_rate(run(con, "kpis", f, with_median=False)).drop(columns=["median_days", "closure_n"])
    cities = known(con, "coverage_city", f, **_city_coverage_params(f))
    if cities is None:  # side by side (query.run_many); the city coverage is kept (SHARED_QUERIES)
        totals, cities = run_many(con, [("kpis", f, {"with_median": False}),
                                        ("coverage_city", f, _city_coverage_params(f))])
    else:
        totals = run(con, "kpis", f, with_median=False)
    return _with_gaps(add_rate(totals).drop(columns=["median_days", "closure_n"]), cities)


def _with_gaps(out: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """`out` (one row) with gap_cities and lives_at_risk from the city coverage `cities`."""
    ufs, lives = _gap_rows(cities)
    out["gap_cities"] = len(ufs)
    out["lives_at_risk"] = sum(lives)
    return out


def _gap_rows(cities: pd.DataFrame) -> tuple[list[str], list[int]]:
    """The UF and the lives (0 when unknown) of each gap city of the city coverage `cities`."""
    gaps = cities[cities["gap"].astype(bool)]
    return gaps["uf"].tolist(), pd.to_numeric(gaps["lives"], errors="coerce").fillna(0).astype("int64").tolist()


KPI_COLUMNS: tuple[str, ...] = (
    "cases",
    "attempts",
    "retained",
    "retention_rate",
    "terminations",
    "cros_lost",
    "median_days",
    "open_cases",
    "lives_at_risk",
)


def kpis_with_delta(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """One row per headline number: metric, value, previous (same-length period just before; NaN
    when the period is open-ended) and delta (value − previous)."""
    f = _f(f)
    before_filters = f.previous_period()
    if before_filters is None:
        now, before = kpis(con, f).iloc[0], None
    else:  # both periods in one pass (kpis_delta.sql); the same numbers as kpis() of each
        both = add_rate(run(con, "kpis_delta", f, basis=f.period_basis, now_start=f.start, now_end=f.end,
                            prev_start=before_filters.start, prev_end=before_filters.end, with_median=True,
                            network_kept=_network_kept(f)))
        now, before = both.iloc[0], both.iloc[1]
    rows = []
    for metric in KPI_COLUMNS:
        value = _number(now[metric])
        previous = _number(before[metric]) if before is not None else math.nan
        delta = value - previous if not (math.isnan(value) or math.isnan(previous)) else math.nan
        rows.append({"metric": metric, "value": value, "previous": previous, "delta": delta})
    return pd.DataFrame(rows)


def _number(value: Any) -> float:
    try:
        return math.nan if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return math.nan


def monthly_outcomes(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """month (first day), outcome (code, or 'aberto' for open cases), outcome_label, cases.
    Months by the filters' period basis (reference date or closing date)."""
    f = _f(f)
    out = run(con, "monthly_outcomes", f, basis=f.period_basis)
    out["outcome_label"] = out["outcome"].map(lambda v: STATUS_LABELS.get(v, v)).astype("object")
    return out[["month", "outcome", "outcome_label", "cases"]]


def monthly_grid(monthly: pd.DataFrame) -> pd.DataFrame:
    """`monthly_outcomes` as a grid people read: one row per month, one column of cases per
    status (codes of STATUS_LABELS, in that order, zero where a month had none) and total. Only a
    reshaping: the counts are monthly_outcomes' own."""
    statuses = list(STATUS_LABELS)
    if monthly.empty:
        return pd.DataFrame(columns=["month", *statuses, "total"])
    grid = monthly.pivot_table(index="month", columns="outcome", values="cases", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=statuses, fill_value=0).astype("int64")
    grid["total"] = grid.sum(axis=1)
    grid.columns.name = None
    return grid.reset_index().sort_values("month").reset_index(drop=True)


def monthly_outcomes_grid(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """month, one column per status (cases), total: `monthly_grid` of `monthly_outcomes`."""
    return monthly_grid(monthly_outcomes(con, f))


# --------------------------------------------------------------------------- termination reasons
def reasons(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """reason_code, label, category, controllable, cases, terminated, share (cases / terminated
    cases; may add up to more than 1), cumulative_share (Pareto: running citations / citations)."""
    return run(con, "reasons", _f(f))


def reason_categories(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """category, controllable, cases (terminated cases citing the category), terminated, share."""
    return run(con, "reason_categories", _f(f))


def reasons_controllable(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """Terminated cases in three groups that add up to all of them: kind ("controllable": at least
    one reason the operator controls; "not_controllable": only other reasons; "no_reason"), label,
    cases, terminated, share (cases / terminated cases)."""
    return run(con, "reasons_controllable", _f(f))


def reasons_quarterly(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """quarter ("2024-T1"), category, controllable, cases, terminated (of the quarter), share."""
    f = _f(f)
    return run(con, "reasons_quarterly", f, basis=f.period_basis)


def reasons_operator_category(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """operator_key, operator, category, controllable, cases, terminated (of the operator), share."""
    return run(con, "reasons_operator_category", _f(f))


# --------------------------------------------------------------------------- closure time
def closure_times(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """operator_key, operator, closed (n), median_days, p75_days, p90_days, is_total; the last row
    (is_total, operator "Total") is over every filtered case."""
    return run(con, "closure_times", _f(f))


def closure_distribution(con: Any, f: Filters | None = None, bin_days: int = 15) -> pd.DataFrame:
    """Histogram of days to close: bin_start, bin_end (inclusive), cases, share."""
    bin_days = max(1, int(bin_days))
    return run(con, "closure_distribution", _f(f), bin_days=bin_days)


def closure_boxes(con: Any, f: Filters | None = None, by: str = "operator") -> pd.DataFrame:
    """Box-plot statistics per operator or analyst: group_key, name, n, min_days, whisker_low,
    q1, median, q3, whisker_high, max_days, outliers."""
    if by not in ("operator", "analyst"):
        raise ValueError("by must be 'operator' or 'analyst'")
    return run(con, "closure_boxes", _f(f), by=by)


def closure_boxes_operator(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """`closure_boxes` per operator."""
    return closure_boxes(con, f, by="operator")


def closure_boxes_analyst(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """`closure_boxes` per analyst."""
    return closure_boxes(con, f, by="analyst")


def sla(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """One row: n (closed cases with known days to close), within_30, within_60, within_90 (shares)."""
    return run(con, "sla", _f(f))


def open_by_age_band(con: Any, f: Filters | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """band ("0–30", "31–60", "61–90", "91–180", ">180"; "sem data" only when some open case has
    no date), band_order, min_days, max_days, cases. Age = as_of (default today) − reference date."""
    return run(con, "open_by_age_band", _f(f), as_of=_today(as_of))


def oldest_open_cases(con: Any, f: Filters | None = None, as_of: dt.date | None = None,
                      limit: int = 20, reveal: bool = False) -> pd.DataFrame:
    """The `limit` oldest open cases: case_id, protocol_number, operator_key, operator, analyst, uf,
    city, dentist_name, cpf and cnpj (masked unless `reveal`), reference_date, age_days, outcome,
    last_contact_on, contacts."""
    out = _named(con, "oldest_open_cases", _f(f), as_of=_today(as_of), limit=max(0, int(limit)))
    return out if reveal else _mask_frame(out)


# --------------------------------------------------------------------------- Conformidade ANS
def compliance(con: Any, f: Filters | None = None, as_of: dt.date | None = None,
               limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    """One row per current terminated case under `f` (docs/metrics.md, "Conformidade ANS"), the
    `limit` rows from row `offset` on in the table's order (None: all; 0: the first): case_id, protocol_number, operator_key,
    operator, analyst, uf, city, lives, exit_date, notice_due, notice_date, notice_status,
    notice_channels, publication_until, substitute_status, substitute_cro, substitute_uf,
    substitute_city, substitute_name, sole_provider, days_without_substitute, days_to_notice_due,
    record_source."""
    return _named(con, "compliance", _f(f), as_of=_today(as_of), limit=limit, offset=max(0, int(offset)))


def compliance_kpis(con: Any, f: Filters | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """The page's headline over the rows of `compliance`, in SQL (a national store has hundreds of
    thousands of terminations): terminations, with_substitute_same_city, notices_on_time,
    lives_without_substitute, sole_provider_terminations (one row)."""
    out = run(con, "compliance_kpis", _f(f), as_of=_today(as_of))
    return out.astype("int64")


def compliance_sole_provider_cities(con: Any, f: Filters | None = None, as_of: dt.date | None = None) -> pd.DataFrame:
    """Cities where a termination took the only listed provider, most lives first: uf, city,
    lives (the largest stated by those terminations), terminations, without_substitute."""
    out = run(con, "compliance_sole_provider_cities", _f(f), as_of=_today(as_of))
    out["lives"] = out["lives"].astype("Int64")
    return out.astype({"terminations": "int64", "without_substitute": "int64"})


# --------------------------------------------------------------------------- network coverage
def coverage_city(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """uf, city, city_id (the Filters.cities value), ibge_code, lives, listed_cros, cases (in the period), terminations,
    cros_lost, gap. Lives and listed CROs from the city's most recent case stating them, over the
    filters without the period; gap when cros_lost > 0 and cros_lost >= listed_cros."""
    f = _f(f)
    return _cities(run(con, "coverage_city", f, **_city_coverage_params(f)))


# The filters the network the store keeps per operator, UF and city can answer (views.sql,
# city_network): it has no analyst, status or requester. The access restriction names operators.
_NETWORK_DIMENSIONS = frozenset({"operators", "ufs", "cities"})


def _network_kept(f: Filters) -> bool:
    """Whether the city rows of `f` (lives and listed CROs over all periods, the names) may come
    from city_network instead of grouping every case: `f` names no analyst, status or requester."""
    return not any(f.values(d) for d in DIMENSIONS if d.field not in _NETWORK_DIMENSIONS)


def _city_coverage_params(f: Filters) -> dict[str, Any]:
    """coverage_city.sql's parameters, the same for every caller (the frame is shared by its SQL and
    parameters): the kept network also gives the period's counts when there is no period."""
    return {"network_kept": _network_kept(f) and not (f.start or f.end)}


def _cities(out: pd.DataFrame) -> pd.DataFrame:
    out["gap"] = out["gap"].astype(bool)
    return out


def coverage_gaps(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """The gap cities of coverage_city, most lives first: uf, city, ibge_code, lives, listed_cros,
    cros_lost, terminations."""
    return _gaps(coverage_city(con, f))


def _gaps(cities: pd.DataFrame) -> pd.DataFrame:
    gaps = cities[cities["gap"]].sort_values(
        ["lives", "cros_lost", "uf", "city"], ascending=[False, False, True, True], na_position="last"
    )
    return gaps[["uf", "city", "ibge_code", "lives", "listed_cros", "cros_lost", "terminations"]].reset_index(
        drop=True
    )


def coverage_uf(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """All 27 UFs: uf, uf_name, cases, attempts, retained, retention_rate, ci_low, ci_high,
    small_sample, terminations, cros_lost, gap_cities, lives_at_risk, population, tile_row, tile_col."""
    f = _f(f)
    out, cities = run_many(con, [("coverage_uf", f, {}), ("coverage_city", f, _city_coverage_params(f))])  # side by side
    # The gap cities counted per UF in plain Python: a few hundred rows at most, where a pandas
    # sort, groupby and merge cost ~15 ms per run at a million cases.
    ufs, lives = _gap_rows(cities)
    counted: dict[str, int] = {}
    at_risk: dict[str, int] = {}
    for uf, life in zip(ufs, lives):
        counted[uf] = counted.get(uf, 0) + 1
        at_risk[uf] = at_risk.get(uf, 0) + life
    shown = out["uf"].tolist()
    out["gap_cities"] = pd.Series([counted.get(uf, 0) for uf in shown], index=out.index, dtype="int64")
    out["lives_at_risk"] = pd.Series([at_risk.get(uf, 0) for uf in shown], index=out.index, dtype="int64")
    out = add_rate(out)
    columns = ["uf", "uf_name", "cases", "attempts", "retained", "retention_rate", "ci_low", "ci_high",
               "small_sample", "terminations", "cros_lost", "gap_cities", "lives_at_risk", "population",
               "tile_row", "tile_col"]
    return out[columns]


# --------------------------------------------------------------------------- effectiveness
def _effectiveness(con: Any, f: Filters | None, by: str) -> pd.DataFrame:
    out = add_rate(run(con, "effectiveness", _f(f), by=by))
    out = rank_rates(out)
    out = out.sort_values(["rank", "attempts", "name"], ascending=[True, False, True], na_position="last")
    return out.reset_index(drop=True)


_EFFECTIVENESS_COLUMNS = ["cases", "open_cases", "closed", "attempts", "retained", "retention_rate",
                          "ci_low", "ci_high", "small_sample", "rank", "not_retention", "terminations",
                          "median_days", "closed_within_60", "top_reasons"]


def effectiveness_operator(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """operator_key, operator, cases, open_cases, closed, attempts, retained, retention_rate, ci_low,
    ci_high (95% Wilson), small_sample (attempts < 10), rank (None for small samples),
    not_retention, terminations, median_days, closed_within_60, top_reasons."""
    out = _effectiveness(con, f, "operator").rename(columns={"group_key": "operator_key", "name": "operator"})
    return out[["operator_key", "operator", *_EFFECTIVENESS_COLUMNS]]


def effectiveness_analyst(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """analyst_key, analyst, then the columns of effectiveness_operator."""
    out = _effectiveness(con, f, "analyst").rename(columns={"group_key": "analyst_key", "name": "analyst"})
    return out[["analyst_key", "analyst", *_EFFECTIVENESS_COLUMNS]]


def actions(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """Per action: action_code, label, attempts/retained/rate/ci_low/ci_high/small_sample where it
    was offered (suffix _offered) and where it was not (_not_offered), difference (rate points)."""
    out = run(con, "actions", _f(f))
    for side in ("offered", "not_offered"):
        out = add_rate(out, successes=f"retained_{side}", n=f"attempts_{side}", rate=f"rate_{side}",
                       low=f"ci_low_{side}", high=f"ci_high_{side}", small=f"small_sample_{side}")
    out["difference"] = out["rate_offered"] - out["rate_not_offered"]
    order = {t.code: i for i, t in enumerate(ACTIONS)}
    out = out.sort_values("action_code", key=lambda s: s.map(lambda c: order.get(c, len(order))))
    columns = ["action_code", "label"]
    for side in ("offered", "not_offered"):
        columns += [f"attempts_{side}", f"retained_{side}", f"rate_{side}", f"ci_low_{side}",
                    f"ci_high_{side}", f"small_sample_{side}"]
    return out[[*columns, "difference"]].reset_index(drop=True)


def requested_by(con: Any, f: Filters | None = None) -> pd.DataFrame:
    """requested_by (slug; None when the form does not say), label, cases, attempts, retained,
    retention_rate, ci_low, ci_high, small_sample."""
    out = add_rate(run(con, "requested_by", _f(f)))
    out["label"] = out["requested_by"].map(requester_label).astype("object")
    return out[["requested_by", "label", "cases", "attempts", "retained", "retention_rate", "ci_low",
                "ci_high", "small_sample"]]


# --------------------------------------------------------------------------- case lists
def _search_params(search: str | None) -> dict[str, Any]:
    text = (search or "").strip()
    if not text:
        return {"search": None, "search_digits": None}
    digits = "".join(ch for ch in text.upper() if ch.isalnum())
    has_digits = sum(ch.isdigit() for ch in digits) >= 3
    return {"search": strip_accents(text).lower(), "search_digits": digits if has_digits else None}


def _mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """CPF, CNPJ and the CPFs, CNPJs, phones and e-mails inside free text (notes, other plans, file
    names: people name files after the dentist's CPF) masked (privacy.py)."""
    out = df.copy()
    if "cpf" in out:
        out["cpf"] = out["cpf"].map(lambda v: None if v is None or pd.isna(v) else privacy.mask_cpf(v)).astype("object")
    if "cnpj" in out:
        out["cnpj"] = out["cnpj"].map(lambda v: None if v is None or pd.isna(v) else privacy.mask_cnpj(v)).astype("object")
    # Warnings and rejection reasons quote what the form said (a CPF typed in the wrong field).
    for column in ("general_note", "note", "other_plans", "source", "file_name", "warnings", "message",
                   "rejection_reason"):
        if column in out:
            out[column] = out[column].map(
                lambda v: None if v is None or pd.isna(v) else privacy.mask_text(v)
            ).astype("object")
    return out


def cases(con: Any, f: Filters | None = None, search: str | None = None, limit: int | None = None,
          offset: int = 0, reason: str | None = None, reveal: bool = False) -> pd.DataFrame:
    """One row per current case, newest first, personal data masked: case_id, protocol_number,
    status, operator_key, operator, analyst, uf, city, ibge_code, dentist_name, cro, cro_uf, cpf,
    cnpj, person_type, requested_by, reference_date, started_on, finished_on, closure_days, lives,
    unique_cros_listed, cros_at_stake, reasons, actions, general_note, warning_count, source.
    `search` matches protocol, dentist, CRO, city, operator, analyst, file name, or CPF/CNPJ digits;
    `limit`/`offset` page the list (None = every row: for downloads). `reason` (a reason code) keeps
    only the terminated cases citing it: the cases counted in that reason's share (reasons).
    `reveal=True` leaves personal data unmasked: only for a user allowed to see it, and audited
    by the caller (ui/audit.py)."""
    out = _named(con, "cases", _f(f), limit=None if limit is None else max(0, int(limit)),
                 offset=max(0, int(offset)), reason=_reason_param(reason), **_search_params(search))
    return out if reveal else _mask_frame(out)


def cases_count(con: Any, f: Filters | None = None, search: str | None = None, reason: str | None = None) -> int:
    """How many rows `cases` has without a limit."""
    return int(run(con, "cases_count", _f(f), reason=_reason_param(reason), **_search_params(search))["cases"].iloc[0])


def _reason_param(reason: str | None) -> str | None:
    text = (reason or "").strip()
    return text or None


def case_detail(con: Any, f: Filters | int | None = None, case_id: int | None = None,
                reveal: bool = False) -> dict[str, Any] | None:
    """One stored form (current or superseded) as a dict, personal data masked, or None when it does
    not exist or the user may not see its operator (only the access restriction of `f` applies).
    Called like every summary, `case_detail(con, filters, case_id=7)`; `case_detail(con, 7)` too.

    Keys: the cases columns plus reference_date, is_closed, closure_days, cros_at_stake and the
    lists reasons, actions, sectors, signatories, warnings (labels / texts), contacts ({number,
    date, note} with masked notes) and versions ({case_id, source, is_current, outcome})."""
    if not isinstance(f, Filters) and f is not None:
        f, case_id = None, f
    scope = _f(f).access_only()
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        return None
    if not 0 < case_id < 2**63:  # a link's ?caso=99999999999999999999 is no case, not an overflow
        return None
    rows = run_records(con, "case_detail", scope, case_id=case_id)
    if not rows:
        return None
    record = rows[0]
    for name in ("reasons", "actions", "sectors", "signatories", "warnings", "versions"):
        record[name] = list(record.get(name) or [])
    record["reading"] = _reading(record.get("reading"))
    if reveal:  # only for a user allowed to see it, audited by the caller (ui/audit.py)
        return record
    message = record["reading"].get("message")
    if message:  # the sender's address is personal data; a subject may hold a CPF or a phone
        record["reading"]["message"] = {k: privacy.mask_text(v) for k, v in message.items()}
    record["source"] = privacy.mask_text(record.get("source"))
    record["versions"] = [{**v, "source": privacy.mask_text(v.get("source"))} for v in record["versions"]]
    record["warnings"] = [privacy.mask_text(w) for w in record["warnings"]]
    record["cpf"] = privacy.mask_cpf(record.get("cpf"))
    record["cnpj"] = privacy.mask_cnpj(record.get("cnpj"))
    for column in ("general_note", "other_plans"):
        record[column] = privacy.mask_text(record.get(column))
    record["contacts"] = [
        {**contact, "note": privacy.mask_text(contact.get("note"))} for contact in (record.get("contacts") or [])
    ]
    return record


def _reading(stored: Any) -> dict[str, Any]:
    """documents.reading (JSON text) as a dict; {} when not kept (older imports) or unreadable."""
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------- data quality
# The frames of `quality`, in the order the page's tabs show them: for each, the queries it is
# made of (the names of operators and analysts beside the lists that show them) and how.
_QUALITY_FRAMES: dict[str, tuple[tuple[str, ...], Callable[[dict[str, pd.DataFrame]], pd.DataFrame]]] = {
    "summary": (("quality_summary",), lambda q: q["quality_summary"]),
    "warnings": (("quality_warnings", "names"), lambda q: _mask_frame(_shown_names(q["quality_warnings"], q["names"]))),
    "warning_messages": (("quality_warning_messages",), lambda q: _mask_frame(q["quality_warning_messages"])),
    "blank_fields": (("quality_blank_fields",), lambda q: _blank_fields(q["quality_blank_fields"])),
    "unmatched_cities": (("quality_unmatched_cities",), lambda q: q["quality_unmatched_cities"]),
    "superseded": (("quality_superseded", "names"), lambda q: _mask_frame(_shown_names(q["quality_superseded"], q["names"]))),
    "rejected": (("quality_rejected",), lambda q: _mask_frame(q["quality_rejected"])),
}
QUALITY_PARTS: tuple[str, ...] = tuple(_QUALITY_FRAMES)


def quality(con: Any, f: Filters | None = None, limit: int = 200,
            parts: tuple[str, ...] | None = None, offset: int = 0) -> dict[str, pd.DataFrame]:
    """Data-quality frames over the filtered current cases:
    - summary: cases, forms_with_warnings, unmatched_city_cases, unmatched_cities,
      superseded_versions, cases_with_versions, rejected_documents (one row)
    - warnings: case_id, source, protocol_number, operator, analyst, warning_count, warnings
    - warning_messages: message, cases
    - blank_fields: field, label, blank, cases, share (one row per header field of the form)
    - unmatched_cities: uf, city, city_key, cases
    - superseded: current_case_id, protocol_number, operator, versions, case_ids, source
    - rejected: document_id, file_name, ingested_at, rejection_reason, size_bytes (only for users
      who see every operator: a rejected document belongs to no operator).

    `parts`: only those frames (QUALITY_PARTS; all by default), and only their queries run: the
    page's cards and first tab need three of the seven, the other tabs ask for theirs when opened
    (each a full scan of the facts: ~25-45 ms at a million cases). Every list has at most `limit`
    rows; the warnings' list from row `offset` on (a page of it: Qualidade dos dados)."""
    f = _f(f)
    limit = max(0, int(limit))
    wanted = QUALITY_PARTS if parts is None else tuple(dict.fromkeys(parts))
    unknown = [part for part in wanted if part not in _QUALITY_FRAMES]
    if unknown:
        raise ValueError(f"unknown quality parts {unknown}")
    everyone = f.allowed_operators is None
    params: dict[str, dict[str, Any]] = {
        "quality_summary": {"all_operators": everyone},
        "quality_warnings": {"limit": limit, "offset": max(0, int(offset))},
        "quality_warning_messages": {"limit": limit},
        "quality_superseded": {"limit": limit},
        "quality_rejected": {"all_operators": everyone, "limit": limit},
    }
    queries = list(dict.fromkeys(q for part in wanted for q in _QUALITY_FRAMES[part][0]))
    # Small queries: side by side (query.run_many).
    frames = dict(zip(queries, run_many(con, [(q, f, params.get(q, {})) for q in queries])))
    return {part: _QUALITY_FRAMES[part][1](frames) for part in wanted}


def _blank_fields(blank: pd.DataFrame) -> pd.DataFrame:
    """quality_blank_fields.sql's one row of counts as one row per header field, most blank first."""
    total = int(blank["cases"].iloc[0]) if not blank.empty else 0
    blank_rows = [
        {
            "field": field,
            "label": {**HEADER_LABELS, "outcome": "Status (resultado)"}.get(field, field),
            "blank": int(blank[field].iloc[0] or 0) if field in blank else 0,
            "cases": total,
        }
        for field in [c for c in blank.columns if c != "cases"]
    ]
    blank_fields = pd.DataFrame(blank_rows, columns=["field", "label", "blank", "cases"])
    blank_fields["share"] = blank_fields["blank"] / total if total else math.nan
    return blank_fields.sort_values(["blank", "field"], ascending=[False, True]).reset_index(drop=True)


# --------------------------------------------------------------------------- sidebar choices
_OPTION_KINDS = ("operators", "analysts", "ufs", "cities", "requested_by", "outcomes")
_NO_ROWS = np.array([], dtype=np.intp)


def filter_options(con: Any, f: Filters | None = None) -> dict[str, Any]:
    """Choices for the sidebar among the cases the user may see (only the access restriction of `f`
    applies; cities are narrowed to the selected UFs when there are any).

    Keys: operators, analysts, ufs, cities, requested_by, outcomes (frames of value, label, cases;
    cities also uf), min_date / max_date (reference dates), min_finished / max_finished, and
    names ({field: {value: label}} for Filters.describe)."""
    f = _f(f)
    # Who may see every operator reads the choices the store keeps; anyone else, theirs only
    # (filter_options.sql). Fails closed: a restriction to no operator is an empty list, no rows.
    everyone = f.allowed_operators is None
    allowed = [] if everyone else sorted(f.allowed_operators)
    rows, dates = run_many(con, [("filter_options", f, {"access_only": True, "everyone": everyone, "allowed": allowed}),
                                 ("date_range", f, {"access_only": True})])  # side by side
    # One grouping of the ~10 thousand rows (at a million cases) by kind, instead of a mask per kind:
    # 11 -> 6 ms on every page's first run at a million cases.
    positions = rows.groupby("kind", sort=False).indices
    out: dict[str, Any] = {}
    for kind in _OPTION_KINDS:
        columns = ["value", "label", "uf", "cases"] if kind == "cities" else ["value", "label", "cases"]
        out[kind] = rows[columns].take(positions.get(kind, _NO_ROWS)).reset_index(drop=True)
    if f.ufs:
        out["cities"] = out["cities"][out["cities"]["uf"].isin(f.ufs)].reset_index(drop=True)
    requesters = out["requested_by"]
    requesters["label"] = pd.Series([requester_label(v) for v in requesters["value"].tolist()], dtype="object")
    order = {code: i for i, code in enumerate(STATUS_LABELS)}
    codes = sorted(out["outcomes"]["value"].tolist(), key=lambda v: order.get(v, 99))
    by_code = dict(zip(out["outcomes"]["value"].tolist(), out["outcomes"]["cases"].tolist()))
    out["outcomes"] = pd.DataFrame({
        "value": pd.Series(codes, dtype=rows["value"].dtype),
        "label": pd.Series([STATUS_LABELS.get(v, v) for v in codes], dtype="object"),
        "cases": pd.Series([by_code[v] for v in codes], dtype=rows["cases"].dtype),
    })
    dates = dates.iloc[0]
    out["min_date"] = _date_or_none(dates["min_reference_date"])
    out["max_date"] = _date_or_none(dates["max_reference_date"])
    out["min_finished"] = _date_or_none(dates["min_finished_on"])
    out["max_finished"] = _date_or_none(dates["max_finished_on"])
    out["names"] = {
        # tolist(): iterating an Arrow-backed column value by value is ~10x slower (10 thousand cities)
        kind: dict(zip(out[kind]["value"].tolist(), out[kind]["label"].tolist()))
        for kind in ("operators", "analysts", "cities", "requested_by", "outcomes")
    }
    return out


def _date_or_none(value: Any) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(value, dt.datetime):  # pandas Timestamp included
        return value.date()
    return value


__all__ = [
    "OPEN_STATUS",
    "actions",
    "case_detail",
    "cases",
    "cases_count",
    "closure_boxes",
    "closure_boxes_analyst",
    "closure_boxes_operator",
    "closure_distribution",
    "closure_times",
    "coverage_city",
    "coverage_gaps",
    "coverage_uf",
    "effectiveness_analyst",
    "effectiveness_operator",
    "filter_options",
    "headline_counts",
    "kpis",
    "kpis_with_delta",
    "monthly_outcomes",
    "oldest_open_cases",
    "open_by_age_band",
    "quality",
    "reason_categories",
    "reasons",
    "reasons_controllable",
    "reasons_operator_category",
    "reasons_quarterly",
    "requested_by",
    "sla",
]
