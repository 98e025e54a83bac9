"""The benchmark: its page registry matches the pages, its pandas baseline matches the SQL metrics,
and `bench` runs end to end at a tiny size.

The pandas baseline (bench/pandas_baseline.py) is a second, independent implementation of every
summary a page shows; agreeing with the SQL metrics row for row, on a synthetic store and on the
demo corpus ingested from real files, under several filters, cross-checks both. Speed itself is
measured by `bench`, which prints numbers; nothing here asserts a duration.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from retention_analytics import metrics
from retention_analytics.bench import pandas_baseline as pb
from retention_analytics.demo.synth import synthesize
from retention_analytics.filters import Filters
from retention_analytics.metrics.pages import PAGE_QUERIES, PAGE_SCRIPTS
from retention_analytics.store import open_store
from retention_analytics.text import key
from retention_analytics.ui import nav

ROOT = Path(__file__).resolve().parents[1]

FILTERS = {
    "default": Filters(),
    "narrow": Filters(operators=("odontolife",), ufs=("SP",)),
    "period": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
    "status": Filters(outcomes=("aberto", "desligamento"), requested_by=("operadora",)),
    "finished": Filters(start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30), period_basis="finished"),
    "city": Filters(cities=("SP|3550308", "MG|3106200")),
}
# Columns of `cases` the page lists and the baseline computes the same way (the SQL side also masks
# file names, which the baseline leaves alone).
CASES_COLUMNS = ("case_id", "status", "operator", "uf", "city", "reference_date", "closure_days", "reasons", "actions",
                 "cpf", "cnpj")


@pytest.fixture(scope="module")
def synth_db(tmp_path_factory) -> Path:
    store = open_store(tmp_path_factory.mktemp("bench") / "synth.duckdb")
    store.bulk_insert_cases(synthesize(3000, 21), origin="demo", is_demo=True)
    return store.path


# --------------------------------------------------------------------------- comparing frames
def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _same(a: Any, b: Any, column: str) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is not None and b is not None and bool(a) == bool(b) or a is b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if column in ("city", "label") and isinstance(a, str) and isinstance(b, str):
        # an unmatched city is named by its most written spelling; two spellings may tie
        return key(a) == key(b)
    return a == b


def _differences(name: str, sql: Any, base: Any) -> list[str]:
    if isinstance(sql, dict):
        out = []
        for part, frame in base.items():
            if part in sql:
                mine, theirs = sql[part], frame
                if isinstance(mine, pd.DataFrame) and name.endswith("filter_options") and "value" in mine:
                    # sorted by label, and an unmatched city's label is a spelling that may tie
                    mine, theirs = mine.sort_values("value"), theirs.sort_values("value")
                out += _differences(f"{name}.{part}", mine, theirs)
        return out
    if not isinstance(sql, pd.DataFrame):
        return [] if _same(sql, base, "") else [f"{name}: sql {sql!r} ≠ pandas {base!r}"]
    columns = [c for c in base.columns if c in sql.columns]
    if name.endswith("/cases(limit=100, offset=0, search=None)"):
        columns = [c for c in columns if c in CASES_COLUMNS]
    if len(sql) != len(base):
        return [f"{name}: {len(sql)} rows in SQL, {len(base)} in pandas"]
    mine, theirs = sql[columns].reset_index(drop=True), base[columns].reset_index(drop=True)
    for column in columns:
        for i in range(len(mine)):
            if not _same(mine[column].iloc[i], theirs[column].iloc[i], column):
                return [f"{name}.{column}[{i}]: sql {_plain(mine[column].iloc[i])!r} ≠ pandas "
                        f"{_plain(theirs[column].iloc[i])!r}"]
    return []


@pytest.mark.parametrize("which", ["synth", "demo"])
def test_pandas_baseline_equals_the_sql_metrics_for_every_page(which: str, synth_db: Path, demo_db: Path) -> None:
    path = synth_db if which == "synth" else demo_db
    with duckdb.connect(str(path), read_only=True) as con:
        data = pb.load(con)
        problems: list[str] = []
        for label, f in FILTERS.items():
            for page, queries in PAGE_QUERIES.items():
                for q in queries:
                    sql = q.run(con, f)
                    base = pb.summary(data, q.name, q.filters_for(f), dict(q.kwargs))
                    problems += _differences(f"{label}/{page}/{q.label}", sql, base)
    assert not problems, "\n".join(problems[:20])


def test_baseline_pages_cover_the_registry(synth_db: Path) -> None:
    with duckdb.connect(str(synth_db), read_only=True) as con:
        data = pb.load(con)
    for page, queries in PAGE_QUERIES.items():
        assert len(pb.page(data, page, FILTERS["narrow"])) == len(queries)


# --------------------------------------------------------------------------- the registry
def test_registry_names_every_page_of_the_app() -> None:
    assert {p.path for p in nav.PAGES} == set(PAGE_SCRIPTS.values())
    assert {p.title: p.path for p in nav.PAGES} == PAGE_SCRIPTS
    assert set(PAGE_SCRIPTS) == set(PAGE_QUERIES)


@pytest.mark.parametrize("page", list(PAGE_SCRIPTS))
def test_each_page_asks_for_exactly_what_the_registry_lists(page: str, synth_db: Path, use_db, monkeypatch) -> None:
    """Run the page and record every call to ui/data.py: the benchmark must time what pages do.
    (On the synthetic store: the 300 demo cases leave some sections empty under the narrow filter,
    and an empty section asks for nothing.)"""
    from retention_analytics.ui import data

    use_db(synth_db)
    data.clear_caches()
    calls: list[tuple[str, tuple, bool]] = []
    narrow = FILTERS["narrow"]
    original = data.get

    def record(summary: Any, filters: Filters, **kwargs: Any) -> Any:
        calls.append((metrics.name_of(summary), tuple(sorted(kwargs.items())), filters == filters.access_only()))
        return original(summary, filters, **kwargs)

    monkeypatch.setattr(data, "get", record)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    try:
        from retention_analytics.auth import User
        from retention_analytics.ui.state import USER_KEY

        at.session_state[USER_KEY] = User("bench", "admin")
    except ImportError:
        pass
    at.query_params["op"] = list(narrow.operators)
    at.query_params["uf"] = list(narrow.ufs)
    if PAGE_SCRIPTS[page] != "pages/0_Visao_geral.py":
        at.switch_page(PAGE_SCRIPTS[page])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    expected = sorted((q.name, q.kwargs, q.access_only) for q in PAGE_QUERIES[page])
    # A page may ask twice for the same summary (the second is a cache hit): distinct calls count.
    assert sorted(set(calls)) == expected


# --------------------------------------------------------------------------- the command
def test_bench_runs_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "retention_analytics", "bench", "--cases", "1000,2000", "--repeats", "1", "--cold-repeats", "1",
         "--cache-dir", str(tmp_path / "cache"), "--json", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("summary: min speedup vs pandas ") and "×, max page time ratio largest/smallest " in last
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["sizes"]) == {"1000", "2000"}
    for entry in report["sizes"].values():
        assert set(entry["sql"]["pages"]) == {f"{f}|{p}" for f in ("default", "narrow") for p in PAGE_QUERIES}
        assert all(not row["errors"] for row in entry["app"]["pages"].values())
        assert entry["app"]["peak_rss_mb"] > 0 and entry["pandas"]["load_s"] >= 0
    assert report["machine"]["nproc"] and report["summary"]["min_speedup"] > 0
    # The synthetic stores are cached: a second run builds none.
    assert len(list((tmp_path / "cache").glob("synth-*.duckdb"))) == 2
