"""The headline numbers in one pass (sql/kpis_delta.sql) equal their definition: kpis.sql's totals
with the retention rate, plus the gap cities and lives at risk of the city coverage
(coverage_city.sql, the gaps' one definition). kpis_with_delta for the selected period and the
previous one, and kpis() both ways it can go (one pass, or from a city coverage the page already
computed): on the demo corpus ingested from real files and on a synthetic store, under filters of
every kind, open-ended periods included."""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd
import pytest

from retention_analytics.demo.synth import synthesize
from retention_analytics.filters import Filters
from retention_analytics.metrics import KPI_COLUMNS, coverage_city, headline_counts, kpis, kpis_with_delta, query
from retention_analytics.metrics.stats import add_rate
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
    "desde": Filters(start=dt.date(2025, 1, 1), ufs=("SP",)),
    "até": Filters(end=dt.date(2024, 12, 31)),
    "desde, data final": Filters(start=dt.date(2025, 3, 1), period_basis="finished"),
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


@pytest.fixture(params=["demo_db", "synth_db"])
def con(request):
    """A read-only connection to each corpus in turn."""
    connection = duckdb.connect(str(request.getfixturevalue(request.param)), read_only=True)
    yield connection
    connection.close()


def _defined(con, f: Filters):
    """The headline numbers as metrics.md defines them: kpis.sql's totals and rate, and the gaps
    of the city coverage (computed afresh, not shared)."""
    query.clear_shared()
    out = add_rate(query.run(con, "kpis", f, with_median=True)).iloc[0].to_dict()
    cities = coverage_city(con, f)
    gaps = cities[cities["gap"]]
    out["gap_cities"] = len(gaps)
    out["lives_at_risk"] = int(gaps["lives"].fillna(0).sum())
    query.clear_shared()
    return out


@pytest.mark.parametrize("name", list(FILTERS))
def test_kpis_both_ways_equal_their_definition(con, name):
    f = FILTERS[name]
    expected = _defined(con, f)
    query.clear_shared()
    one_pass = kpis(con, f).iloc[0]
    counts = headline_counts(con, f).iloc[0]  # Efetividade's cards
    beside = headline_counts(con, f, gaps=True).iloc[0]  # Cobertura's: the city coverage kept beside
    assert query.known(con, "coverage_city", f, network_kept=not (f.start or f.end) and not (
        f.analysts or f.outcomes or f.requested_by)) is not None
    shared = kpis(con, f).iloc[0]  # then any later call takes the gaps from that frame
    query.clear_shared()
    assert list(one_pass.index) == list(shared.index) == list(expected)
    assert list(beside.index) == [c for c in expected if c not in ("median_days", "closure_n")]
    assert list(counts.index) == [c for c in beside.index if c not in ("gap_cities", "lives_at_risk")]
    for column, value in expected.items():
        for got in (one_pass, beside, shared, counts):
            if column not in got.index:
                continue
            if column == "small_sample":  # a flag, not a number
                assert bool(got[column]) == bool(value), column
            else:
                assert _same(_number(got[column]), _number(value)), (column, got[column], value)


@pytest.mark.parametrize("name", list(FILTERS))
def test_one_pass_equals_kpis_of_each_period(con, name):
    f = FILTERS[name]
    got = kpis_with_delta(con, f).set_index("metric")
    now = _defined(con, f)
    previous = f.previous_period()
    before = _defined(con, previous) if previous else None
    assert list(got.index) == list(KPI_COLUMNS)
    for metric in KPI_COLUMNS:
        value = _number(now[metric])
        prior = _number(before[metric]) if before is not None else math.nan
        assert _same(got.loc[metric, "value"], value), (metric, got.loc[metric, "value"], value)
        assert _same(got.loc[metric, "previous"], prior), (metric, got.loc[metric, "previous"], prior)
        delta = value - prior if not (math.isnan(value) or math.isnan(prior)) else math.nan
        assert _same(got.loc[metric, "delta"], delta)


