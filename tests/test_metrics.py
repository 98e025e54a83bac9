"""Every summary against values computed by hand from tests/metrics_fixture.py (read its table)."""

from __future__ import annotations

import ast
import datetime as dt
import math
import re
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from metrics_fixture import build_db
from retention_analytics import metrics, privacy
from retention_analytics.filters import STATUS_LABELS, Filters
from retention_analytics.metrics import summaries
from retention_analytics.metrics.stats import add_rate, rank_rates, wilson
from retention_analytics.store import Store

D = dt.date
Y2024 = Filters(start=D(2024, 1, 1), end=D(2024, 12, 31))
Y2023 = Filters(start=D(2023, 1, 1), end=D(2023, 12, 31))


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    return build_db(tmp_path_factory.mktemp("metrics") / "casos.duckdb")


@pytest.fixture(scope="module")
def con(db_path):
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def one(df: pd.DataFrame) -> dict:
    assert len(df) == 1
    return df.iloc[0].to_dict()


def by(df: pd.DataFrame, column: str) -> dict:
    return {row[column]: row for row in df.to_dict("records")}


# --------------------------------------------------------------------------- statistics
@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (2, 6, 0.09677, 0.70001),
        (10, 10, 0.72247, 1.0),
        (0, 10, 0.0, 0.27753),
        (50, 100, 0.40383, 0.59617),
    ],
)
def test_wilson_interval(k, n, low, high):
    got = wilson(k, n)
    assert got[0] == pytest.approx(low, abs=1e-4)
    assert got[1] == pytest.approx(high, abs=1e-4)


def test_wilson_without_attempts_is_undefined():
    assert all(math.isnan(x) for x in wilson(0, 0))


def test_small_samples_are_never_ranked():
    df = pd.DataFrame({"retained": [9, 5, 1, 8], "attempts": [10, 9, 1, 10]})
    out = rank_rates(add_rate(df))
    assert list(out["small_sample"]) == [False, True, True, False]
    assert list(out["rank"].astype("object").where(out["rank"].notna(), None)) == [1, None, None, 2]


# --------------------------------------------------------------------------- headline numbers
def test_kpis_2024(con):
    k = one(metrics.kpis(con, Y2024))
    assert k["cases"] == 10
    assert k["closed_cases"] == 7 and k["open_cases"] == 3
    assert k["attempts"] == 6 and k["retained"] == 2
    assert k["retention_rate"] == pytest.approx(1 / 3)
    assert (k["ci_low"], k["ci_high"]) == pytest.approx(wilson(2, 6))
    assert k["small_sample"]
    assert k["not_retention"] == 1  # shown apart, never in the rate
    assert k["terminations"] == 4
    assert k["cros_lost"] == 9  # 2 + 2 + 3 + 2
    assert k["median_days"] == 30  # of 5, 10, 20, 30, 40, 45, 90
    assert k["closure_n"] == 7
    assert k["gap_cities"] == 2 and k["lives_at_risk"] == 40  # João Monlevade 30 + Vila Inventada 10


@pytest.mark.parametrize("f", [Y2024, Y2023, Filters(), Filters(ufs=("SP",)), Y2024.restrict_to(["uniodonto"]),
                               Filters().restrict_to([]), Filters(start=D(2024, 1, 1), end=D(2024, 12, 31),
                                                                  period_basis="finished")],
                         ids=["2024", "2023", "todos", "SP", "gestor", "sem acesso", "finalizados em 2024"])
def test_headline_counts_are_the_kpis_without_closure_time(con, f):
    """Efetividade's cards read headline_counts, Cobertura's with its gaps: the same numbers as kpis."""
    from retention_analytics.metrics import query

    whole = metrics.kpis(con, f)
    counts = metrics.headline_counts(con, f)
    assert set(counts.columns) == set(whole.columns) - {"median_days", "closure_n", "gap_cities", "lives_at_risk"}
    pd.testing.assert_frame_equal(counts, whole[list(counts.columns)])
    query.clear_shared()
    with_gaps = metrics.headline_counts(con, f, gaps=True)
    assert list(with_gaps.columns) == list(counts.columns) + ["gap_cities", "lives_at_risk"]
    pd.testing.assert_frame_equal(with_gaps, whole[list(with_gaps.columns)])
    query.clear_shared()  # (that the city coverage is kept: tests/test_metrics_kpis_delta.py, on stores)


def test_kpis_with_delta_compares_with_the_year_before(con):
    rows = by(metrics.kpis_with_delta(con, Y2024), "metric")
    assert set(rows) == set(metrics.KPI_COLUMNS)
    assert rows["cases"]["value"] == 10 and rows["cases"]["previous"] == 1 and rows["cases"]["delta"] == 9
    assert rows["cros_lost"]["previous"] == 1  # P10: cro_count missing counts 1
    assert rows["median_days"]["previous"] == 19


def test_kpis_with_delta_without_a_closed_period(con):
    rows = by(metrics.kpis_with_delta(con, Filters()), "metric")
    assert math.isnan(rows["cases"]["previous"]) and math.isnan(rows["cases"]["delta"])


def test_finished_basis_counts_cases_closed_in_the_period(con):
    k = one(metrics.kpis(con, Filters(start=D(2024, 1, 1), end=D(2024, 12, 31), period_basis="finished")))
    assert k["cases"] == 7 and k["open_cases"] == 0


def test_superseded_versions_are_history_only(con):
    # The older form of P1 (case 100) says desligamento with reason óbito: it must not count.
    assert "obito" not in set(metrics.reasons(con, Filters())["reason_code"])
    assert one(metrics.kpis(con, Filters()))["cases"] == 12


