"""The dashboard's summaries the way an analyst would write them in pandas: the benchmark's baseline.

    data = load(con)                                  # case_facts + child tables → DataFrames
    frames = page(data, "Visão geral", Filters())     # every summary that page shows

What for: `bench` reports how much faster the SQL metrics (metrics/, over DuckDB) are than this
plain implementation on the same data, and tests/test_bench.py checks that both give the same
numbers for every page on a small store — an independent second implementation of metrics.md,
which catches a wrong SQL definition as well as a slow one.

It is deliberately ordinary pandas: load the current cases (case_facts) and the child tables once,
then boolean masks for the filters and groupby/merge per summary, vectorized, no Python loop over
cases. It must NOT call the SQL metrics, read the database after `load`, or be used by the app.
Summaries return the columns of their `metrics` counterparts that the cross-check compares; display
sugar the pages add around them (export labels, formatting) is left out.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import privacy
from ..filters import OPEN_STATUS, STATUS_LABELS, Filters
from ..metrics.stats import add_rate, rank_rates
from ..metrics.summaries import QUALITY_PARTS
from ..metrics.tables import QUALITY_LIST_LIMIT
from ..fields import BY_KEY, quality_fields
from ..vocab import ACTIONS, REQUESTERS

# The columns of case_facts a page needs (the view's own columns: no store-side precomputation).
FACT_COLUMNS = (
    "case_id", "case_key", "source", "operator", "operator_key", "analyst", "analyst_key", "uf", "city", "city_key",
    "ibge_code", "city_official", "city_name", "lives", "unique_cros_listed", "cro_count", "cro", "cro_uf",
    "dentist_name", "cpf", "cnpj", "person_type", "requested_by", "protocol_number", "protocol_opened_on",
    "started_on", "finished_on", "days_to_close", "outcome", "reference_date", "is_closed", "is_attempt",
    "is_retained", "is_terminated", "closure_days", "cros_at_stake", "warning_count", "general_note",
    "form_date", "inclusion_date", "accepts_other_plans", "other_plans", "coin_value", "last_production",
    "last_production_value",
)
# ... and every field whose blanks the data-quality page counts (the field registry's).
FACT_COLUMNS = tuple(dict.fromkeys((*FACT_COLUMNS, *(f.key for f in quality_fields()))))
_FLAGS = ("is_closed", "is_attempt", "is_retained", "is_terminated")
_DATES = ("reference_date", "started_on", "finished_on", "protocol_opened_on", "form_date", "inclusion_date")
_EPOCH_DAY = pd.Timestamp("0001-01-01")


@dataclass
class Data:
    facts: pd.DataFrame  # current cases, one row each, with the derived columns of case_facts
    versions: pd.DataFrame  # every stored form: case_id, case_key, is_current
    reasons: pd.DataFrame  # case_id, reason_code
    actions: pd.DataFrame  # case_id, action_code
    contacts: pd.DataFrame  # case_id, contact_date
    warnings: pd.DataFrame  # case_id, position, message
    rejected: pd.DataFrame  # rejected documents
    reason_vocab: pd.DataFrame  # code, label, category, position
    categories: pd.DataFrame  # category, controllable, position
    ufs: pd.DataFrame  # uf, name, population, tile_row, tile_col
    operator_names: pd.Series  # operator_key → most written spelling (over every current case)
    analyst_names: pd.Series
    substitutions: pd.DataFrame = field(default_factory=pd.DataFrame)  # the newest record per case_key

    @property
    def memory_bytes(self) -> int:
        return int(sum(f.memory_usage(deep=False).sum() for f in (
            self.facts, self.versions, self.reasons, self.actions, self.contacts, self.warnings)))


# Short repeated texts become categoricals on load: what anyone working with a million rows in
# pandas does first (filters and group-bys on them are then 10–50x cheaper than on strings).
_CATEGORIES = ("operator", "operator_key", "analyst", "analyst_key", "uf", "city", "city_key", "city_official",
               "city_name", "outcome", "requested_by", "person_type", "cro_uf", "last_production")


def load(con: Any) -> Data:
    """Everything the summaries need, read once (this is the part an analyst's notebook caches)."""
    facts = con.execute(f"select {', '.join(FACT_COLUMNS)} from case_facts").df()
    for name in _FLAGS:
        facts[name] = facts[name].fillna(False).astype(bool)
    for name in _DATES:
        facts[name] = pd.to_datetime(facts[name])
    for name in _CATEGORIES:
        facts[name] = facts[name].astype("category")
    data = Data(
        facts=facts,
        versions=con.execute("select case_id, case_key, is_current from cases").df(),
        reasons=con.execute("select case_id, reason_code from case_reasons").df().astype({"reason_code": "category"}),
        actions=con.execute("select case_id, action_code from case_actions").df().astype({"action_code": "category"}),
        contacts=con.execute("select case_id, contact_date from case_contacts").df(),
        warnings=con.execute("select case_id, position, message from case_warnings").df(),
        rejected=con.execute(
            "select document_id, file_name, ingested_at, rejection_reason, size_bytes from documents "
            "where status = 'rejected'").df(),
        reason_vocab=con.execute("select code, label, category, position from reasons").df(),
        categories=con.execute("select category, controllable, position from reason_categories order by position").df(),
        ufs=con.execute("select uf, name, population, tile_row, tile_col from ufs order by uf").df(),
        operator_names=pd.Series(dtype=object),
        analyst_names=pd.Series(dtype=object),
        substitutions=con.execute("select * from substitutions").df(),
    )
    subs = data.substitutions.sort_values("substitution_id")
    data.substitutions = subs.drop_duplicates("case_key", keep="last").set_index("case_key")
    # The protocol key as a number shared by both frames: isin/groupby on a million strings is slow.
    keys = pd.CategoricalDtype(pd.unique(data.versions["case_key"]))
    data.versions["key_code"] = data.versions["case_key"].astype(keys).cat.codes
    facts["key_code"] = facts["case_key"].astype(keys).cat.codes
    # Each cited reason once per case, with its label, category and position: joined once here.
    data.reasons = _plain(data.reasons.drop_duplicates()).merge(
        data.reason_vocab, how="left", left_on="reason_code", right_on="code")
    data.operator_names = _most_written(facts, "operator_key", "operator")
    data.analyst_names = _most_written(facts, "analyst_key", "analyst")
    return data


def _most_written(frame: pd.DataFrame, key: str, text: str) -> pd.Series:
    """key → its most frequent spelling (ties: the first in alphabetical order)."""
    counts = frame.groupby([key, text], observed=True).size().reset_index(name="n")
    counts[text] = counts[text].astype(object)
    counts = counts.sort_values(["n", text], ascending=[False, True])
    return counts.drop_duplicates(key).set_index(key)[text].astype(object)


# --------------------------------------------------------------------------- filters
def city_ids(frame: pd.DataFrame) -> pd.Series:
    code = frame["ibge_code"].astype("Int64").astype("string")
    return frame["uf"].astype("string") + "|" + code.fillna(frame["city_key"].astype("string"))


def mask(data: Data, f: Filters, include_period: bool = True) -> pd.Series:
    d = data.facts
    keep = pd.Series(True, index=d.index)
    if f.allowed_operators is not None:
        keep &= d["operator_key"].isin(list(f.allowed_operators))
    for name, column in (("operators", "operator_key"), ("ufs", "uf"), ("analysts", "analyst_key"),
                         ("requested_by", "requested_by")):
        values = getattr(f, name)
        if values:
            keep &= d[column].isin(list(values))
    if f.cities:
        keep &= city_ids(d).isin(list(f.cities)).fillna(False).astype(bool)
    if f.outcomes:
        codes = [o for o in f.outcomes if o != OPEN_STATUS]
        status = pd.Series(False, index=d.index)
        if codes:
            status |= d["is_closed"] & d["outcome"].isin(codes)
        if OPEN_STATUS in f.outcomes:
            status |= ~d["is_closed"]
        keep &= status
    if include_period:
        day = d[f.period_column()]
        if f.start:
            keep &= (day >= pd.Timestamp(f.start)).fillna(False)
        if f.end:
            keep &= (day <= pd.Timestamp(f.end)).fillna(False)
    return keep


def _names(data: Data, key: str, label: str) -> pd.Series:
    return data.operator_names if key == "operator_key" else data.analyst_names


def _shown(data: Data, frame: pd.DataFrame) -> pd.DataFrame:
    """Operator and analyst of each row by the spelling used most often for their key (metrics.md:
    one name shown whatever the case or accents on a form); a row without a key keeps its own."""
    for kind in ("operator", "analyst"):
        key = f"{kind}_key"
        if kind in frame and key in frame:
            frame[kind] = frame[key].map(_names(data, key, kind)).astype("object").fillna(
                frame[kind].astype("object"))
    return frame


def _rows(data: Data, f: Filters, columns: list[str], include_period: bool = True) -> pd.DataFrame:
    """The filtered cases, only the columns a summary reads (copying 45 columns per filter would
    cost more than the summary itself)."""
    return data.facts.loc[mask(data, f, include_period), columns]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to plain values (an aggregated frame is small; labels get added)."""
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(object)
    return frame


def _counts(values: pd.Series) -> pd.DataFrame:
    """value, cases for the values present (a categorical also lists categories no row has)."""
    counts = values.value_counts()
    counts = counts[counts > 0]
    out = counts.rename_axis("value").reset_index(name="cases")
    out["value"] = out["value"].astype(object)
    return out


def _status(frame: pd.DataFrame) -> pd.Series:
    """The outcome of a closed case, "aberto" for any other (metrics.md, "Cases")."""
    return frame["outcome"].astype(object).where(frame["is_closed"], OPEN_STATUS)


def _rate(frame: pd.DataFrame) -> pd.DataFrame:
    return add_rate(frame)


# --------------------------------------------------------------------------- headline numbers
def _headline(data: Data, f: Filters, with_median: bool) -> pd.DataFrame:
    d = _rows(data, f, ["is_closed", "is_attempt", "is_retained", "is_terminated", "outcome", "cros_at_stake", "closure_days"])
    row = {
        "cases": len(d),
        "closed_cases": int(d["is_closed"].sum()),
        "open_cases": int((~d["is_closed"]).sum()),
        "attempts": int(d["is_attempt"].sum()),
        "retained": int(d["is_retained"].sum()),
        "not_retention": int((d["is_closed"] & (d["outcome"] == "nao_se_trata_de_retencao")).sum()),
        "terminations": int(d["is_terminated"].sum()),
        "cros_lost": int(d.loc[d["is_terminated"], "cros_at_stake"].sum()),
    }
    if with_median:
        closure = d["closure_days"].dropna()
        row["median_days"] = closure.median() if len(closure) else math.nan
        row["closure_n"] = len(closure)
    return _rate(pd.DataFrame([row]))


def _with_gaps(out: pd.DataFrame, data: Data, f: Filters) -> pd.DataFrame:
    # the gaps always come from the city coverage, as an analyst would compute them
    gaps = coverage_gaps(data, f)
    out["gap_cities"] = len(gaps)
    out["lives_at_risk"] = int(pd.to_numeric(gaps["lives"]).fillna(0).sum())
    return out


def kpis(data: Data, f: Filters) -> pd.DataFrame:
    return _with_gaps(_headline(data, f, with_median=True), data, f)


def headline_counts(data: Data, f: Filters, gaps: bool = False) -> pd.DataFrame:
    out = _headline(data, f, with_median=False)
    return _with_gaps(out, data, f) if gaps else out


def kpis_with_delta(data: Data, f: Filters) -> pd.DataFrame:
    from ..metrics.summaries import KPI_COLUMNS

    now = kpis(data, f).iloc[0]
    before_filters = f.previous_period()
    before = kpis(data, before_filters).iloc[0] if before_filters else None
    rows = []
    for metric in KPI_COLUMNS:
        value = float(now[metric]) if pd.notna(now[metric]) else math.nan
        previous = float(before[metric]) if before is not None and pd.notna(before[metric]) else math.nan
        rows.append({"metric": metric, "value": value, "previous": previous, "delta": value - previous})
    return pd.DataFrame(rows)


def monthly_outcomes(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["finished_on", "reference_date", "outcome", "is_closed"])
    day = d["finished_on"] if f.period_basis == "finished" else d["reference_date"]
    frame = pd.DataFrame({
        "month": day.dt.to_period("M").dt.to_timestamp(),
        "outcome": _status(d),
    }).dropna(subset=["month"])
    out = frame.groupby(["month", "outcome"]).size().reset_index(name="cases").sort_values(["month", "outcome"])
    out["outcome_label"] = out["outcome"].map(lambda v: STATUS_LABELS.get(v, v))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- termination reasons
def _terminated(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["case_id", "operator_key", "is_terminated", "finished_on", "reference_date"])
    return d[d["is_terminated"]]


def _cited(data: Data, cases: pd.DataFrame) -> pd.DataFrame:
    """Distinct (case, reason) of `cases`, with each reason's vocabulary entry (joined on load)."""
    return data.reasons[data.reasons["case_id"].isin(cases["case_id"])]


def reasons(data: Data, f: Filters) -> pd.DataFrame:
    terminated = _terminated(data, f)
    cited = _cited(data, terminated)
    out = cited.groupby("reason_code").size().reset_index(name="cases")
    out = out.merge(data.reason_vocab, how="left", left_on="reason_code", right_on="code")
    out["label"] = out["label"].fillna(out["reason_code"])
    out["category"] = out["category"].fillna("Sem categoria")
    out = out.merge(data.categories[["category", "controllable"]], how="left", on="category")
    out["controllable"] = out["controllable"].fillna(False).astype(bool)
    out["position"] = out["position"].fillna(9999)
    out["terminated"] = len(terminated)
    out["share"] = out["cases"] / len(terminated) if len(terminated) else math.nan
    out = out.sort_values(["cases", "position", "reason_code"], ascending=[False, True, True])
    out["cumulative_share"] = out["cases"].cumsum() / out["cases"].sum()
    return out[["reason_code", "label", "category", "controllable", "cases", "terminated", "share",
                "cumulative_share"]].reset_index(drop=True)


def reason_categories(data: Data, f: Filters) -> pd.DataFrame:
    terminated = _terminated(data, f)
    cited = _cited(data, terminated).dropna(subset=["category"])
    per = cited.drop_duplicates(["case_id", "category"]).groupby("category").size().rename("cases")
    out = data.categories.merge(per, how="left", left_on="category", right_index=True)
    out["cases"] = out["cases"].fillna(0).astype(int)
    out["terminated"] = len(terminated)
    out["share"] = out["cases"] / len(terminated) if len(terminated) else math.nan
    return out[["category", "controllable", "cases", "terminated", "share"]].reset_index(drop=True)


def reasons_controllable(data: Data, f: Filters) -> pd.DataFrame:
    terminated = _terminated(data, f)
    cited = _cited(data, terminated).merge(data.categories[["category", "controllable"]], how="left", on="category")
    flags = cited.assign(c=cited["controllable"].fillna(False).astype(bool)).groupby("case_id")["c"].any()
    has = terminated["case_id"].map(flags)
    kind = np.where(has.isna(), "no_reason", np.where(has.fillna(False).astype(bool), "controllable", "not_controllable"))
    counts = pd.Series(kind).value_counts()
    labels = {
        "controllable": "Ao menos um motivo controlável pela operadora",
        "not_controllable": "Só motivos fora do controle da operadora",
        "no_reason": "Nenhum motivo informado",
    }
    n = len(terminated)
    return pd.DataFrame([
        {"kind": k, "label": v, "cases": int(counts.get(k, 0)), "terminated": n,
         "share": counts.get(k, 0) / n if n else math.nan}
        for k, v in labels.items()
    ])


def reasons_quarterly(data: Data, f: Filters) -> pd.DataFrame:
    terminated = _terminated(data, f)
    day = terminated["finished_on"] if f.period_basis == "finished" else terminated["reference_date"]
    quartered = pd.DataFrame({"case_id": terminated["case_id"], "day": day}).dropna()
    quartered["quarter"] = quartered["day"].dt.year.astype(str) + "-T" + quartered["day"].dt.quarter.astype(str)
    denominators = quartered.groupby("quarter").size().rename("terminated")
    cited = _cited(data, quartered).merge(quartered[["case_id", "quarter"]], on="case_id").dropna(subset=["category"])
    per = cited.drop_duplicates(["case_id", "category"]).groupby(["quarter", "category"]).size().rename("cases")
    grid = denominators.reset_index().merge(data.categories, how="cross")
    out = grid.merge(per, how="left", left_on=["quarter", "category"], right_index=True)
    out["cases"] = out["cases"].fillna(0).astype(int)
    out["share"] = out["cases"] / out["terminated"]
    out = out.sort_values(["quarter", "position"])
    return out[["quarter", "category", "controllable", "cases", "terminated", "share"]].reset_index(drop=True)


def reasons_operator_category(data: Data, f: Filters) -> pd.DataFrame:
    terminated = _terminated(data, f)
    denominators = _plain(terminated.groupby("operator_key", dropna=False, observed=True).size().rename(
        "terminated").reset_index())
    cited = _cited(data, terminated).merge(terminated[["case_id", "operator_key"]], on="case_id")
    cited = cited.dropna(subset=["category"]).drop_duplicates(["case_id", "category"])
    per = _plain(cited.groupby(["operator_key", "category"], dropna=False, observed=True).size().rename(
        "cases").reset_index())
    grid = denominators.merge(data.categories, how="cross")
    out = grid.merge(per, how="left", on=["operator_key", "category"])
    out["cases"] = out["cases"].fillna(0).astype(int)
    out["share"] = out["cases"] / out["terminated"]
    out["operator"] = out["operator_key"].map(_names(data, "operator_key", "operator")).fillna("Não informada")
    out = out.sort_values(["operator", "position"])
    return out[["operator_key", "operator", "category", "controllable", "cases", "terminated", "share"]].reset_index(drop=True)


# --------------------------------------------------------------------------- closure time
def _closed(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["operator_key", "analyst_key", "closure_days"])
    return d[d["closure_days"].notna()]


def closure_times(data: Data, f: Filters) -> pd.DataFrame:
    closed = _closed(data, f)
    days = closed.groupby("operator_key", dropna=False, observed=True)["closure_days"]
    out = pd.DataFrame({
        "closed": days.size(),
        "median_days": days.quantile(0.5),
        "p75_days": days.quantile(0.75),
        "p90_days": days.quantile(0.9),
    }).reset_index()
    out = _plain(out)
    out["is_total"] = False
    out["operator"] = out["operator_key"].map(_names(data, "operator_key", "operator")).fillna("Não informada")
    total = closed["closure_days"]
    out = pd.concat([out, pd.DataFrame([{
        "operator_key": None, "closed": len(total), "median_days": total.quantile(0.5) if len(total) else math.nan,
        "p75_days": total.quantile(0.75) if len(total) else math.nan,
        "p90_days": total.quantile(0.9) if len(total) else math.nan, "is_total": True, "operator": "Total",
    }])], ignore_index=True)
    out = out.sort_values(["is_total", "median_days", "operator"], ascending=[True, False, True], na_position="last")
    return out[["operator_key", "operator", "closed", "median_days", "p75_days", "p90_days", "is_total"]].reset_index(drop=True)


def closure_distribution(data: Data, f: Filters, bin_days: int = 15) -> pd.DataFrame:
    days = _closed(data, f)["closure_days"]
    start = (np.floor(days / bin_days) * bin_days).astype(int)
    out = start.value_counts().sort_index().rename_axis("bin_start").reset_index(name="cases")
    out["bin_end"] = out["bin_start"] + bin_days - 1
    out["share"] = out["cases"] / out["cases"].sum()
    return out[["bin_start", "bin_end", "cases", "share"]]


def closure_boxes(data: Data, f: Filters, by: str = "operator") -> pd.DataFrame:
    key = "analyst_key" if by == "analyst" else "operator_key"
    closed = _closed(data, f)[[key, "closure_days"]].rename(columns={key: "group_key"})
    days = closed.groupby("group_key", dropna=False, observed=True)["closure_days"]
    stats = pd.DataFrame({
        "n": days.size(), "min_days": days.min(), "q1": days.quantile(0.25), "median": days.quantile(0.5),
        "q3": days.quantile(0.75), "max_days": days.max(),
    }).reset_index()
    stats = _plain(stats)
    stats["low"] = stats["q1"] - 1.5 * (stats["q3"] - stats["q1"])
    stats["high"] = stats["q3"] + 1.5 * (stats["q3"] - stats["q1"])
    joined = closed.merge(stats[["group_key", "low", "high"]], on="group_key", how="left")
    inside_low = joined[joined["closure_days"] >= joined["low"]].groupby("group_key", dropna=False)["closure_days"].min()
    inside_high = joined[joined["closure_days"] <= joined["high"]].groupby("group_key", dropna=False)["closure_days"].max()
    outside = ((joined["closure_days"] < joined["low"]) | (joined["closure_days"] > joined["high"]))
    outliers = outside.groupby(joined["group_key"], dropna=False).sum()
    stats["whisker_low"] = stats["group_key"].map(inside_low)
    stats["whisker_high"] = stats["group_key"].map(inside_high)
    stats["outliers"] = stats["group_key"].map(outliers).fillna(0).astype(int)
    names = _names(data, key, "analyst" if by == "analyst" else "operator")
    stats["name"] = stats["group_key"].map(names).fillna("Não informado" if by == "analyst" else "Não informada")
    stats = stats.sort_values(["median", "name"], ascending=[False, True])
    return stats[["group_key", "name", "n", "min_days", "whisker_low", "q1", "median", "q3", "whisker_high",
                  "max_days", "outliers"]].reset_index(drop=True)


def sla(data: Data, f: Filters) -> pd.DataFrame:
    days = _closed(data, f)["closure_days"]
    n = len(days)
    return pd.DataFrame([{"n": n, **{f"within_{k}": (days <= k).mean() if n else math.nan for k in (30, 60, 90)}}])


_BANDS = (("0–30", 1, 0, 30), ("31–60", 2, 31, 60), ("61–90", 3, 61, 90), ("91–180", 4, 91, 180),
          (">180", 5, 181, None))


def open_by_age_band(data: Data, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    d = _rows(data, f, ["is_closed", "reference_date"])
    opened = d[~d["is_closed"]]
    age = (pd.Timestamp(as_of or dt.date.today()) - opened["reference_date"]).dt.days
    band = pd.cut(age, [-np.inf, 30, 60, 90, 180, np.inf], labels=[b[0] for b in _BANDS])
    counts = band.value_counts()
    rows = [{"band": b, "band_order": o, "min_days": lo, "max_days": hi, "cases": int(counts.get(b, 0))}
            for b, o, lo, hi in _BANDS]
    undated = int(age.isna().sum())
    if undated:
        rows.append({"band": "sem data", "band_order": 6, "min_days": None, "max_days": None, "cases": undated})
    return pd.DataFrame(rows)


def oldest_open_cases(data: Data, f: Filters, as_of: dt.date | None = None, limit: int = 20) -> pd.DataFrame:
    d = _rows(data, f, ["case_id", "is_closed", "reference_date"])
    opened = d[~d["is_closed"] & d["reference_date"].notna()].copy()
    opened["age_days"] = (pd.Timestamp(as_of or dt.date.today()) - opened["reference_date"]).dt.days
    oldest = opened.sort_values(["age_days", "case_id"], ascending=[False, True]).head(limit)
    oldest = data.facts.loc[oldest.index].assign(age_days=oldest["age_days"])
    contacts = data.contacts[data.contacts["case_id"].isin(oldest["case_id"])]
    per = contacts.groupby("case_id").agg(last_contact_on=("contact_date", "max"), contacts=("contact_date", "size"))
    out = oldest.merge(per, how="left", left_on="case_id", right_index=True)
    out["contacts"] = out["contacts"].fillna(0).astype(int)
    out = _shown(data, out)
    out["city"] = out["city_name"]
    out["cpf"] = out["cpf"].map(lambda v: None if pd.isna(v) else privacy.mask_cpf(v))
    out["cnpj"] = out["cnpj"].map(lambda v: None if pd.isna(v) else privacy.mask_cnpj(v))
    return out[["case_id", "protocol_number", "operator_key", "operator", "analyst", "uf", "city", "dentist_name",
                "cpf", "cnpj", "reference_date", "age_days", "outcome", "last_contact_on", "contacts"]].reset_index(drop=True)


# --------------------------------------------------------------------------- Conformidade ANS
def compliance(data: Data, f: Filters, as_of: dt.date | None = None, limit: int | None = None,
               offset: int = 0) -> pd.DataFrame:
    today = pd.Timestamp(as_of or dt.date.today())
    d = data.facts.loc[mask(data, f) & data.facts["is_terminated"]].copy()
    record = data.substitutions.reindex(d["case_key"])
    record.index = d.index
    for column in ("exit_date", "notice_date", "entered_at"):
        record[column] = pd.to_datetime(record[column])
    d["exit_date"] = record["exit_date"].fillna(d["finished_on"])
    d["notice_date"] = record["notice_date"]
    due = d["exit_date"] - pd.Timedelta(days=30)
    d["notice_due"] = due
    d["notice_status"] = np.select([d["notice_date"].isna(), d["notice_date"] <= due], ["sem_aviso", "no_prazo"],
                                   "atrasado")
    has_substitute = record["substitute_cro"].notna() | record["substitute_name"].notna() | record["substitute_city"].notna()
    same = (record["substitute_uf"] == d["uf"]) & record["substitute_ibge_code"].notna() & (
        record["substitute_ibge_code"] == d["ibge_code"])
    d["substitute_status"] = np.select([~has_substitute, same], ["sem_substituto", "mesmo_municipio"], "outro_municipio")
    d["sole_provider"] = d["unique_cros_listed"].notna() & (d["unique_cros_listed"] <= d["cros_at_stake"])
    d["publication_until"] = d["notice_date"] + pd.Timedelta(days=180)
    waited = np.where(has_substitute, (record["entered_at"].dt.normalize() - d["exit_date"]).dt.days,
                      (today - d["exit_date"]).dt.days)
    d["days_without_substitute"] = pd.Series(np.maximum(waited, 0), index=d.index).where(d["exit_date"].notna())
    d["days_to_notice_due"] = (due - today).dt.days.where(d["notice_status"] == "sem_aviso")
    d["operator"] = d["operator_key"].map(_names(data, "operator_key", "operator")).fillna(d["operator"])
    d["city"] = d["city_name"]
    for column in ("substitute_cro", "substitute_uf", "substitute_city", "substitute_name"):
        d[column] = record[column]
    d = _plain(d).sort_values(["exit_date", "protocol_number", "case_id"], na_position="last").iloc[offset:]
    d = d if limit is None else d.head(limit)
    return d[["case_id", "protocol_number", "operator", "uf", "city", "lives", "exit_date", "notice_due",
              "notice_date", "notice_status", "publication_until", "substitute_status", "sole_provider",
              "days_without_substitute", "days_to_notice_due"]].reset_index(drop=True)


def compliance_kpis(data: Data, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    rows = compliance(data, f, as_of)
    lives = pd.to_numeric(rows["lives"], errors="coerce").fillna(0)
    return pd.DataFrame([{
        "terminations": len(rows),
        "with_substitute_same_city": int((rows["substitute_status"] == "mesmo_municipio").sum()),
        "notices_on_time": int((rows["notice_status"] == "no_prazo").sum()),
        "lives_without_substitute": int(lives[rows["substitute_status"] == "sem_substituto"].sum()),
        "sole_provider_terminations": int(rows["sole_provider"].sum()),
    }])


def compliance_sole_provider_cities(data: Data, f: Filters, as_of: dt.date | None = None) -> pd.DataFrame:
    rows = compliance(data, f, as_of)
    sole = rows[rows["sole_provider"]]
    out = (sole.assign(lives=pd.to_numeric(sole["lives"], errors="coerce"),
                       without=(sole["substitute_status"] == "sem_substituto").astype("int64"))
           .groupby(["uf", "city"], dropna=False)
           .agg(lives=("lives", "max"), terminations=("protocol_number", "size"), without_substitute=("without", "sum"))
           .reset_index()
           .sort_values(["lives", "uf", "city"], ascending=[False, True, True], na_position="last"))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- network coverage
def _located(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a UF and a city, with `city_num`: the IBGE code, or minus (1 + the code of the
    unmatched name's key) — a number per city, so grouping never builds a million id strings."""
    located = frame[frame["uf"].notna() & frame["city_key"].notna()]
    keys = located["city_key"].cat.codes.astype("int64")
    num = located["ibge_code"].astype("float64").fillna(-(keys + 1).astype("float64")).astype("int64")
    return located.assign(city_num=num)


def _city_names(located: pd.DataFrame, index: pd.MultiIndex) -> pd.Series:
    """The name of each (uf, city_num) of `index`, in its order: the IBGE name, else the spelling
    written most often (ties: alphabetical) — coverage_city.sql's and views.sql's sidebar_choices_of rule."""
    official = located.dropna(subset=["city_official"]).assign(
        city_official=lambda x: x["city_official"].astype(object)).groupby(["uf", "city_num"], observed=True)[
        "city_official"].max()
    written = located.groupby(["uf", "city_num", "city"], observed=True).size().reset_index(name="n")
    written["city"] = written["city"].astype(object)
    written = written.sort_values(["n", "city"], ascending=[False, True]).drop_duplicates(["uf", "city_num"])
    written = written.set_index(["uf", "city_num"])["city"]
    return pd.Series(official.reindex(index).to_numpy(), dtype=object).fillna(
        pd.Series(written.reindex(index).to_numpy(), dtype=object))


def _city_id(data: Data, uf: pd.Series, num: pd.Series) -> pd.Series:
    """'UF|ibge' or 'UF|city_key' (filters.city_value) from _located's (uf, city_num)."""
    names = data.facts["city_key"].cat.categories
    text = [str(n) if n >= 0 else names[-n - 1] for n in num]
    return uf.astype(str) + "|" + pd.Series(text, index=uf.index)


def coverage_city(data: Data, f: Filters) -> pd.DataFrame:
    columns = ["case_id", "uf", "city_key", "ibge_code", "city", "city_official", "reference_date", "lives",
               "unique_cros_listed"]
    scope = _located(_rows(data, f, columns, include_period=False))
    groups = scope.groupby(["uf", "city_num"], observed=True)
    cities = groups.agg(ibge_code=("ibge_code", "max")).reset_index()
    index = pd.MultiIndex.from_frame(cities[["uf", "city_num"]])
    cities["city"] = _city_names(scope, index)
    # The most recent case stating lives / listed CROs: latest reference date, then latest ingested.
    order = scope.assign(day=scope["reference_date"].fillna(_EPOCH_DAY)).sort_values(["day", "case_id"])
    lives = order.dropna(subset=["lives"]).groupby(["uf", "city_num"], observed=True)["lives"].last()
    listed = order.dropna(subset=["unique_cros_listed"]).groupby(["uf", "city_num"], observed=True)[
        "unique_cros_listed"].last()
    period = _located(_rows(data, f, ["case_id", "uf", "city_key", "ibge_code", "is_terminated", "cros_at_stake"]))
    period = period.assign(lost=period["cros_at_stake"].where(period["is_terminated"], 0))
    counts = period.groupby(["uf", "city_num"], observed=True).agg(
        cases=("case_id", "size"), terminations=("is_terminated", "sum"), cros_lost=("lost", "sum"))
    cities["lives"] = lives.reindex(index).to_numpy()
    cities["listed_cros"] = listed.reindex(index).to_numpy()
    for column in ("cases", "terminations", "cros_lost"):
        cities[column] = counts[column].reindex(index).fillna(0).astype(int).to_numpy()
    cities["city_id"] = _city_id(data, cities["uf"], cities["city_num"])
    cities["uf"] = cities["uf"].astype(object)
    cities["gap"] = ((cities["cros_lost"] > 0) & (cities["cros_lost"] >= cities["listed_cros"])).fillna(False).astype(bool)
    out = cities.sort_values(["gap", "lives", "uf", "city"], ascending=[False, False, True, True], na_position="last")
    return out[["uf", "city", "city_id", "ibge_code", "lives", "listed_cros", "cases", "terminations", "cros_lost",
                "gap"]].reset_index(drop=True)


def coverage_gaps(data: Data, f: Filters) -> pd.DataFrame:
    cities = coverage_city(data, f)
    gaps = cities[cities["gap"]].sort_values(["lives", "cros_lost", "uf", "city"], ascending=[False, False, True, True],
                                             na_position="last")
    return gaps[["uf", "city", "ibge_code", "lives", "listed_cros", "cros_lost", "terminations"]].reset_index(drop=True)


def coverage_uf(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["uf", "case_id", "is_attempt", "is_retained", "is_terminated", "cros_at_stake"])
    per = d.assign(lost=d["cros_at_stake"].where(d["is_terminated"], 0)).groupby("uf").agg(
        cases=("case_id", "size"), attempts=("is_attempt", "sum"), retained=("is_retained", "sum"),
        terminations=("is_terminated", "sum"), cros_lost=("lost", "sum"))
    out = data.ufs.rename(columns={"name": "uf_name"}).merge(per, how="left", left_on="uf", right_index=True)
    for column in ("cases", "attempts", "retained", "terminations", "cros_lost"):
        out[column] = out[column].fillna(0).astype(int)
    out["retention_rate"] = np.where(out["attempts"] > 0, out["retained"] / out["attempts"].where(out["attempts"] > 0, 1),
                                     np.nan)
    gaps = coverage_gaps(data, f)
    by_uf = gaps.assign(lives=pd.to_numeric(gaps["lives"]).fillna(0)).groupby("uf").agg(
        gap_cities=("city", "size"), lives_at_risk=("lives", "sum"))
    out["gap_cities"] = out["uf"].map(by_uf["gap_cities"]).fillna(0).astype(int)
    out["lives_at_risk"] = out["uf"].map(by_uf["lives_at_risk"]).fillna(0).astype(int)
    return out[["uf", "uf_name", "cases", "attempts", "retained", "retention_rate", "terminations", "cros_lost",
                "gap_cities", "lives_at_risk", "population", "tile_row", "tile_col"]].reset_index(drop=True)


# --------------------------------------------------------------------------- effectiveness
def _effectiveness(data: Data, f: Filters, by: str) -> pd.DataFrame:
    key = "analyst_key" if by == "analyst" else "operator_key"
    d = _rows(data, f, [key, "case_id", "is_closed", "is_attempt", "is_retained", "is_terminated", "outcome",
                        "closure_days"]).rename(columns={key: "group_key"})
    d = d.assign(not_ret=d["is_closed"] & (d["outcome"] == "nao_se_trata_de_retencao"),
                 within=(d["closure_days"] <= 60).where(d["closure_days"].notna()))
    groups = d.groupby("group_key", dropna=False, observed=True)
    out = groups.agg(cases=("case_id", "size"), closed=("is_closed", "sum"), attempts=("is_attempt", "sum"),
                     retained=("is_retained", "sum"), not_retention=("not_ret", "sum"),
                     terminations=("is_terminated", "sum"), median_days=("closure_days", "median"),
                     closed_within_60=("within", "mean")).reset_index()
    out = _plain(out)
    out["open_cases"] = out["cases"] - out["closed"]
    terminated = d[d["is_terminated"]]
    cited = _cited(data, terminated).merge(terminated[["case_id", "group_key"]], on="case_id")
    counts = cited.groupby(["group_key", "reason_code"], dropna=False).agg(
        cases=("case_id", "size"), label=("label", "first"), position=("position", "first")).reset_index()
    counts["label"] = counts["label"].fillna(counts["reason_code"])
    counts["position"] = counts["position"].fillna(9999)
    counts = counts.sort_values(["group_key", "cases", "position", "reason_code"], ascending=[True, False, True, True])
    top = counts.groupby("group_key", dropna=False).head(3)
    top = top.assign(text=top["label"] + " (" + top["cases"].astype(str) + ")")
    joined = top.groupby("group_key", dropna=False, sort=False)["text"].agg(", ".join)
    out["top_reasons"] = out["group_key"].map(joined)
    if out["group_key"].isna().any() and joined.index.isna().any():
        out.loc[out["group_key"].isna(), "top_reasons"] = joined[joined.index.isna()].iloc[0]
    names = _names(data, key, "analyst" if by == "analyst" else "operator")
    out["name"] = out["group_key"].map(names).fillna("Não informado" if by == "analyst" else "Não informada")
    out = rank_rates(_rate(out))
    out = out.sort_values(["rank", "attempts", "name"], ascending=[True, False, True], na_position="last")
    return out.reset_index(drop=True)


def effectiveness_operator(data: Data, f: Filters) -> pd.DataFrame:
    return _effectiveness(data, f, "operator").rename(columns={"group_key": "operator_key", "name": "operator"})


def effectiveness_analyst(data: Data, f: Filters) -> pd.DataFrame:
    return _effectiveness(data, f, "analyst").rename(columns={"group_key": "analyst_key", "name": "analyst"})


def actions(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["case_id", "is_attempt", "is_retained"])
    attempts = d[d["is_attempt"]][["case_id", "is_retained"]]
    offered = data.actions[data.actions["case_id"].isin(attempts["case_id"])].drop_duplicates()
    offered = offered.merge(attempts, on="case_id")
    per = offered.groupby("action_code").agg(attempts_offered=("case_id", "size"),
                                             retained_offered=("is_retained", "sum"))
    out = pd.DataFrame({"action_code": [t.code for t in ACTIONS], "label": [t.label for t in ACTIONS]})
    out = out.merge(per, how="left", left_on="action_code", right_index=True).fillna(
        {"attempts_offered": 0, "retained_offered": 0})
    out["attempts_not_offered"] = len(attempts) - out["attempts_offered"]
    out["retained_not_offered"] = int(attempts["is_retained"].sum()) - out["retained_offered"]
    for side in ("offered", "not_offered"):
        out = add_rate(out, successes=f"retained_{side}", n=f"attempts_{side}", rate=f"rate_{side}",
                       low=f"ci_low_{side}", high=f"ci_high_{side}", small=f"small_sample_{side}")
    out["difference"] = out["rate_offered"] - out["rate_not_offered"]
    return out


def requested_by(data: Data, f: Filters) -> pd.DataFrame:
    d = _rows(data, f, ["requested_by", "case_id", "is_attempt", "is_retained"])
    out = _plain(d.groupby("requested_by", dropna=False, observed=True).agg(
        cases=("case_id", "size"), attempts=("is_attempt", "sum"), retained=("is_retained", "sum")).reset_index())
    out = _rate(out)
    labels = {t.code: t.label for t in REQUESTERS}
    out["label"] = out["requested_by"].map(lambda v: "Não informado" if pd.isna(v) else labels.get(v, v))
    return out.sort_values(["cases", "requested_by"], ascending=[False, True], na_position="last").reset_index(drop=True)


# --------------------------------------------------------------------------- case lists
def cases_count(data: Data, f: Filters, search: str | None = None) -> int:
    return int(mask(data, f).sum())


def cases(data: Data, f: Filters, limit: int = 100, offset: int = 0, search: str | None = None) -> pd.DataFrame:
    d = _rows(data, f, ["reference_date", "case_id"])
    keep = d.sort_values(["reference_date", "case_id"], ascending=[False, False], na_position="last").index
    page = data.facts.loc[keep[offset:offset + limit]].copy()
    cited = _cited(data, page).sort_values(["case_id", "position"])
    cited["label"] = cited["label"].fillna(cited["reason_code"])
    reasons_text = cited.groupby("case_id")["label"].agg(", ".join)
    offered = data.actions[data.actions["case_id"].isin(page["case_id"])].drop_duplicates().sort_values(
        ["case_id", "action_code"])
    labels = {t.code: t.label for t in ACTIONS}
    actions_text = offered.assign(label=offered["action_code"].map(lambda c: labels.get(c, c))).groupby(
        "case_id")["label"].agg(", ".join)
    page["status"] = _status(page)
    page["reasons"] = page["case_id"].map(reasons_text)
    page["actions"] = page["case_id"].map(actions_text)
    page = _shown(data, page)
    page["city"] = page["city_name"]
    page["cpf"] = page["cpf"].map(lambda v: None if pd.isna(v) else privacy.mask_cpf(v))
    page["cnpj"] = page["cnpj"].map(lambda v: None if pd.isna(v) else privacy.mask_cnpj(v))
    return page.reset_index(drop=True)


# --------------------------------------------------------------------------- data quality
_BLANK_FIELDS = tuple(f.key for f in quality_fields())  # views.sql's blank_fields, from the field registry


def quality(data: Data, f: Filters, limit: int = QUALITY_LIST_LIMIT,
            parts: tuple[str, ...] | None = None, offset: int = 0) -> dict[str, pd.DataFrame]:
    """metrics.quality in pandas: only the frames of `parts` (all by default) are computed, as the
    SQL side runs only their queries."""
    wanted = set(QUALITY_PARTS if parts is None else parts)
    d = _rows(data, f, list(dict.fromkeys(["case_id", "key_code", "warning_count", "source", "protocol_number",
                                           "operator", "operator_key", "analyst", "analyst_key", "uf", "city",
                                           "city_key", "ibge_code",
                                           *_BLANK_FIELDS])))
    everyone = f.allowed_operators is None
    out: dict[str, pd.DataFrame] = {}
    unmatched = _plain(d.loc[d["city"].notna() & d["ibge_code"].isna(), ["uf", "city", "city_key"]].copy())
    history = data.versions[data.versions["key_code"].isin(d["key_code"])]
    rejected = data.rejected if everyone else data.rejected.iloc[0:0]
    if "summary" in wanted:
        old = history[~history["is_current"]]
        out["summary"] = pd.DataFrame([{
            "cases": len(d), "forms_with_warnings": int((d["warning_count"] > 0).sum()),
            "unmatched_city_cases": len(unmatched),
            "unmatched_cities": unmatched[["uf", "city_key"]].drop_duplicates().dropna().shape[0],
            "superseded_versions": len(old), "cases_with_versions": old["key_code"].nunique(),
            "rejected_documents": len(rejected),
        }])
    flagged = d[d["warning_count"] > 0]
    if "warnings" in wanted:
        listed = flagged.sort_values(["warning_count", "case_id"], ascending=[False, False]).iloc[offset:].head(limit)
        texts = data.warnings[data.warnings["case_id"].isin(listed["case_id"])].sort_values(["case_id", "position"])
        joined = texts.groupby("case_id")["message"].agg(" · ".join)
        out["warnings"] = _plain(_shown(data, listed[["case_id", "source", "protocol_number", "operator", "operator_key",
                                                      "analyst", "analyst_key", "warning_count"]].copy()).assign(
            warnings=listed["case_id"].map(joined).to_numpy()).reset_index(drop=True))
    if "warning_messages" in wanted:
        messages = data.warnings[data.warnings["case_id"].isin(flagged["case_id"])].drop_duplicates(["case_id", "message"])
        out["warning_messages"] = messages.groupby("message").size().reset_index(name="cases").sort_values(
            ["cases", "message"], ascending=[False, True]).head(limit).reset_index(drop=True)
    if "blank_fields" in wanted:
        total = len(d)
        blank = pd.DataFrame([
            {"field": name, "label": BY_KEY[name].people_label,
             "blank": int(d[name].isna().sum()), "cases": total}
            for name in _BLANK_FIELDS
        ])
        blank["share"] = blank["blank"] / total if total else math.nan
        out["blank_fields"] = blank.sort_values(["blank", "field"], ascending=[False, True]).reset_index(drop=True)
    if "unmatched_cities" in wanted:
        spelled = unmatched[["uf", "city_key", "city"]].value_counts().reset_index(name="n").sort_values(
            ["n", "city"], ascending=[False, True]).drop_duplicates(["uf", "city_key"])
        cities = unmatched.groupby(["uf", "city_key"]).size().rename("cases").reset_index().merge(
            spelled[["uf", "city_key", "city"]], on=["uf", "city_key"])
        out["unmatched_cities"] = cities.sort_values(["cases", "uf", "city"], ascending=[False, True, True])[
            ["uf", "city", "city_key", "cases"]].reset_index(drop=True)
    if "superseded" in wanted:
        sizes = history["key_code"].value_counts()
        repeated = history[history["key_code"].isin(sizes.index[sizes > 1])].sort_values("case_id")
        versions = repeated.groupby("key_code").agg(versions=("case_id", "size"), case_ids=("case_id", list))
        superseded = _plain(_shown(data, d[d["key_code"].isin(versions.index)][
            ["case_id", "protocol_number", "operator", "operator_key", "source", "key_code"]].copy()))
        superseded = superseded.merge(versions, left_on="key_code", right_index=True).rename(
            columns={"case_id": "current_case_id"}).sort_values(["versions", "current_case_id"], ascending=[False, False])
        out["superseded"] = superseded[["current_case_id", "protocol_number", "operator", "versions", "case_ids",
                                        "source"]].head(limit).reset_index(drop=True)
    if "rejected" in wanted:
        out["rejected"] = rejected.sort_values(["ingested_at", "document_id"], ascending=False).head(limit).reset_index(
            drop=True)
    return out


# --------------------------------------------------------------------------- sidebar choices
def filter_options(data: Data, f: Filters) -> dict[str, Any]:
    d = _rows(data, f.access_only(), ["case_id", "operator_key", "analyst_key", "uf", "city_key", "ibge_code", "city",
                                      "city_official", "requested_by", "outcome", "is_closed", "reference_date",
                                      "finished_on"])
    out: dict[str, Any] = {}
    ops = _counts(d["operator_key"])
    ops["label"] = ops["value"].map(_names(data, "operator_key", "operator")).fillna(ops["value"])
    out["operators"] = ops
    analysts = _counts(d["analyst_key"])
    analysts["label"] = analysts["value"].map(_names(data, "analyst_key", "analyst")).fillna(analysts["value"])
    out["analysts"] = analysts
    out["ufs"] = _counts(d["uf"]).assign(label=lambda x: x["value"])
    located = _located(d)
    cities = located.groupby(["uf", "city_num"], observed=True).agg(cases=("case_id", "size")).reset_index()
    index = pd.MultiIndex.from_frame(cities[["uf", "city_num"]])
    name = _city_names(located, index)
    cities["value"] = _city_id(data, cities["uf"], cities["city_num"])
    cities["uf"] = cities["uf"].astype(object)
    cities["label"] = name + " (" + cities["uf"] + ")"
    if f.ufs:
        cities = cities[cities["uf"].isin(f.ufs)]
    out["cities"] = cities[["value", "label", "uf", "cases"]]
    out["requested_by"] = _counts(d["requested_by"])
    out["outcomes"] = _counts(_status(d))
    for kind in ("operators", "analysts", "ufs", "cities", "requested_by"):
        frame = out[kind]
        if "label" not in frame:
            frame = frame.assign(label=frame["value"])
        out[kind] = frame.sort_values("label", kind="stable").reset_index(drop=True)
    order = {code: i for i, code in enumerate(STATUS_LABELS)}
    out["outcomes"] = out["outcomes"].sort_values("value", key=lambda s: s.map(lambda v: order.get(v, 99))).reset_index(
        drop=True)
    out["min_date"], out["max_date"] = d["reference_date"].min(), d["reference_date"].max()
    out["min_finished"], out["max_finished"] = d["finished_on"].min(), d["finished_on"].max()
    return out


# --------------------------------------------------------------------------- Fila de trabalho
def work_queue(data: Data, f: Filters, as_of: dt.date | None = None, soon: int = 5, limit: int | None = None,
               soon_only: bool = False, offset: int = 0) -> pd.DataFrame:
    d = data.facts.loc[mask(data, f) & ~data.facts["is_closed"]].copy()
    d["age_days"] = (pd.Timestamp(as_of or dt.date.today()) - d["reference_date"]).dt.days
    d["band_order"] = pd.cut(d["age_days"], [-np.inf, 30, 60, 90, np.inf], labels=[1, 2, 3, 4]).astype("float")
    d["band"] = d["band_order"].map({1: "0–30", 2: "31–60", 3: "61–90", 4: "> 90"}).fillna("sem data")
    d["days_to_next_band"] = d["band_order"].map({1: 31, 2: 61, 3: 91}) - d["age_days"].clip(lower=0)
    d["about_to_cross"] = (d["days_to_next_band"] <= soon).fillna(False)
    contacts = data.contacts[data.contacts["case_id"].isin(d["case_id"])]
    last = contacts.groupby("case_id")["contact_date"].max().rename("last_contact_on")
    d = d.merge(last, how="left", left_on="case_id", right_index=True)
    d = _shown(data, d)  # categoricals of the loaded facts: fillna needs plain objects
    d["city"] = d["city_name"]
    d = _plain(d).sort_values(["age_days", "case_id"], ascending=[False, True], na_position="last")
    d = (d[d["about_to_cross"].astype(bool)] if soon_only else d).iloc[offset:]
    d = d if limit is None else d.head(limit)
    return d[["case_id", "protocol_number", "operator_key", "operator", "analyst_key", "analyst", "uf", "city",
              "dentist_name", "reference_date", "age_days", "band_order", "band", "days_to_next_band",
              "about_to_cross", "last_contact_on"]].reset_index(drop=True)


def work_queue_bands(data: Data, f: Filters, as_of: dt.date | None = None, soon: int = 5) -> pd.DataFrame:
    rows = work_queue(data, f, as_of, soon)
    out = (rows.assign(order=rows["band_order"].fillna(5), soon=rows["about_to_cross"].astype("int64"))
           .groupby(["order", "band"]).agg(cases=("case_id", "size"), about_to_cross=("soon", "sum")).reset_index())
    out["band_order"] = out["order"].where(out["order"] < 5)
    return out[["band_order", "band", "cases", "about_to_cross"]]


def work_queue_terminations(data: Data, f: Filters, as_of: dt.date | None = None,
                            limit: int | None = None, offset: int = 0) -> pd.DataFrame:
    rows = compliance(data, f, as_of)
    no_notice, no_substitute = rows["notice_status"] == "sem_aviso", rows["substitute_status"] == "sem_substituto"
    rows = rows[no_notice | no_substitute].copy()
    rows["missing"] = np.select([no_notice[rows.index] & no_substitute[rows.index], no_notice[rows.index]],
                                ["aviso e substituto", "aviso"], "substituto")
    rows = rows.sort_values(["days_to_notice_due", "exit_date", "case_id"], na_position="last").iloc[offset:]
    rows = rows if limit is None else rows.head(limit)
    return rows[["case_id", "protocol_number", "operator", "uf", "city", "exit_date", "notice_due", "notice_status",
                 "days_to_notice_due", "substitute_status", "days_without_substitute", "missing"]].reset_index(drop=True)


def work_queue_terminations_count(data: Data, f: Filters, as_of: dt.date | None = None) -> int:
    return len(work_queue_terminations(data, f, as_of))


# --------------------------------------------------------------------------- pages
# Each page of the app, as the pandas functions of the summaries metrics.pages.PAGE_QUERIES lists.
_BY_NAME: dict[str, Callable[..., Any]] = {
    "filter_options": filter_options, "kpis": kpis, "headline_counts": headline_counts,
    "kpis_with_delta": kpis_with_delta,
    "monthly_outcomes": monthly_outcomes, "reasons": reasons, "reason_categories": reason_categories,
    "reasons_controllable": reasons_controllable, "reasons_quarterly": reasons_quarterly,
    "reasons_operator_category": reasons_operator_category, "closure_times": closure_times,
    "closure_distribution": closure_distribution, "closure_boxes_operator": lambda d, f: closure_boxes(d, f, "operator"),
    "closure_boxes_analyst": lambda d, f: closure_boxes(d, f, "analyst"), "sla": sla,
    "open_by_age_band": open_by_age_band, "oldest_open_cases": oldest_open_cases, "coverage_city": coverage_city,
    "coverage_gaps": coverage_gaps, "coverage_uf": coverage_uf, "effectiveness_operator": effectiveness_operator,
    "effectiveness_analyst": effectiveness_analyst, "actions": actions, "requested_by": requested_by,
    "cases_count": cases_count, "cases": cases, "quality": quality, "compliance": compliance,
    "quality_warnings": lambda d, f, limit=QUALITY_LIST_LIMIT, offset=0: quality(
        d, f, limit=limit, parts=("warnings",), offset=offset)["warnings"],
    "compliance_kpis": compliance_kpis, "compliance_sole_provider_cities": compliance_sole_provider_cities,
    "work_queue": work_queue, "work_queue_terminations": work_queue_terminations,
    "work_queue_terminations_count": work_queue_terminations_count, "work_queue_bands": work_queue_bands,
}


def summary(data: Data, name: str, f: Filters, kwargs: dict[str, Any] | None = None) -> Any:
    """The pandas version of summary `name` (a metrics function or TABLES name)."""
    return _BY_NAME[name](data, f, **(kwargs or {}))


def page(data: Data, title: str, f: Filters) -> list[Any]:
    """Every summary the page `title` shows (metrics.pages.PAGE_QUERIES), computed in pandas."""
    from ..metrics.pages import PAGE_QUERIES

    return [summary(data, q.name, q.filters_for(f), dict(q.kwargs)) for q in PAGE_QUERIES[title]]
