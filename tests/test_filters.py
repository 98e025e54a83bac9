"""Filters: SQL fragment with bound parameters only, access restriction, URL round trip, words."""

from __future__ import annotations

import datetime as dt
import re

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics_fixture import build_db
from retention_analytics.brazil import UFS
from retention_analytics.filters import DIMENSIONS, STATUS_CODES, Filters, city_value

D = dt.date
YEAR_2024 = dict(start=D(2024, 1, 1), end=D(2024, 12, 31))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = build_db(tmp_path_factory.mktemp("filters") / "casos.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def count(con, f: Filters, include_period: bool = True) -> int:
    where, params = f.where("c", include_period=include_period)
    return con.execute(f"select count(*) from case_facts c where {where}", params).fetchone()[0]


# --------------------------------------------------------------------------- SQL
def test_empty_filters_select_everything():
    assert Filters().where() == ("true", {})
    assert Filters().is_empty()


def test_values_are_bound_never_formatted():
    nasty = "x'); drop table cases; --"
    f = Filters(
        operators=(nasty,), ufs=("MG",), cities=("MG|3136207",), analysts=("Ana Souza",),
        outcomes=("desligamento", "aberto"), requested_by=("Prestador",), **YEAR_2024,
    )
    sql, params = f.where("c")
    assert "drop" not in sql and "'MG'" not in sql and "2024" not in sql and "anasouza" not in sql
    # Every $name in the text is a parameter, and only column names of the whitelist appear.
    assert set(re.findall(r"\$(\w+)", sql)) == set(params)
    assert params["f_operators"] == ["xdroptablecases"]
    assert params["f_analysts"] == ["anasouza"]
    assert params["f_requested_by"] == ["prestador"]
    assert params["f_start"] == D(2024, 1, 1) and params["f_end"] == D(2024, 12, 31)


@pytest.mark.parametrize("alias", ["c; drop table cases", "C", "1c", "c.x", ""])
def test_alias_must_be_an_identifier(alias):
    with pytest.raises(ValueError):
        Filters().where(alias)


@pytest.mark.parametrize(
    "filters, expected",
    [
        (Filters(), 12),  # current cases only: the superseded version of P1 is history
        (Filters(**YEAR_2024), 10),
        (Filters(operators=("Odonto Life",), **YEAR_2024), 6),  # three spellings, one operator
        (Filters(operators=("ODONTOLIFE", "uniodonto"), **YEAR_2024), 10),
        (Filters(ufs=("sp",), **YEAR_2024), 4),
        (Filters(cities=("MG|3136207",), **YEAR_2024), 3),
        (Filters(cities=(city_value("MG", None, "vilainventada"),)), 1),
        (Filters(analysts=("bruno",), **YEAR_2024), 4),
        (Filters(outcomes=("aberto",), **YEAR_2024), 3),
        (Filters(outcomes=("desligamento",), **YEAR_2024), 4),
        (Filters(outcomes=("desligamento", "aberto"), **YEAR_2024), 7),
        (Filters(requested_by=("prestador",)), 2),
        (Filters(start=D(2024, 1, 1), end=D(2024, 12, 31), period_basis="finished"), 7),
        (Filters(start=D(2024, 6, 1)), 6),  # 5, 7, 8, 9, 12 and 13 (2025)
        (Filters(end=D(2023, 12, 31)), 1),
    ],
)
def test_where_counts_the_right_cases(con, filters, expected):
    assert count(con, filters) == expected


def test_without_period(con):
    f = Filters(ufs=("MG",), **YEAR_2024)
    assert count(con, f.without_period()) == count(con, f, include_period=False) == 8
    assert f.without_period().start is None and f.without_period().ufs == ("MG",)


# --------------------------------------------------------------------------- access
def test_restrict_to_is_always_in_the_sql(con):
    f = Filters(**YEAR_2024).restrict_to(["UNIODONTO"])
    assert f.allowed_operators == frozenset({"uniodonto"})
    assert count(con, f) == 4
    assert count(con, f.without_period()) == 4
    # Asking for another operator gives nothing, never that operator's cases.
    assert count(con, Filters(operators=("odontolife",), **YEAR_2024).restrict_to(["uniodonto"])) == 0
    assert count(con, Filters().restrict_to([])) == 0
    assert Filters().restrict_to([]).where()[0] == "false"


def test_restrictions_intersect_and_never_travel_in_the_url():
    f = Filters().restrict_to(["a", "b"]).restrict_to(["b", "c"])
    assert f.allowed_operators == frozenset({"b"})
    params = f.to_query_params()
    assert params == {}
    assert Filters.from_query_params(params).allowed_operators is None
    assert f.access_only() == Filters().restrict_to(["b"])


# --------------------------------------------------------------------------- periods
@pytest.mark.parametrize(
    "start, end, previous",
    [
        (D(2024, 1, 1), D(2024, 12, 31), (D(2023, 1, 1), D(2023, 12, 31))),  # a year → the year before
        (D(2024, 3, 1), D(2024, 3, 31), (D(2024, 2, 1), D(2024, 2, 29))),  # a month → the month before
        (D(2024, 1, 1), D(2024, 3, 31), (D(2023, 10, 1), D(2023, 12, 31))),  # a quarter
        (D(2024, 1, 15), D(2024, 1, 24), (D(2024, 1, 5), D(2024, 1, 14))),  # 10 days → 10 days
        (D(2024, 5, 5), D(2024, 5, 5), (D(2024, 5, 4), D(2024, 5, 4))),
    ],
)
def test_previous_period(start, end, previous):
    f = Filters(ufs=("MG",), start=start, end=end)
    before = f.previous_period()
    assert (before.start, before.end) == previous
    assert before.ufs == ("MG",)


def test_previous_period_needs_both_ends():
    assert Filters(start=D(2024, 1, 1)).previous_period() is None
    assert Filters().previous_period() is None


def test_start_after_end_is_swapped():
    f = Filters(start=D(2024, 12, 31), end=D(2024, 1, 1))
    assert (f.start, f.end) == (D(2024, 1, 1), D(2024, 12, 31))


# --------------------------------------------------------------------------- words
@pytest.mark.parametrize(
    "filters, expected",
    [
        (Filters(), "Todos os casos"),
        (Filters(operators=("odontolife",), ufs=("MG",), **YEAR_2024),
         "Operadora: ODONTOLIFE · UF: MG · Período: 2024"),
        (Filters(start=D(2024, 1, 1), end=D(2024, 3, 15)), "Período: 01/01/2024 a 15/03/2024"),
        (Filters(start=D(2024, 3, 1), end=D(2024, 3, 31)), "Período: 03/2024"),
        (Filters(start=D(2024, 3, 5)), "Período: a partir de 05/03/2024"),
        (Filters(end=D(2024, 3, 5)), "Período: até 05/03/2024"),
        (Filters(ufs=("SP", "MG"), outcomes=("aberto",)), "UFs: MG, SP · Status: Em aberto"),
        (Filters(cities=("MG|3136207",)), "Cidade: João Monlevade (MG)"),
        (Filters(analysts=("ana",), requested_by=("prestador",)), "Analista: Ana · Demandado por: Prestador"),
        (Filters(period_basis="finished", **YEAR_2024), "Período (data final): 2024"),
    ],
)
def test_describe(filters, expected):
    names = {
        "operators": {"odontolife": "ODONTOLIFE"},
        "analysts": {"ana": "Ana"},
        "cities": {"MG|3136207": "João Monlevade (MG)"},
    }
    assert filters.describe(names=names) == expected


def test_describe_without_names_shows_values():
    assert Filters(operators=("odontolife",)).describe() == "Operadora: odontolife"


# --------------------------------------------------------------------------- URL
def test_query_params_use_short_keys():
    f = Filters(operators=("odontolife",), ufs=("MG",), cities=("MG|3136207",), analysts=("ana",),
                outcomes=("aberto",), requested_by=("operadora",), period_basis="finished", **YEAR_2024)
    assert f.to_query_params() == {
        "op": ["odontolife"], "uf": ["MG"], "cidade": ["MG|3136207"], "analista": ["ana"],
        "status": ["aberto"], "demandado": ["operadora"], "de": ["2024-01-01"], "ate": ["2024-12-31"],
        "base": ["final"],
    }


@pytest.mark.parametrize(
    "params",
    [
        {"uf": ["XX", "mg"]},
        {"uf": "MG"},  # Streamlit's query_params: one string per key
        {"status": ["foo", "aberto"], "de": ["31/02/2024"], "ate": ["não é data"]},
        {"cidade": ["sem-barra", "MG|3136207"], "base": ["qualquer"]},
        {"op": ["", "  "], "analista": [None], "desconhecida": ["x"]},
        {"de": ["2024-13-01"], "ate": ["2024-02-30"]},
        {"op": 5, "uf": [7, None]},
    ],
)
def test_invalid_query_values_are_ignored(params):
    f = Filters.from_query_params(params)
    assert all(uf in UFS for uf in f.ufs)
    assert all(s in STATUS_CODES for s in f.outcomes)
    assert f.period_basis == "reference"
    assert f.start is None and f.end is None


def test_invalid_query_values_keep_the_valid_ones():
    f = Filters.from_query_params({"uf": ["XX", "mg"], "status": ["foo", "aberto"], "cidade": ["x", "MG|3136207"]})
    assert f == Filters(ufs=("MG",), outcomes=("aberto",), cities=("MG|3136207",))


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))
filters_strategy = st.builds(
    Filters,
    operators=st.lists(keys, max_size=3).map(tuple),
    ufs=st.lists(st.sampled_from(sorted(UFS)), max_size=3).map(tuple),
    cities=st.lists(st.tuples(st.sampled_from(sorted(UFS)), keys).map(lambda t: f"{t[0]}|{t[1]}"), max_size=3).map(tuple),
    analysts=st.lists(keys, max_size=3).map(tuple),
    outcomes=st.lists(st.sampled_from(STATUS_CODES), max_size=4).map(tuple),
    requested_by=st.lists(st.sampled_from(["operadora", "prestador", "outro_setor"]), max_size=2).map(tuple),
    start=st.none() | dates,
    end=st.none() | dates,
    period_basis=st.sampled_from(["reference", "finished"]),
)


