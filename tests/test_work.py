"""metrics/work.py against values computed by hand from tests/metrics_fixture.py (read its table):
the work queue's SLA bands and "about to cross" at their edges, the last-N retention of each
operator, targets weighted by attempts and closed cases, and what changed since a moment."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from metrics_fixture import build_db
from retention_analytics import metrics
from retention_analytics.filters import Filters
from retention_analytics.store import Store, alerting

D = dt.date


@pytest.fixture
def db(tmp_path):
    return build_db(tmp_path / "fixture.duckdb")


@pytest.fixture
def con(db):
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


# Case P8 (UNIODONTO, Ana) opened 2024-12-10: its age and band on each day around 30 days.
@pytest.mark.parametrize("as_of, age, band, to_next, soon", [
    (D(2025, 1, 4), 25, "0–30", 6, False),
    (D(2025, 1, 5), 26, "0–30", 5, True),    # 5 days before 31: about to cross
    (D(2025, 1, 9), 30, "0–30", 1, True),    # the last day of the band
    (D(2025, 1, 10), 31, "31–60", 30, False),
    (D(2025, 2, 8), 60, "31–60", 1, True),
    (D(2025, 3, 11), 91, "> 90", None, False),  # past 90 days there is no next band
])
def test_work_queue_bands_and_about_to_cross(con, as_of, age, band, to_next, soon):
    queue = metrics.work_queue(con, Filters(), as_of=as_of).set_index("protocol_number")
    row = queue.loc["P8"]
    assert row["age_days"] == age
    assert row["band"] == band
    assert (None if pd.isna(row["days_to_next_band"]) else int(row["days_to_next_band"])) == to_next
    assert bool(row["about_to_cross"]) is soon


def test_work_queue_lists_open_cases_oldest_first_and_a_future_date_counts_as_day_zero(con):
    queue = metrics.work_queue(con, Filters(), as_of=D(2025, 1, 10))
    assert list(queue["protocol_number"]) == ["P12", "P7", "P8", "P13"]
    assert list(queue["age_days"]) == [223, 101, 31, -5]
    p13 = queue.set_index("protocol_number").loc["P13"]
    assert p13["band"] == "0–30" and p13["days_to_next_band"] == 31
    assert queue.set_index("protocol_number").loc["P7", "last_contact_on"] == pd.Timestamp(2024, 10, 5)


def test_work_queue_follows_the_analyst_and_the_access_restriction(con):
    ana = metrics.work_queue(con, Filters(analysts=("ana",)), as_of=D(2025, 1, 10))
    assert sorted(ana["protocol_number"]) == ["P13", "P8"]
    mine = metrics.work_queue(con, Filters(analysts=("ana",)).restrict_to({"odontolife"}), as_of=D(2025, 1, 10))
    assert list(mine["protocol_number"]) == ["P13"]


def test_terminations_missing_a_notice_or_a_substitute(db):
    store = Store(db)
    from retention_analytics.store.substitutions import SubstitutionRow

    store.add_substitutions([SubstitutionRow("P4", notice_date=D(2024, 1, 1), substitute_cro="123",
                                             substitute_uf="SP", substitute_city="São Paulo",
                                             substitute_ibge_code=3550308),
                             SubstitutionRow("P3", substitute_cro="9")], "manual", "teste")
    with store.connect() as con:
        rows = metrics.work_queue_terminations(con, Filters(), as_of=D(2024, 6, 20)).set_index("protocol_number")
    assert "P4" not in rows.index  # notice and substitute recorded: nothing missing
    assert rows.loc["P3", "missing"] == "aviso"
    assert rows.loc["P3", "days_to_notice_due"] == 10  # exit 30/07/2024, notice due 30/06/2024
    assert rows.loc["P1", "missing"] == "aviso e substituto"
    assert list(rows.index[:2]) == ["P10", "P1"], "the most overdue notice first"


def test_retention_over_the_last_n_attempts(con):
    last3 = metrics.retention_last_n(con, Filters(), n=3).set_index("operator_key")
    row = last3.loc["odontolife"]
    # ODONTOLIFE's attempts by closing date: P9 (desl.), P3 (desl.), P2 (ret.), P1, P10.
    assert (row["attempts"], row["retained"]) == (3, 1)
    assert row["retention_rate"] == pytest.approx(1 / 3)
    assert (row["first_finished_on"], row["last_finished_on"], row["newest_case_id"]) == (pd.Timestamp(2024, 4, 10), pd.Timestamp(2024, 9, 20), 9)
    assert (last3.loc["uniodonto", "attempts"], last3.loc["uniodonto", "retained"]) == (2, 1)
    all_of_them = metrics.retention_last_n(con, Filters(), n=20).set_index("operator_key")
    assert all_of_them.loc["odontolife", "retention_rate"] == pytest.approx(1 / 5)


def test_targets_weighted_by_attempts_and_closed_cases(db):
    store = Store(db)
    alerting.set_target(store, "ODONTOLIFE", 0.5, 0.8, by="teste")
    alerting.set_target(store, "Uniodonto", 0.25, None, by="teste")
    with store.connect() as con:
        rows = metrics.targets_vs_results(con, Filters())
        by = rows.set_index("operator_key")
        assert (by.loc["odontolife", "attempts"], by.loc["odontolife", "closed"], by.loc["odontolife", "within_60"]) == (5, 6, 5)
        value, goal, operators = metrics.target_summary(rows, "retention_rate")
        assert goal == pytest.approx((0.5 * 5 + 0.25 * 2) / 7)
        assert value == pytest.approx(2 / 7) and operators == 2
        value, goal, operators = metrics.target_summary(rows, "closed_within_60")
        assert (value, goal, operators) == (pytest.approx(5 / 6), pytest.approx(0.8), 1)
        # A gestor of UNIODONTO sees only their operator's target.
        mine = metrics.targets_vs_results(con, Filters().restrict_to({"uniodonto"}))
        assert list(mine["operator_key"]) == ["uniodonto"]
        assert metrics.target_for(mine, "closed_within_60") is None
    alerting.set_target(store, "Uniodonto", None, None)
    assert [t["operator_key"] for t in alerting.targets(store)] == ["odontolife"]


@pytest.mark.parametrize("bad", [1.5, -0.1, "muito", float("nan")])
def test_a_target_outside_zero_to_one_is_refused_in_portuguese(db, bad):
    with pytest.raises(alerting.TargetError, match="Meta de retenção"):
        alerting.set_target(Store(db), "ODONTOLIFE", bad, None)


def test_changes_since_a_moment(db):
    with duckdb.connect(str(db)) as con:
        # P13 and P8 arrive on 2025-01-08; P3's form (a termination) too; P7 arrived long before.
        for case_id, when in ((13, "2025-01-08 09:00"), (8, "2025-01-08 10:00"), (3, "2025-01-08 11:00"),
                              (7, "2024-10-01 09:00")):
            con.execute("insert into documents (document_id, sha256, file_name, content, size_bytes, ingested_at, "
                        "batch_id, parser_version, status) values (?, ?, 'f.xlsx', ''::blob, 0, ?, 1, '1', 'ok')",
                        [case_id, f"sha{case_id}", when])
        rows = metrics.changes_since(con, Filters(), since=dt.datetime(2025, 1, 5), as_of=D(2025, 1, 10))
    by = rows.set_index("protocol_number")
    assert by.loc["P3", "change"] == "desligamento"
    assert by.loc["P13", "change"] == "novo" and by.loc["P8", "change"] == "novo"
    # P12 (open since 2024-06-01) crossed no band between 05/01 and 10/01; P8 crossed 30 days on
    # 09/01 but is listed as new, its first kind.
    assert "P12" not in by.index and "P7" not in by.index
    crossed = metrics.changes_since(duckdb.connect(str(db), read_only=True), Filters(),
                                    since=dt.datetime(2025, 1, 9, 12), as_of=D(2025, 1, 10))
    assert list(crossed["protocol_number"]) == ["P8"]
    assert crossed["change"].iloc[0] == "faixa" and crossed["crossed_band_days"].iloc[0] == 30


# --------------------------------------------------------------------------- pending terminations in SQL
# work_queue_terminations.sql (and its count) over compliance's steps equal what pandas made of
# compliance's every row before (the reference below is that code).
def _pending_by_pandas(rows):
    import numpy as np

    no_notice = rows["notice_status"] == "sem_aviso"
    no_substitute = rows["substitute_status"] == "sem_substituto"
    keep = no_notice | no_substitute
    rows = rows[keep].copy()
    a, b = no_notice[keep].to_numpy(), no_substitute[keep].to_numpy()
    rows["missing"] = np.where(a & b, "aviso e substituto", np.where(a, "aviso", "substituto"))
    rows = rows.sort_values(["days_to_notice_due", "exit_date", "case_id"], na_position="last")
    return rows[metrics.work.QUEUE_TERMINATION_COLUMNS].reset_index(drop=True)


@pytest.mark.parametrize("f", [Filters(), Filters(ufs=("SP", "MG")), Filters().restrict_to(["odontolife"]),
                               Filters(ufs=("AC",), outcomes=("retido",))], ids=["todos", "uf", "gestor", "nenhum"])
def test_pending_terminations_in_sql_equal_pandas_over_compliance(demo_db, f):
    store, as_of = Store(demo_db), dt.date(2026, 9, 1)
    expected = _pending_by_pandas(metrics.compliance(store, f, as_of))
    got = metrics.work_queue_terminations(store, f, as_of)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert metrics.work_queue_terminations_count(store, f, as_of) == len(expected)
    first = metrics.work_queue_terminations(store, f, as_of, limit=5)
    pd.testing.assert_frame_equal(first, expected.head(5), check_dtype=False)
    if f == Filters():
        assert set(expected["missing"]) == {"aviso e substituto", "aviso", "substituto"}, "the demo has all three"


# --------------------------------------------------------------------------- the queue in SQL
@pytest.mark.parametrize("f", [Filters(), Filters(ufs=("SP", "MG")), Filters().restrict_to(["odontolife"]),
                               Filters(ufs=("AC",), outcomes=("retido",))], ids=["todos", "uf", "gestor", "nenhum"])
def test_queue_bands_and_first_rows_in_sql_equal_the_whole_queue(demo_db, f):
    """work_queue_bands.sql counts what work_queue lists; $limit and $soon_only give the first rows
    of the whole list and of its cases about to cross (the Fila page asks for those only)."""
    store, as_of = Store(demo_db), dt.date(2026, 9, 1)
    whole = metrics.work_queue(store, f, as_of)
    bands = metrics.work_queue_bands(store, f, as_of)
    expected = (whole.assign(order=whole["band_order"].fillna(5), soon=whole["about_to_cross"].astype("int64"))
                .groupby(["order", "band"]).agg(cases=("case_id", "size"), about_to_cross=("soon", "sum")).reset_index())
    assert list(bands["band"]) == list(expected["band"])
    assert list(bands["cases"]) == list(expected["cases"]) and list(bands["about_to_cross"]) == list(expected["about_to_cross"])
    pd.testing.assert_frame_equal(metrics.work_queue(store, f, as_of, limit=7), whole.head(7), check_dtype=False)
    soon = whole[whole["about_to_cross"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(metrics.work_queue(store, f, as_of, soon_only=True), soon, check_dtype=False)
    if f == Filters():
        assert len(bands) >= 4 and int(bands["about_to_cross"].sum()) > 0, "the demo has every band"


@pytest.mark.parametrize("f", [Filters(), Filters(ufs=("SP", "MG")), Filters().restrict_to(["odontolife"])],
                         ids=["todos", "uf", "gestor"])
def test_the_queue_and_the_oldest_cases_show_each_forms_last_contact(demo_db, f):
    """The last contact (and, on the oldest cases, how many) come from case_facts, computed once
    per write (views.sql); they are the form's own contacts as case_contacts holds them."""
    store, as_of = Store(demo_db), dt.date(2026, 9, 1)
    with duckdb.connect(str(demo_db), read_only=True) as c:
        contacts = c.execute("select case_id, max(contact_date) as last_contact_on, count(*) as contacts "
                             "from case_contacts group by case_id").df().set_index("case_id")
    queue = metrics.work_queue(store, f, as_of)
    oldest = metrics.oldest_open_cases(store, f, as_of=as_of)
    assert queue["last_contact_on"].notna().sum() > 0 and (oldest["contacts"] > 0).any(), "the demo has contacts"
    for frame in (queue, oldest):
        expected = contacts.reindex(frame["case_id"])
        assert list(pd.to_datetime(frame["last_contact_on"])) == list(pd.to_datetime(expected["last_contact_on"]))
    assert list(oldest["contacts"]) == list(contacts.reindex(oldest["case_id"])["contacts"].fillna(0).astype("int64"))
