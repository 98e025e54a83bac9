"""Saved views (ui/saved_views.py, store/user_state.py): the stored query gives back the same
filters and view keys (a round trip, for any filters), never the access restriction; names are
checked and each user has their own views."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retention_analytics.brazil import UFS
from retention_analytics.filters import STATUS_CODES, Filters
from retention_analytics.store import open_store, user_state
from retention_analytics.ui.saved_views import parts_of, query_of

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
filters = st.builds(
    Filters,
    operators=st.lists(keys, max_size=3).map(tuple),
    ufs=st.lists(st.sampled_from(sorted(UFS)), max_size=3).map(tuple),
    cities=st.lists(st.builds(lambda uf, code: f"{uf}|{code}", st.sampled_from(sorted(UFS)),
                              st.integers(1100015, 5300108)), max_size=2).map(tuple),
    analysts=st.lists(keys, max_size=2).map(tuple),
    outcomes=st.lists(st.sampled_from(STATUS_CODES), max_size=2).map(tuple),
    requested_by=st.lists(st.sampled_from(["operadora", "prestador"]), max_size=2).map(tuple),
    start=st.none() | dates,
    end=st.none() | dates,
    period_basis=st.sampled_from(["reference", "finished"]),
)


@given(filters, st.none() | st.integers(1, 10**9))
def test_a_views_query_gives_back_its_filters_and_view_keys(f, case):
    view = {"caso": [str(case)]} if case else {}
    restored, extra = parts_of(query_of(f, view), ("caso",))
    assert restored == f
    assert extra == ({"caso": str(case)} if case else {})


def test_the_access_restriction_never_goes_into_a_view():
    query = query_of(Filters(ufs=("MG",)).restrict_to({"odontolife"}))
    assert query == "uf=MG"
    restored, _ = parts_of(query + "&allowed=sorrisomax&op=%3Cscript%3E")
    assert restored.allowed_operators is None and restored.operators == ("script",)


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "visoes.duckdb")


def test_views_per_user_replace_by_name_and_delete(store):
    user_state.save_view(store, "maria", "  MG   em 2024 ", "Motivos_de_desligamento", "uf=MG")
    user_state.save_view(store, "maria", "MG em 2024", "Casos", "uf=MG&caso=7")  # same name: replaced
    user_state.save_view(store, "joao", "Tudo", "Visao_geral", "")
    (view,) = user_state.views(store, "maria")
    assert (view["name"], view["page"], view["query"]) == ("MG em 2024", "Casos", "uf=MG&caso=7")
    assert [v["name"] for v in user_state.views(store, "joao")] == ["Tudo"]
    assert user_state.delete_view(store, "maria", "MG em 2024")
    assert not user_state.delete_view(store, "maria", "MG em 2024")
    assert user_state.views(store, "maria") == []


@pytest.mark.parametrize("name, message", [
    ("   ", "Dê um nome"),
    ("x" * 61, "até 60 caracteres"),
    ("linha\x07", "caracteres de controle"),
])
def test_a_bad_view_name_is_refused_in_portuguese(store, name, message):
    with pytest.raises(user_state.ViewError, match=message):
        user_state.save_view(store, "maria", name, "Casos", "")


def test_a_visit_returns_the_one_before(store):
    assert user_state.visit(store, "maria", dt.datetime(2025, 1, 6, 9, 0, 0, 123)) is None
    assert user_state.visit(store, "maria", dt.datetime(2025, 1, 13, 9)) == dt.datetime(2025, 1, 6, 9)
    assert user_state.last_visit(store, "maria") == dt.datetime(2025, 1, 13, 9)
    assert user_state.last_visit(store, "joao") is None
