"""The home page (Visão geral) through AppTest: KPI cards with their change against the previous
period, the honest caption when that period starts before the data, and the empty states."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retention_analytics import metrics
from retention_analytics.filters import Filters
from retention_analytics.store import Store

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def home(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def test_kpis_match_the_metrics_and_compare_with_the_previous_year(demo_db, use_db):
    use_db(demo_db)
    at = home({"de": "2025-01-01", "ate": "2025-12-31"})
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    expected = metrics.kpis(Store(demo_db), Filters.from_query_params({"de": "2025-01-01", "ate": "2025-12-31"})).iloc[0]
    assert cards["Casos"].value == f"{int(expected['cases']):,}".replace(",", ".")
    assert cards["Casos"].delta  # 2024 is complete in the demo: a change is shown
    assert "Variações contra 2024." in captions(at)


def test_previous_period_before_the_data_is_called_incomplete(demo_db, use_db):
    use_db(demo_db)
    at = home({"de": "2023-01-01", "ate": "2023-12-31"})
    assert not at.exception
    assert any("período anterior está incompleto" in c for c in captions(at))


@pytest.mark.parametrize("query", [{"op": "operadorainexistente"}, {"de": "1990-01-01", "ate": "1990-12-31"}])
def test_a_filter_matching_nothing_says_so(demo_db, use_db, query):
    use_db(demo_db)
    at = home(query)
    assert not at.exception
    assert any("Nenhum caso corresponde" in i.value for i in at.info)


def test_empty_and_missing_databases(empty_db, use_db, tmp_path):
    for path in (empty_db, tmp_path / "nao_existe.duckdb"):
        use_db(path)
        at = home()
        assert not at.exception
        assert at.info  # tells the user how to load forms


def test_the_monthly_table_is_a_grid_of_months_by_status(demo_db, use_db):
    """Issue 10: 144 rows of month × status were a list to scroll; now one row per month."""
    use_db(demo_db)
    at = home()
    assert not at.exception
    grid = next(d.value for d in at.dataframe if "Mês" in d.value.columns)
    assert list(grid.columns) == ["Mês", "Retenção Efetiva", "Desligamento", "Não se trata de Retenção",
                                  "Em aberto", "Total"]
    long = metrics.monthly_outcomes(Store(demo_db), Filters())
    assert len(grid) == long["month"].nunique()
    assert int(grid["Total"].sum()) == int(long["cases"].sum())
    terminations = long[long["outcome"] == "desligamento"]["cases"].sum()
    assert int(grid["Desligamento"].sum()) == int(terminations)
