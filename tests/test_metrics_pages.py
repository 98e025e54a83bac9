"""Metrics added for the analysis pages, against values computed by hand from
tests/metrics_fixture.py (read its table): the controllable split of terminations, the cases behind
a reason of the Pareto, and the box statistics exported per operator and per analyst."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from metrics_fixture import build_db
from retention_analytics import metrics
from retention_analytics.filters import Filters

D = dt.date
Y2024 = Filters(start=D(2024, 1, 1), end=D(2024, 12, 31))
Y2023 = Filters(start=D(2023, 1, 1), end=D(2023, 12, 31))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path: Path = build_db(tmp_path_factory.mktemp("metrics_pages") / "casos.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def test_reasons_controllable_partitions_the_terminations(con):
    # 2024 terminations: P1 (valores, glosas), P3 (valores), P4 (perda_de_contato), P9 (prazo, valores).
    df = metrics.reasons_controllable(con, Y2024)
    assert list(df["kind"]) == ["controllable", "not_controllable", "no_reason"]
    rows = df.set_index("kind")
    assert rows.loc["controllable", "cases"] == 3 and rows.loc["controllable", "share"] == pytest.approx(0.75)
    assert rows.loc["not_controllable", "cases"] == 1
    assert rows.loc["no_reason", "cases"] == 0
    assert set(df["terminated"]) == {4} and df["share"].sum() == pytest.approx(1.0)
    # 2023: only P10 (aposentou); the superseded version of P1 (obito) is history, not counted.
    rows = metrics.reasons_controllable(con, Y2023).set_index("kind")
    assert rows.loc["not_controllable", "cases"] == 1 and rows.loc["controllable", "cases"] == 0


def test_reasons_controllable_without_terminations(con):
    df = metrics.reasons_controllable(con, Filters(start=D(2001, 1, 1), end=D(2001, 12, 31)))
    assert len(df) == 3 and set(df["cases"]) == {0} and set(df["terminated"]) == {0}
    assert df["share"].isna().all()


def test_cases_of_a_reason_are_the_terminated_cases_citing_it(con):
    df = metrics.cases(con, Y2024, reason="valores")
    assert sorted(df["case_id"]) == [1, 3, 9]
    assert set(df["status"]) == {"desligamento"}
    assert metrics.cases_count(con, Y2024, reason="valores") == 3
    reasons = metrics.reasons(con, Y2024).set_index("reason_code")
    assert reasons.loc["valores", "cases"] == len(df)  # the bar's count is the list's length
    assert metrics.cases_count(con, Y2024, reason="aposentou") == 0  # P10 is in 2023
    assert metrics.cases_count(con, Y2023, reason="aposentou") == 1
    assert metrics.cases_count(con, Y2024, reason="obito") == 0  # only the superseded version cites it
    # No reason (or a blank one) leaves the list as it was; the search still applies on top.
    assert metrics.cases_count(con, Y2024, reason=None) == metrics.cases_count(con, Y2024) == 10
    assert metrics.cases_count(con, Y2024, reason="  ") == 10
    assert list(metrics.cases(con, Y2024, search="P3", reason="valores")["case_id"]) == [3]
    assert list(metrics.cases(con, Y2024, reason="valores", limit=1)["case_id"]) == [9]  # newest first


def test_box_statistics_are_exportable_per_operator_and_analyst(con):
    for by in ("operator", "analyst"):
        name = f"closure_boxes_{by}"
        df = metrics.compute(name, con, Y2024)
        assert list(df.columns) == list(metrics.TABLES[name].columns)
        expected = metrics.closure_boxes(con, Y2024, by=by)
        assert df.reset_index(drop=True).equals(expected[list(df.columns)].reset_index(drop=True))
