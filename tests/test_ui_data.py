"""ui/data.py, the app's one way to a number: by function reference, cached per data version and
filters (the first of the two cache layers), a write seen at once; and metrics/query.py reading
each .sql afresh, so an edited query is seen without a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from retention_analytics import metrics
from retention_analytics.demo import write_corpus
from retention_analytics.filters import Filters
from retention_analytics.forms.sources import iter_documents
from retention_analytics.metrics import query
from retention_analytics.store import open_store
from retention_analytics.ui import data


@pytest.fixture
def counted(monkeypatch):
    """How many times a summary was really computed (not served from the cache)."""
    calls: list[str] = []
    original = metrics.get

    def get(summary, con, f=None, **kwargs):
        calls.append(metrics.name_of(summary))
        return original(summary, con, f, **kwargs)

    monkeypatch.setattr(metrics, "get", get)
    return calls


def test_a_summary_is_computed_once_per_data_version_and_filters(tmp_path: Path, use_db, counted) -> None:
    files = write_corpus(tmp_path / "forms", 30, seed=5)
    store = open_store(tmp_path / "casos.duckdb")
    store.ingest(iter_documents(files[:20]))
    use_db(store.path)
    data.clear_caches()
    first = data.get(metrics.kpis, Filters())
    again = data.get(metrics.kpis, Filters())
    assert counted == ["kpis"], "the same filters on the same data: served from the cache"
    assert first.equals(again)
    again["added_by_a_page"] = 1  # a page gets a copy: the cached frame stays as computed
    assert "added_by_a_page" not in data.get(metrics.kpis, Filters()).columns
    data.get(metrics.kpis, Filters(ufs=("SP",)))
    assert counted == ["kpis", "kpis"], "other filters: computed"
    version = data.data_version()
    store.ingest(iter_documents(files[20:]))  # a committed write: a new data version
    assert data.data_version() > version
    after = data.get(metrics.kpis, Filters())
    assert counted == ["kpis", "kpis", "kpis"]
    assert int(after["cases"].iloc[0]) > int(first["cases"].iloc[0]), "no stale number after a write"


def test_a_table_comes_with_its_contract_columns_and_only_registered_summaries_are_served(demo_db, use_db) -> None:
    use_db(demo_db)
    data.clear_caches()
    cases = data.get(metrics.cases, Filters(), limit=5)
    assert list(cases.columns) == [c for c in metrics.TABLES["cases"].columns if c in cases.columns]
    quality = data.get(metrics.quality, Filters(), limit=10)
    assert list(quality["warnings"].columns) == list(metrics.TABLES["quality_warnings"].columns)
    with pytest.raises(ValueError):
        data.get(lambda con, f: None, Filters())


def test_an_edited_sql_file_is_seen_without_a_restart(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sql").mkdir()
    monkeypatch.setattr(query.resources, "files", lambda package: tmp_path)
    path = tmp_path / "sql" / "uma_consulta.sql"
    path.write_text("select 1 as n", encoding="utf-8")
    assert query.load_sql("uma_consulta") == "select 1 as n"
    path.write_text("select 2 as n", encoding="utf-8")  # a developer edits the query
    assert query.load_sql("uma_consulta") == "select 2 as n"


@pytest.mark.parametrize("text, expected, rows", [
    ("with {steps:passos}\nselect * from b", "with a as (select 1 as n),\nb as (select n from a)\nselect * from b",
     [(1,)]),
    ("with {steps:passos},\nc as (select n + 1 as n from b)\nselect * from c",
     "with a as (select 1 as n),\nb as (select n from a),\nc as (select n + 1 as n from b)\nselect * from c", [(2,)]),
])
def test_a_query_shares_another_files_steps(tmp_path: Path, monkeypatch, text: str, expected: str, rows) -> None:
    """`{steps:name}` stands for the CTE steps of sql/name.sql (query.load_sql): compliance.sql,
    compliance_kpis.sql and work_queue_terminations.sql start from compliance_steps.sql."""
    (tmp_path / "sql").mkdir()
    monkeypatch.setattr(query.resources, "files", lambda package: tmp_path)
    (tmp_path / "sql" / "passos.sql").write_text("a as (select 1 as n),\nb as (select n from a)\n", encoding="utf-8")
    (tmp_path / "sql" / "consulta.sql").write_text(text, encoding="utf-8")
    assert query.load_sql("consulta") == expected
    import duckdb

    assert duckdb.connect().execute(query.load_sql("consulta")).fetchall() == rows


def test_included_steps_are_named_like_queries(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "sql").mkdir()
    monkeypatch.setattr(query.resources, "files", lambda package: tmp_path)
    (tmp_path / "sql" / "consulta.sql").write_text("with {steps:../fora} select 1", encoding="utf-8")
    # Not a step name: left as written, and DuckDB refuses the text; no other file is ever read.
    assert query.load_sql("consulta") == "with {steps:../fora} select 1"