def test_the_filters_reach_data_in_both_periods(demo_db):
    """The comparison above is not vacuous: some filter has cases and gaps in both periods."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        got = kpis_with_delta(con, FILTERS["ano"]).set_index("metric")
        assert got.loc["cases", "value"] > 0 and got.loc["cases", "previous"] > 0
        assert got.loc["terminations", "value"] > 0 and got.loc["terminations", "previous"] > 0
    finally:
        con.close()


# The network the store keeps per operator, UF and city (views.sql, city_network) answers the city
# rows of any filters naming only operators, UFs and cities: both ways give the same frames.
NETWORK_FILTERS = {
    "sem filtros": Filters(),
    "UFs": Filters(ufs=("SP", "MG", "AC")),
    "operadoras": Filters(operators=("odontolife", "uniodonto")),
    "cidades": Filters(),  # two cities of the store: see the test
    "gestor": Filters(allowed_operators=("odontolife",)),
    "gestor e UF": Filters(ufs=("RJ", "SP"), allowed_operators=("odontolife", "uniodonto")),
    "sem acesso": Filters(allowed_operators=()),
}
PERIODS = {"sem período": {}, "ano": {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)},
           "desde, data final": {"start": dt.date(2025, 3, 1), "period_basis": "finished"}}


@pytest.mark.parametrize("period", list(PERIODS))
@pytest.mark.parametrize("name", list(NETWORK_FILTERS))
def test_the_kept_network_and_the_scan_give_the_same_cities_and_gaps(con, name, period):
    from dataclasses import replace

    f = NETWORK_FILTERS[name]
    if name == "cidades":  # a city IBGE matched and one it did not, as this store has them
        f = Filters(cities=tuple(r[0] for r in con.execute(
            "select * from (select city_id from case_facts where ibge_code is not null group by 1 order by count(*) desc limit 1) "
            "union all select * from (select city_id from case_facts where ibge_code is null and city_key is not null "
            "and uf is not null group by 1 order by count(*) desc limit 1)").fetchall()))
        assert len(f.cities) == 2, "the store has both kinds of city: the test would prove less"
    f = replace(f, **PERIODS[period])
    previous = f.previous_period()
    delta = dict(basis=f.period_basis, now_start=f.start, now_end=f.end, with_median=True,
                 prev_start=previous.start if previous else None, prev_end=previous.end if previous else None)
    query.clear_shared()
    kept, scanned = (query.run(con, "kpis_delta", f, network_kept=way, **delta) for way in (True, False))
    pd.testing.assert_frame_equal(kept, scanned)
    if not (f.start or f.end):  # the city coverage takes it only without a period (its counts are of all periods)
        kept, scanned = (query.run(con, "coverage_city", f, network_kept=way) for way in (True, False))
        query.clear_shared()
        pd.testing.assert_frame_equal(kept, scanned)
        if name == "sem filtros":
            assert len(kept) > 100 and kept["lives"].notna().any()
        if name == "cidades":
            assert len(kept) == 2


@pytest.mark.parametrize("f, kept", [
    (Filters(), True), (Filters(ufs=("SP",), operators=("odontolife",), cities=("SP|3550308",)), True),
    (Filters(allowed_operators=()), True), (Filters(analysts=("ana",)), False), (Filters(outcomes=("aberto",)), False),
    (Filters(requested_by=("operadora",)), False),
])
def test_the_kept_network_is_read_only_for_operators_ufs_and_cities(f, kept):
    from retention_analytics.metrics.summaries import _city_coverage_params, _network_kept

    assert _network_kept(f) is kept
    assert _city_coverage_params(f) == {"network_kept": kept}
    assert _city_coverage_params(replace_period(f)) == {"network_kept": False}


def replace_period(f: Filters) -> Filters:
    from dataclasses import replace

    return replace(f, start=dt.date(2025, 1, 1))
