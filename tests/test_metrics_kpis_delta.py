"""kpis_with_delta in one pass (sql/kpis_delta.sql) gives exactly the numbers of kpis() run on the
selected period and on the previous one, as it computed them before: on the demo corpus ingested
from real files and on a synthetic store, under filters of every kind."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pytest

from retention_analytics.demo.synth import synthesize
from retention_analytics.filters import Filters
from retention_analytics.metrics import KPI_COLUMNS, kpis, kpis_with_delta
from retention_analytics.store import open_store

FILTERS = {
    "ano": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
    "mes": Filters(start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31)),
    "90 dias": Filters(start=dt.date(2025, 2, 10), end=dt.date(2025, 5, 10)),
    "data final": Filters(start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30), period_basis="finished"),
    "uf e status": Filters(start=dt.date(2024, 7, 1), end=dt.date(2025, 6, 30), ufs=("SP", "MG"),
                           outcomes=("aberto", "desligamento")),
    "operadora": Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), operators=("odontolife",)),
    "acesso": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30), allowed_operators=("odontolife",)),
    "sem acesso": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30), allowed_operators=()),
    "antes dos dados": Filters(start=dt.date(2001, 1, 1), end=dt.date(2001, 12, 31)),
    "dia": Filters(start=dt.date(2025, 5, 5), end=dt.date(2025, 5, 5), requested_by=("operadora",)),
    "sem período": Filters(),
}


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("kpis") / "synth.duckdb")
    store.bulk_insert_cases(synthesize(3000, 5), origin="demo", is_demo=True)
    return store.path


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def _number(value) -> float:
    try:
        return math.nan if value is None or value != value else float(value)
    except (TypeError, ValueError):
        return math.nan


@pytest.mark.parametrize("name", list(FILTERS))
@pytest.mark.parametrize("corpus", ["demo_db", "synth_db"])
def test_one_pass_equals_kpis_of_each_period(request, corpus, name):
    con = duckdb.connect(str(request.getfixturevalue(corpus)), read_only=True)
    try:
        f = FILTERS[name]
        got = kpis_with_delta(con, f).set_index("metric")
        now = kpis(con, f).iloc[0]
        previous = f.previous_period()
        before = kpis(con, previous).iloc[0] if previous else None
        assert list(got.index) == list(KPI_COLUMNS)
        for metric in KPI_COLUMNS:
            value = _number(now[metric])
            prior = _number(before[metric]) if before is not None else math.nan
            assert _same(got.loc[metric, "value"], value), (metric, got.loc[metric, "value"], value)
            assert _same(got.loc[metric, "previous"], prior), (metric, got.loc[metric, "previous"], prior)
            delta = value - prior if not (math.isnan(value) or math.isnan(prior)) else math.nan
            assert _same(got.loc[metric, "delta"], delta)
    finally:
        con.close()


def test_the_filters_reach_data_in_both_periods(demo_db):
    """The comparison above is not vacuous: some filter has cases and gaps in both periods."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        got = kpis_with_delta(con, FILTERS["ano"]).set_index("metric")
        assert got.loc["cases", "value"] > 0 and got.loc["cases", "previous"] > 0
        assert got.loc["terminations", "value"] > 0 and got.loc["terminations", "previous"] > 0
    finally:
        con.close()