@given(filters_strategy)
@settings(max_examples=300)
def test_url_round_trip(f):
    params = f.to_query_params()
    assert all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in params.values())
    assert Filters.from_query_params(params) == f


@given(st.dictionaries(
    st.sampled_from(["op", "uf", "cidade", "analista", "status", "demandado", "de", "ate", "base", "x"]),
    st.one_of(st.text(), st.lists(st.text(), max_size=4), st.none(), st.integers()),
))
# Generation is what is slow here when both cores are busy (make test runs two workers), not
# the code under test: the too_slow health check would fail the run for the machine's load.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_from_query_params_never_raises(params):
    f = Filters.from_query_params(params)
    assert isinstance(f, Filters)
    sql, bound = f.where()
    assert set(re.findall(r"\$(\w+)", sql)) == set(bound)


def test_streamlit_query_params_are_read_with_get_all():
    class QueryParams(dict):  # the part of st.query_params the filters use
        def get_all(self, key):
            return list(self.get(key, []))

    f = Filters.from_query_params(QueryParams(uf=["MG", "SP"], de=["2024-01-01"]))
    assert f == Filters(ufs=("MG", "SP"), start=D(2024, 1, 1))


@pytest.mark.parametrize(
    "uf, ibge, city_key, value",
    [("MG", 3136207, "joaomonlevade", "MG|3136207"), ("MG", None, "vilainventada", "MG|vilainventada")],
)
def test_city_value(uf, ibge, city_key, value):
    assert city_value(uf, ibge, city_key) == value
    assert Filters(cities=(value,)).cities == (value,)