def test_monthly_outcomes(con):
    df = metrics.monthly_outcomes(con, Y2024)
    rows = {(r["month"].date(), r["outcome"]): r["cases"] for r in df.to_dict("records")}
    assert rows[(D(2024, 6, 1), "aberto")] == 1
    assert rows[(D(2024, 6, 1), "retencao_efetiva")] == 1
    assert rows[(D(2024, 8, 1), "desligamento")] == 1  # P9: no start date, protocol opened in August
    assert sum(rows.values()) == 10
    assert set(df["outcome_label"]) >= {"Em aberto", "Desligamento"}


# --------------------------------------------------------------------------- reasons
def test_reasons_shares_add_up_to_more_than_one(con):
    df = metrics.reasons(con, Y2024)
    assert list(df["reason_code"]) == ["valores", "perda_de_contato", "glosas", "prazo_liberacao_de_guias"]
    rows = by(df, "reason_code")
    assert rows["valores"]["cases"] == 3 and rows["valores"]["share"] == pytest.approx(0.75)
    assert rows["glosas"]["share"] == pytest.approx(0.25)
    assert set(df["terminated"]) == {4}
    assert df["share"].sum() == pytest.approx(1.5)
    assert list(df["cumulative_share"]) == pytest.approx([3 / 6, 4 / 6, 5 / 6, 1.0])
    assert rows["valores"]["category"] == "Remuneração" and rows["valores"]["controllable"]
    assert not rows["perda_de_contato"]["controllable"]


def test_reason_categories(con):
    rows = by(metrics.reason_categories(con, Y2024), "category")
    assert len(rows) == 6
    assert rows["Remuneração"]["cases"] == 3 and rows["Remuneração"]["share"] == pytest.approx(0.75)
    assert rows["Processos e suporte"]["cases"] == 1
    assert rows["Contato perdido ou remoção"]["cases"] == 1
    assert rows["Vida pessoal e carreira"]["cases"] == 0
    assert rows["Remuneração"]["controllable"] and not rows["Vida pessoal e carreira"]["controllable"]


def test_reasons_quarterly(con):
    df = metrics.reasons_quarterly(con, Y2024)
    rows = {(r["quarter"], r["category"]): r for r in df.to_dict("records")}
    assert sorted(set(df["quarter"])) == ["2024-T1", "2024-T2", "2024-T3"]
    assert rows[("2024-T1", "Remuneração")]["terminated"] == 2
    assert rows[("2024-T1", "Remuneração")]["share"] == pytest.approx(0.5)
    assert rows[("2024-T3", "Processos e suporte")]["share"] == pytest.approx(1.0)