# --------------------------------------------------------------------------- the dimension table
def test_every_dimension_is_a_field_and_the_urls_of_today_keep_their_keys():
    from dataclasses import fields

    from retention_analytics.filters import QUERY_KEYS

    names = {f.name for f in fields(Filters)} - {"start", "end", "period_basis", "allowed_operators"}
    assert [d.field for d in DIMENSIONS] == ["operators", "ufs", "cities", "analysts", "outcomes", "requested_by"]
    assert {d.field for d in DIMENSIONS} == names
    # Links people saved keep working: the keys the address bar has shown since the first release.
    assert QUERY_KEYS == {"operators": "op", "ufs": "uf", "cities": "cidade", "analysts": "analista",
                          "outcomes": "status", "requested_by": "demandado", "start": "de", "end": "ate",
                          "period_basis": "base"}


@pytest.mark.parametrize("dimension", [d.field for d in DIMENSIONS])
def test_each_dimension_narrows_the_sql_and_is_described(dimension):
    d = next(x for x in DIMENSIONS if x.field == dimension)
    values = {"operators": ("odontolife",), "ufs": ("MG",), "cities": ("MG|3106200",), "analysts": ("joaosilva",),
              "outcomes": ("aberto",), "requested_by": ("operadora",)}[dimension]
    f = Filters(**{dimension: values})
    where, params = f.where()
    assert f"$f_{dimension}" in where or dimension == "outcomes"
    assert all(v not in where for v in values)  # bound, never formatted
    assert f.describe().startswith(f"{d.label}: ")
    assert Filters.from_query_params({d.url_key: list(values)}) == f


@given(filters_strategy)
@settings(max_examples=200)
def test_url_round_trip_through_the_address_bar(f):
    """The filters survive being written into a real query string and parsed back, as a browser
    copies a link (urlencode with repeated keys, parse_qs)."""
    from urllib.parse import parse_qs, urlencode

    query = urlencode(f.to_query_params(), doseq=True)
    assert Filters.from_query_params(parse_qs(query)) == f