def test_reasons_operator_category(con):
    df = metrics.reasons_operator_category(con, Y2024)
    rows = {(r["operator"], r["category"]): r for r in df.to_dict("records")}
    assert rows[("ODONTOLIFE", "Remuneração")]["cases"] == 3
    assert rows[("ODONTOLIFE", "Remuneração")]["terminated"] == 3
    assert rows[("UNIODONTO", "Contato perdido ou remoção")]["share"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- closure time
def test_closure_times_median_p75_p90(con):
    df = metrics.closure_times(con, Y2024)
    rows = by(df, "operator")
    # ODONTOLIFE (three spellings, one key): 5, 30, 40, 45, 90 (P9: the form's 45, no start date)
    assert rows["ODONTOLIFE"]["closed"] == 5
    assert (rows["ODONTOLIFE"]["median_days"], rows["ODONTOLIFE"]["p75_days"], rows["ODONTOLIFE"]["p90_days"]) == (
        40, 45, pytest.approx(72))
    assert (rows["UNIODONTO"]["median_days"], rows["UNIODONTO"]["p75_days"], rows["UNIODONTO"]["p90_days"]) == (
        15, 17.5, pytest.approx(19))
    total = df.iloc[-1]
    assert total["is_total"] and total["operator"] == "Total" and total["closed"] == 7
    assert (total["median_days"], total["p75_days"], total["p90_days"]) == (30, 42.5, pytest.approx(63))


def test_closure_distribution_bins(con):
    df = metrics.closure_distribution(con, Y2024, bin_days=15)
    assert list(zip(df["bin_start"], df["bin_end"], df["cases"])) == [
        (0, 14, 2), (15, 29, 1), (30, 44, 2), (45, 59, 1), (90, 104, 1)]
    assert df["share"].sum() == pytest.approx(1.0)


def test_closure_boxes(con):
    rows = by(metrics.closure_boxes(con, Y2024, by="operator"), "name")
    odl = rows["ODONTOLIFE"]
    assert (odl["q1"], odl["median"], odl["q3"]) == (30, 40, 45)
    # fences 7.5 and 67.5: 5 and 90 are outliers, whiskers stop at 30 and 45
    assert (odl["whisker_low"], odl["whisker_high"], odl["outliers"]) == (30, 45, 2)
    analysts = by(metrics.closure_boxes(con, Y2024, by="analyst"), "name")
    assert analysts["Bruno"]["median"] == 50
    with pytest.raises(ValueError):
        metrics.closure_boxes(con, Y2024, by="dentist")


def test_sla(con):
    row = one(metrics.sla(con, Y2024))
    assert row["n"] == 7
    assert row["within_30"] == pytest.approx(4 / 7)
    assert row["within_60"] == pytest.approx(6 / 7)
    assert row["within_90"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "as_of, expected",
    [
        # P7 2024-10-01, P8 2024-12-10, P12 2024-06-01
        (D(2024, 12, 31), {"0–30": 1, "31–60": 0, "61–90": 0, "91–180": 1, ">180": 1}),
        (D(2024, 10, 31), {"0–30": 2, "31–60": 0, "61–90": 0, "91–180": 1, ">180": 0}),  # P7 is 30 days old
        (D(2024, 11, 1), {"0–30": 1, "31–60": 1, "61–90": 0, "91–180": 1, ">180": 0}),  # P7 is 31 days old
    ],
)
def test_open_cases_by_age_band(con, as_of, expected):
    df = metrics.open_by_age_band(con, Y2024, as_of=as_of)
    assert list(df["band"]) == list(expected)
    assert dict(zip(df["band"], df["cases"])) == expected
    assert list(df["band_order"]) == [1, 2, 3, 4, 5]


def test_oldest_open_cases(con):
    df = metrics.oldest_open_cases(con, Y2024, as_of=D(2024, 12, 31), limit=2)
    assert list(df["case_id"]) == [12, 7]
    assert list(df["age_days"]) == [213, 91]
    assert df.iloc[1]["contacts"] == 1 and df.iloc[1]["last_contact_on"].date() == D(2024, 10, 5)


# --------------------------------------------------------------------------- coverage
def test_coverage_city_lives_from_the_most_recent_case_outside_the_period(con):
    rows = by(metrics.coverage_city(con, Y2024), "city")
    jm = rows["João Monlevade"]
    # Lives and listed CROs from P13 (2025-01-15): the most recent case, even outside the period.
    assert (jm["lives"], jm["listed_cros"]) == (30, 2)
    assert (jm["terminations"], jm["cros_lost"], jm["gap"]) == (1, 2, True)  # P1: 2 CROs ≥ 2 listed
    assert jm["ibge_code"] == 3136207 and jm["city_id"] == "MG|3136207"
    # Same reference date (P5 and P12, 2024-06-01): the later ingested (P12) wins. P8 states nothing.
    sp = rows["São Paulo"]
    assert (sp["lives"], sp["listed_cros"], sp["cros_lost"], sp["gap"]) == (700, 4, 3, False)
    bh = rows["Belo Horizonte"]
    assert (bh["lives"], bh["listed_cros"], bh["cros_lost"], bh["gap"]) == (1000, 50, 2, False)
    vila = rows["Vila Inventada"]  # unmatched name: kept, no IBGE code
    assert pd.isna(vila["ibge_code"]) and vila["gap"] and vila["lives"] == 10


def test_coverage_lives_are_never_summed(con):
    # João Monlevade has 16, 20, 99 and 30 lives on different forms: the city has 30, once.
    rows = by(metrics.coverage_city(con, Filters()), "city")
    assert rows["João Monlevade"]["lives"] == 30


def test_coverage_in_another_period_keeps_the_network_now(con):
    rows = by(metrics.coverage_city(con, Y2023), "city")
    jm = rows["João Monlevade"]
    assert (jm["lives"], jm["listed_cros"]) == (30, 2)  # not P10's 99 / 9
    assert (jm["cros_lost"], jm["gap"]) == (1, False)  # P10: cro_count missing counts 1 < 2
    assert rows["São Paulo"]["cros_lost"] == 0 and not rows["São Paulo"]["gap"]
    assert metrics.coverage_gaps(con, Y2023).empty


def test_coverage_follows_the_other_filters(con):
    # Only Ana's cases: São Paulo's lives come from P5 (800); nothing states its listed CROs.
    rows = by(metrics.coverage_city(con, Filters(analysts=("ana",), **_period(Y2024))), "city")
    assert "Belo Horizonte" not in rows
    assert pd.isna(rows["São Paulo"]["listed_cros"]) and rows["São Paulo"]["lives"] == 800


def _period(f: Filters) -> dict:
    return {"start": f.start, "end": f.end}


def test_coverage_gaps_ordered_by_lives(con):
    df = metrics.coverage_gaps(con, Y2024)
    assert list(df["city"]) == ["João Monlevade", "Vila Inventada"]
    assert list(df.columns) == ["uf", "city", "ibge_code", "lives", "listed_cros", "cros_lost", "terminations"]


def test_coverage_uf_has_all_27(con):
    df = metrics.coverage_uf(con, Y2024)
    assert len(df) == 27
    rows = by(df, "uf")
    mg = rows["MG"]
    assert (mg["cases"], mg["terminations"], mg["cros_lost"], mg["gap_cities"], mg["lives_at_risk"]) == (6, 3, 6, 2, 40)
    assert mg["retention_rate"] == pytest.approx(0.25)
    assert (rows["SP"]["cases"], rows["SP"]["cros_lost"], rows["SP"]["lives_at_risk"]) == (4, 3, 0)
    assert rows["AC"]["cases"] == 0 and pd.isna(rows["AC"]["retention_rate"])


# --------------------------------------------------------------------------- effectiveness
def test_effectiveness_operator_groups_spellings(con):
    df = metrics.effectiveness_operator(con, Y2024)
    assert sorted(df["operator_key"]) == ["odontolife", "uniodonto"]  # 3 spellings of ODONTOLIFE, one row
    rows = by(df, "operator")
    odl = rows["ODONTOLIFE"]
    assert (odl["cases"], odl["open_cases"], odl["attempts"], odl["retained"]) == (6, 1, 4, 1)
    assert odl["retention_rate"] == pytest.approx(0.25)
    assert (odl["ci_low"], odl["ci_high"]) == pytest.approx(wilson(1, 4))
    assert odl["small_sample"] and pd.isna(odl["rank"])
    assert odl["median_days"] == 40 and odl["closed_within_60"] == pytest.approx(0.8)
    assert odl["top_reasons"] == "Valores (3), Glosas (1), Prazo Liberação de Guias (1)"
    uni = rows["UNIODONTO"]
    assert (uni["cases"], uni["open_cases"], uni["attempts"], uni["retention_rate"]) == (4, 2, 2, 0.5)
    assert uni["top_reasons"] == "Perda de Contato (1)"


def test_effectiveness_analyst(con):
    rows = by(metrics.effectiveness_analyst(con, Y2024), "analyst")
    assert (rows["Ana"]["cases"], rows["Ana"]["attempts"], rows["Ana"]["retained"]) == (6, 4, 2)
    assert rows["Ana"]["median_days"] == 30 and rows["Ana"]["closed_within_60"] == 1.0
    assert (rows["Bruno"]["retention_rate"], rows["Bruno"]["median_days"]) == (0.0, 50)
    assert rows["Bruno"]["top_reasons"] == "Perda de Contato (1), Valores (1)"


def test_actions_offered_against_not_offered(con):
    rows = by(metrics.actions(con, Y2024), "action_code")
    nv = rows["novos_valores"]  # offered on P1 (desligamento) and P2 (retida), of 6 attempts
    assert (nv["attempts_offered"], nv["retained_offered"], nv["rate_offered"]) == (2, 1, 0.5)
    assert (nv["attempts_not_offered"], nv["retained_not_offered"], nv["rate_not_offered"]) == (4, 1, 0.25)
    assert (nv["ci_low_offered"], nv["ci_high_offered"]) == pytest.approx(wilson(1, 2))
    assert nv["difference"] == pytest.approx(0.25)
    tr = rows["treinamento"]
    assert (tr["attempts_offered"], tr["rate_offered"], tr["attempts_not_offered"]) == (1, 1.0, 5)
    assert rows["outros"]["attempts_offered"] == 0 and pd.isna(rows["outros"]["rate_offered"])


def test_requested_by(con):
    df = metrics.requested_by(con, Y2024)
    rows = {r["label"]: r for r in df.to_dict("records")}
    assert (rows["Operadora"]["attempts"], rows["Operadora"]["retained"]) == (3, 1)
    assert (rows["Prestador"]["attempts"], rows["Prestador"]["retention_rate"]) == (2, 0.5)
    assert rows["Não informado"]["cases"] == 5


# --------------------------------------------------------------------------- lists and details
def test_cases_are_masked(con):
    df = metrics.cases(con, Y2024)
    assert len(df) == 10 and metrics.cases_count(con, Y2024) == 10
    rows = by(df, "case_id")
    assert rows[1]["cpf"] == "***.459.696-**"
    assert rows[4]["cnpj"] == "**.222.333/****-**"
    assert rows[5]["cnpj"] == "**.ABC.345/****-**"
    assert "98765" not in rows[1]["general_note"] and "ana.souza@" not in rows[1]["general_note"]
    assert rows[1]["reasons"] == "Valores, Glosas"
    assert rows[2]["actions"] == "Ofertado Novos Valores, Ofertado Suporte"
    assert rows[8]["status"] == "aberto"
    assert "12345969601" not in df.to_csv()


@pytest.mark.parametrize(
    "search, expected",
    [
        ("monlevade", {1, 2, 6, 10, 13}),
        ("MONLEVADÉ", {1, 2, 6, 10, 13}),
        ("459.696", {1}),  # CPF digits find the case; the CPF itself stays masked
        ("P12", {12}),
        ("ninguém", set()),
        ("", set(range(1, 14)) - {11}),
    ],
)
def test_cases_search(con, search, expected):
    df = metrics.cases(con, Filters(), search=search)
    assert set(df["case_id"]) == expected
    assert metrics.cases_count(con, Filters(), search=search) == len(expected)


def test_cases_paging(con):
    first = metrics.cases(con, Y2024, limit=4)
    second = metrics.cases(con, Y2024, limit=4, offset=4)
    assert len(first) == 4 and len(second) == 4
    assert not set(first["case_id"]) & set(second["case_id"])
    assert list(first["case_id"])[0] == 8  # newest reference date first


def test_case_detail(con):
    detail = metrics.case_detail(con, 1)
    assert detail["cpf"] == "***.459.696-**"
    assert detail["reasons"] == ["Valores", "Glosas"]
    assert detail["closure_days"] == 30 and detail["is_closed"]
    assert [c["number"] for c in detail["contacts"]] == [1, 2]
    assert "99999" not in detail["contacts"][0]["note"]
    assert {v["case_id"] for v in detail["versions"]} == {1, 100}
    assert metrics.case_detail(con, 999) is None
    assert metrics.case_detail(con, Filters().restrict_to(["uniodonto"]), case_id=1) is None
    assert metrics.case_detail(con, Filters().restrict_to(["uniodonto"]), case_id=4)["case_id"] == 4
    assert metrics.case_detail(con, Y2024, case_id=100)["is_closed"] is None  # history: no derived facts


def test_quality(con):
    q = metrics.quality(con, Y2024)
    summary = one(q["summary"])
    assert summary["forms_with_warnings"] == 1 and summary["unmatched_cities"] == 1
    assert summary["superseded_versions"] == 1 and summary["rejected_documents"] == 1
    assert list(q["warnings"]["case_id"]) == [9]
    assert list(q["unmatched_cities"]["city"]) == ["Vila Inventada"]
    assert list(q["superseded"]["current_case_id"]) == [1]
    blank = by(q["blank_fields"], "field")
    assert blank["started_on"]["blank"] == 1 and blank["started_on"]["share"] == pytest.approx(0.1)
    assert blank["cpf"]["label"] == "CPF"
    assert list(q["rejected"]["file_name"]) == ["planilha_vazia.xlsx"]
    # Rejected documents belong to no operator: a restricted user does not see them.
    restricted = metrics.quality(con, Y2024.restrict_to(["uniodonto"]))
    assert restricted["rejected"].empty and one(restricted["summary"])["rejected_documents"] == 0


@pytest.mark.parametrize("parts, queries", [
    (("summary",), {"quality_summary"}),
    (("summary", "warnings", "warning_messages"),
     {"quality_summary", "quality_warnings", "names", "quality_warning_messages"}),
    (("blank_fields",), {"quality_blank_fields"}),
    (("superseded", "warnings"), {"quality_superseded", "quality_warnings", "names"}),
    (("rejected", "unmatched_cities"), {"quality_rejected", "quality_unmatched_cities"}),
])
@pytest.mark.parametrize("f", [Y2024, Y2024.restrict_to(["uniodonto"]), Filters(ufs=("MG",))])
def test_quality_parts_are_the_whole_frames_and_run_only_their_queries(con, monkeypatch, parts, queries, f):
    whole = metrics.quality(con, f)
    ran: list[str] = []
    real = summaries.run_many

    def recording(source, calls):
        ran.extend(name for name, _, _ in calls)
        return real(source, calls)

    monkeypatch.setattr(summaries, "run_many", recording)
    some = metrics.quality(con, f, parts=parts)
    assert list(some) == list(parts)
    for part in parts:
        pd.testing.assert_frame_equal(some[part], whole[part])
    assert set(ran) == queries and len(ran) == len(queries)  # the names once, for both lists


def test_quality_refuses_a_part_it_does_not_have(con):
    with pytest.raises(ValueError, match="unknown quality parts"):
        metrics.quality(con, Y2024, parts=("summary", "cities"))


def test_filter_options(con):
    options = metrics.filter_options(con, Y2024)
    assert dict(zip(options["operators"]["value"], options["operators"]["label"])) == {
        "odontolife": "ODONTOLIFE", "uniodonto": "UNIODONTO"}
    assert set(options["ufs"]["value"]) == {"MG", "SP"}
    assert "MG|3136207" in set(options["cities"]["value"])
    assert options["names"]["cities"]["MG|3136207"] == "João Monlevade (MG)"
    assert (options["min_date"], options["max_date"]) == (D(2023, 12, 1), D(2025, 1, 15))
    assert list(options["outcomes"]["value"]) == [
        "retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "aberto"]
    restricted = metrics.filter_options(con, Filters().restrict_to(["uniodonto"]))
    assert list(restricted["operators"]["value"]) == ["uniodonto"]
    assert set(restricted["ufs"]["value"]) == {"SP"}
    narrowed = metrics.filter_options(con, Filters(ufs=("SP",)))
    assert set(narrowed["cities"]["uf"]) == {"SP"}


def test_the_kept_sidebar_choices_equal_those_summed_for_every_operator(demo_db):
    """Who sees every operator reads the choices the store keeps (views.sql, sidebar_choices);
    a user allowed every operator by name gets them summed afresh: the same frames."""
    with duckdb.connect(str(demo_db), read_only=True) as c:
        everyone = metrics.filter_options(c, Filters())
        assert c.execute("select count(*) from sidebar_choices_cache").fetchone()[0] > 0, "the store keeps a copy"
        named = metrics.filter_options(c, Filters().restrict_to(list(everyone["operators"]["value"])))
    for kind, frame in everyone.items():
        if isinstance(frame, pd.DataFrame):
            assert len(frame) > 0, kind
            pd.testing.assert_frame_equal(frame, named[kind])
        else:
            assert frame == named[kind], kind


@pytest.mark.parametrize("f", [Filters().restrict_to([]), Filters(ufs=("AC",)).restrict_to(["uniodonto"])],
                         ids=["no access", "a UF without cities"])
def test_filter_options_keep_their_columns_when_nothing_is_left(con, f):
    """The sidebar builds its widgets from these frames' columns: they stay when no row does."""
    options = metrics.filter_options(con, f)
    for kind in ("operators", "analysts", "ufs", "requested_by", "outcomes"):
        assert list(options[kind].columns) == ["value", "label", "cases"], kind
    assert list(options["cities"].columns) == ["value", "label", "uf", "cases"]
    assert options["cities"].empty
    assert list(options["outcomes"]["label"]) == [STATUS_LABELS[v] for v in options["outcomes"]["value"]]


def test_access_restriction_applies_to_every_table(con):
    f = Y2024.restrict_to(["uniodonto"])
    for name in metrics.TABLES:
        df = metrics.compute(name, con, f)
        if "operator" in df.columns:
            assert set(df["operator"].dropna()) <= {"UNIODONTO", "Total"}, name
    assert one(metrics.kpis(con, f))["cases"] == 4


def test_a_store_object_works_like_a_connection(db_path):
    from retention_analytics.store import Store

    store = Store(db_path)
    assert one(metrics.kpis(store, Y2024))["cases"] == 10


# --------------------------------------------------------------------------- the registry
def test_every_table_has_its_contract_columns(con):
    for name, spec in metrics.TABLES.items():
        df = metrics.compute(name, con, Y2024)
        assert list(df.columns) == list(spec.columns), name
        assert spec.title and spec.file_stem and set(spec.formats) == set(spec.columns)


def test_cli_offers_every_table():
    from retention_analytics.commands.export import TABLE_CHOICES

    assert set(TABLE_CHOICES) == set(metrics.TABLES)


# --------------------------------------------------------------------------- rules of the code
SQL_DIR = resources.files("retention_analytics.metrics").joinpath("sql")


@pytest.mark.parametrize("path", sorted(p.name for p in SQL_DIR.iterdir() if p.name.endswith(".sql")))
def test_sql_is_lower_case_with_bound_parameters(path):
    text = SQL_DIR.joinpath(path).read_text(encoding="utf-8")
    code = "\n".join(line.split("--")[0] for line in text.splitlines())
    code = re.sub(r"'[^']*'", "''", code)  # string literals may be in any case
    assert code == code.lower(), f"{path}: SQL must be lower case"
    placeholders = set(re.findall(r"\{(\w+)\}", code))
    assert placeholders <= {"where", "where_all_periods"}, path
    assert "%s" not in code and "{}" not in code


def test_metrics_never_import_streamlit():
    package = Path(resources.files("retention_analytics"))
    for path in [*package.joinpath("metrics").glob("*.py"), package / "filters.py", package / "export.py",
                 package / "privacy.py", package / "formatting.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split(".")[0] == "streamlit" for name in imported), path


# --------------------------------------------------------------------------- one number, one value
def _consistency_filters(con) -> list[Filters]:
    years = con.execute("select distinct year(reference_date) from case_facts where reference_date is not null").fetchall()
    year = sorted(y for (y,) in years)[-1]
    top_operator = con.execute(
        "select operator_key from case_facts where operator_key is not null group by 1 order by count(*) desc limit 1"
    ).fetchone()[0]
    return [
        Filters(),
        Filters(start=D(year, 1, 1), end=D(year, 12, 31)),
        Filters(start=D(year, 1, 1), end=D(year, 12, 31), period_basis="finished"),
        Filters().restrict_to([top_operator]),
    ]


def test_every_screen_agrees_on_the_demo_corpus(demo_db):
    """The same number shown on two screens (or a screen and a download) is the same value."""
    from retention_analytics import export

    with duckdb.connect(str(demo_db), read_only=True) as con:
        for f in _consistency_filters(con):
            k = one(metrics.kpis(con, f))
            assert k["cases"] > 0, f
            for table in ("effectiveness_operator", "effectiveness_analyst", "requested_by"):
                df = metrics.compute(table, con, f)
                assert df["cases"].sum() == k["cases"], (table, f)
                assert df["attempts"].sum() == k["attempts"], (table, f)
                assert df["retained"].sum() == k["retained"], (table, f)
            assert metrics.cases_count(con, f) == k["cases"]
            assert metrics.open_by_age_band(con, f)["cases"].sum() == k["open_cases"]
            closure = metrics.closure_times(con, f)
            total = closure[closure["is_total"]].iloc[0]
            assert total["closed"] == metrics.sla(con, f)["n"].iloc[0] == k["closure_n"]
            assert total["median_days"] == pytest.approx(k["median_days"], nan_ok=True)
            reasons = metrics.reasons(con, f)
            if len(reasons):
                assert set(reasons["terminated"]) == {k["terminations"]}
            assert set(metrics.reason_categories(con, f)["terminated"]) == {k["terminations"]}
            uf = metrics.coverage_uf(con, f)
            assert uf["lives_at_risk"].sum() == k["lives_at_risk"]
            assert uf["gap_cities"].sum() == k["gap_cities"]
            assert uf["cases"].sum() <= k["cases"]
            cities = metrics.coverage_city(con, f)
            assert cities["cros_lost"].sum() <= k["cros_lost"]
            actions = metrics.actions(con, f)
            assert ((actions["attempts_offered"] + actions["attempts_not_offered"]) == k["attempts"]).all()
            assert metrics.monthly_outcomes(con, f)["cases"].sum() <= k["cases"]
            for name in metrics.TABLES:
                df = metrics.compute(name, con, f)
                assert export.to_csv_bytes(df, name, f.describe()).startswith(b"\xef\xbb\xbf")
                assert export.to_xlsx_bytes(df, name, f.describe())[:2] == b"PK"
                assert len(export.to_records(df)) == len(df)


def test_no_table_shows_a_cpf_or_cnpj(demo_db):
    from retention_analytics import export

    with duckdb.connect(str(demo_db), read_only=True) as con:
        documents = {
            value
            for (cpf, cnpj) in con.execute("select cpf, cnpj from cases").fetchall()
            for value in (cpf, cnpj)
            if value
        }
        assert documents, "the demo corpus should carry CPFs/CNPJs to hide"
        for name in metrics.TABLES:
            df = metrics.compute(name, con, Filters())
            cells = {re.sub(r"[^0-9A-Z]", "", str(v).upper()) for v in df.astype("object").to_numpy().ravel()}
            leaked = [d for d in documents if any(d in cell for cell in cells)]
            assert not leaked, (name, leaked[:3])
            assert df.empty or export.to_csv_bytes(df, name, "")


def test_city_coverage_is_computed_once_per_page_and_never_served_stale(tmp_path):
    # coverage_city feeds the headline numbers, the gap list, the UF table and the city table:
    # query.run keeps its frame per database, data version and filters so a page computes it once.
    from retention_analytics.demo import write_corpus
    from retention_analytics.forms.sources import iter_documents
    from retention_analytics.metrics import query
    from retention_analytics.store import open_store

    files = write_corpus(tmp_path / "forms", 40, seed=3)
    store = open_store(tmp_path / "cases.duckdb")
    store.ingest(iter_documents(files[:25]))
    f = Filters()

    def page(con):
        return (metrics.kpis(con, f), metrics.coverage_gaps(con, f), metrics.coverage_uf(con, f),
                metrics.coverage_city(con, f))

    query.clear_shared()
    with store.connect() as con:
        shared = page(con)
        assert len(query._shared) == 1  # one frame for the four summaries
        shared[3]["added_by_a_caller"] = 1  # callers get copies: the kept frame is untouched
        assert "added_by_a_caller" not in metrics.coverage_city(con, f).columns
        query.clear_shared()
        alone = [page(con)[i] for i in range(4)]  # each computed from scratch
    for got, expected in zip(shared[:3], alone[:3]):
        pd.testing.assert_frame_equal(got, expected)

    before = alone[3]["cases"].sum()
    store.ingest(iter_documents(files[25:]))  # a write bumps the data version
    with store.connect() as con:
        after = metrics.coverage_city(con, f)
        query.clear_shared()
        fresh = metrics.coverage_city(con, f)
    pd.testing.assert_frame_equal(after, fresh)
    assert after["cases"].sum() > before


# --------------------------------------------------------------------------- one rule, one place
def test_an_analyst_or_operator_is_shown_one_way_whatever_the_case_or_accents_on_the_forms(demo_db):
    """The demo corpus writes names as forms do ("FÁBIO NOGUEIRA PRATES" on one, "Fábio Nogueira
    Prates" on another): every table and the sidebar show each analyst and operator under one
    spelling (views.sql's *_names: the spelling used most often), the same everywhere."""
    from retention_analytics.text import key as grouping_key

    with duckdb.connect(str(demo_db), read_only=True) as c:
        written = c.execute("select count(distinct analyst) - count(distinct analyst_key) from cases "
                            "where is_current").fetchone()[0]
        assert written > 0, "the corpus has analysts written several ways: the test would prove nothing"
        f = Filters()
        options = metrics.filter_options(c, f)
        canonical = {"analyst": dict(zip(options["analysts"]["value"], options["analysts"]["label"])),
                     "operator": dict(zip(options["operators"]["value"], options["operators"]["label"]))}
        frames = [metrics.get(s, c, f) for s in (metrics.cases, metrics.oldest_open_cases, metrics.compliance,
                                                 metrics.quality_warnings, metrics.effectiveness_analyst,
                                                 metrics.effectiveness_operator, metrics.closure_times,
                                                 metrics.closure_boxes_analyst, metrics.quality_superseded)]
        for who, names in canonical.items():
            shown = {v for frame in frames if who in frame for v in frame[who].dropna()} - {"Total"}
            spellings: dict[str, set[str]] = {}
            for name in shown:
                spellings.setdefault(grouping_key(name), set()).add(name)
            assert all(len(v) == 1 for v in spellings.values()), {k: v for k, v in spellings.items() if len(v) > 1}
            assert shown <= set(names.values()) | {"Não informada", "Não informado"}


def test_the_retention_rate_and_the_small_sample_rule_are_computed_in_one_place(con):
    """stats.add_rate is the only definition: no .sql divides retained by attempts, and every table
    with a rate carries its interval and its small-sample flag (the map reads coverage_uf's)."""
    sql = resources.files("retention_analytics.metrics").joinpath("sql")
    for path in sql.iterdir():
        assert not re.search(r"retained\s*/", path.read_text(encoding="utf-8")), path.name
    for name in ("kpis", "coverage_uf", "effectiveness_operator", "effectiveness_analyst", "requested_by"):
        out = metrics.compute(name, con, Y2024)
        assert {"retention_rate", "ci_low", "ci_high", "small_sample"} <= set(out.columns), name
        expected = add_rate(out.drop(columns=["retention_rate", "ci_low", "ci_high", "small_sample"]))
        pd.testing.assert_frame_equal(out[["retention_rate", "small_sample"]],
                                      expected[["retention_rate", "small_sample"]], check_dtype=False)


def test_a_requester_is_labelled_the_same_in_the_table_the_sidebar_and_the_caption(con):
    from retention_analytics.vocab import requester_label

    table = metrics.requested_by(con, Filters())
    assert dict(zip(table["requested_by"], table["label"])) == {v: requester_label(v) for v in table["requested_by"]}
    options = metrics.filter_options(con, Filters())["requested_by"]
    assert list(options["label"]) == [requester_label(v) for v in options["value"]]
    value = options["value"].iloc[0]
    assert Filters(requested_by=(value,)).describe() == f"Demandado por: {requester_label(value)}"


# --------------------------------------------------------------------------- Conformidade in SQL
# The headline and the sole-provider cities are aggregated in SQL (compliance_kpis.sql and
# compliance_sole_provider_cities.sql, over the steps of compliance_steps.sql): here they equal
# what pandas makes of compliance's every row, as the page computed them before.
COMPLIANCE_FILTERS = [
    Filters(),
    Filters(ufs=("SP", "MG")),
    Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
    Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30), period_basis="finished"),
    Filters().restrict_to(["odontolife"]),
    Filters(ufs=("AC",), outcomes=("retido",)),  # no termination at all
]


def _compliance_by_pandas(rows: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    lives = pd.to_numeric(rows["lives"], errors="coerce").fillna(0)
    sole_flag = rows["sole_provider"].fillna(False).astype(bool)
    kpis = {
        "terminations": len(rows),
        "with_substitute_same_city": int((rows["substitute_status"] == "mesmo_municipio").sum()),
        "notices_on_time": int((rows["notice_status"] == "no_prazo").sum()),
        "lives_without_substitute": int(lives[rows["substitute_status"] == "sem_substituto"].sum()),
        "sole_provider_terminations": int(sole_flag.sum()),
    }
    sole = rows[sole_flag]
    cities = (
        sole.assign(lives=pd.to_numeric(sole["lives"], errors="coerce"),
                    without=(sole["substitute_status"] == "sem_substituto").astype("int64"))
        .groupby(["uf", "city"], dropna=False)
        .agg(lives=("lives", "max"), terminations=("protocol_number", "size"), without_substitute=("without", "sum"))
        .reset_index()
        .sort_values(["lives", "uf", "city"], ascending=[False, True, True], na_position="last")
        .reset_index(drop=True)
    )
    return kpis, cities


@pytest.mark.parametrize("f", COMPLIANCE_FILTERS, ids=["todos", "uf", "ano", "final", "gestor", "sem_desligamentos"])
def test_compliance_headline_and_cities_in_sql_equal_pandas_over_every_row(demo_db, f):
    demo_db = Store(demo_db)
    as_of = dt.date(2026, 9, 1)
    rows = metrics.compliance(demo_db, f, as_of)
    kpis, cities = _compliance_by_pandas(rows)
    assert metrics.compliance_kpis(demo_db, f, as_of).iloc[0].to_dict() == kpis
    got = metrics.compliance_sole_provider_cities(demo_db, f, as_of)
    assert list(got.columns) == ["uf", "city", "lives", "terminations", "without_substitute"]
    assert got.astype({"lives": "float64"}).to_dict("records") == cities.astype({"lives": "float64"}).to_dict("records")
    if f == Filters():
        assert kpis["terminations"] > 0 and kpis["sole_provider_terminations"] > 0, "the demo exercises both"


@pytest.mark.parametrize("summary, kwargs", [
    (metrics.compliance, {}),
    (metrics.work_queue, {}),
    (metrics.work_queue, {"soon_only": True}),
    (metrics.work_queue_terminations, {}),
], ids=["conformidade", "fila", "fila-perto", "fila-pendentes"])
@pytest.mark.parametrize("limit, offset", [(7, 0), (7, 7), (100, 100), (5, 10**6), (None, 3)])
def test_a_page_of_a_list_is_that_slice_of_the_whole_table(demo_db, summary, kwargs, limit, offset):
    """$limit/$offset (the pages of Conformidade's and Fila's lists, ui/page.list_page) give rows
    `offset` to `offset + limit` of the whole list in its order; past the end, none."""
    demo_db = Store(demo_db)
    as_of = dt.date(2026, 9, 1)
    whole = summary(demo_db, Filters(), as_of, **kwargs)
    page = summary(demo_db, Filters(), as_of, limit=limit, offset=offset, **kwargs)
    assert len(whole) > (0 if kwargs else 14), "the demo has pages to turn"
    expected = whole.iloc[offset:] if limit is None else whole.iloc[offset:offset + limit]
    # int32 where no row of the page is null
    pd.testing.assert_frame_equal(page, expected.reset_index(drop=True), check_dtype=False)


@pytest.mark.parametrize("limit, offset", [(7, 0), (7, 7), (100, 100), (5, 10**6)])
def test_a_page_of_the_forms_with_warnings_is_that_slice_of_the_whole_list(demo_db, limit, offset):
    """quality_warnings' $limit/$offset (Qualidade dos dados' list of forms, a page at a time)."""
    demo_db = Store(demo_db)
    whole = metrics.quality_warnings(demo_db, Filters())
    assert len(whole) > 14, "the demo has pages to turn"
    page = metrics.quality_warnings(demo_db, Filters(), limit=limit, offset=offset)
    pd.testing.assert_frame_equal(page, whole.iloc[offset:offset + limit].reset_index(drop=True), check_dtype=False)


# --------------------------------------------------------------------------- a city's written name
def test_an_unmatched_city_written_two_ways_as_often_is_named_the_same_everywhere(tmp_path):
    """A city no IBGE name matched is shown as its spelling written most often; on a tie, the first
    in alphabetical order, in the city coverage and in the sidebar alike (not whichever the
    grouping met first)."""
    import pyarrow as pa

    from retention_analytics.demo.synth import synthesize
    from retention_analytics.store import open_store
    from retention_analytics.store.store import CASE_SCHEMA

    tables = synthesize(60, 3)
    cases = tables["cases"].cast(CASE_SCHEMA).to_pandas()  # plain text, not dictionary-encoded
    current = cases.index[cases["is_current"]][:4]
    spellings = ["Vila Inventada", "VILA INVENTADA", "Vila Inventada", "VILA INVENTADA"]
    for row, spelling in zip(current, spellings):
        cases.loc[row, ["uf", "city", "city_key", "ibge_code", "city_official"]] = ["MG", spelling, "vila inventada", None, None]
    tables["cases"] = pa.Table.from_pandas(cases, schema=CASE_SCHEMA, preserve_index=False)
    store = open_store(tmp_path / "tie.duckdb")
    store.bulk_insert_cases(tables, origin="demo", is_demo=True)

    with duckdb.connect(str(store.path), read_only=True) as c:
        for f in (Filters(), Filters(ufs=("MG",))):
            cities = metrics.coverage_city(c, f)
            assert cities.loc[cities["city_id"] == "MG|vila inventada", "city"].tolist() == ["VILA INVENTADA"]
            assert metrics.filter_options(c, f)["names"]["cities"]["MG|vila inventada"] == "VILA INVENTADA (MG)"


def test_the_warnings_listed_are_each_forms_own_in_their_order(demo_db):
    """Qualidade dos dados lists each form's warnings from case_facts (kept per write, views.sql):
    the messages case_warnings holds for it, in their order, joined by ' · '."""
    with duckdb.connect(str(demo_db), read_only=True) as c:
        listed = metrics.quality(c, Filters(), limit=50, parts=("warnings",))["warnings"]
        written = c.execute("select case_id, list(message order by position) as messages from case_warnings "
                            "group by case_id").df().set_index("case_id")["messages"]
    assert len(listed) > 10, "the demo has forms with warnings: the test would prove nothing"
    for case_id, shown in zip(listed["case_id"], listed["warnings"]):
        assert shown.split(" · ") == [privacy.mask_text(m) for m in written[case_id]], case_id
