"""Numbers unchanged: every summary on the demo corpus equals a snapshot committed before a refactor.

The snapshot (tests/fixtures/summaries/demo.json) holds every exportable table of `metrics.TABLES`,
the headline with its deltas, the case list and count and the sidebar's choices, under several
filters, computed on the demo corpus of conftest (300 cases, seed 7) with "today" fixed, so that
a change meant to move code around and not numbers shows here as a failing table. A change that
is meant to change a number or a label rewrites the snapshot on purpose:

    .venv/bin/python tests/test_metrics_snapshot.py --write

and its commit says which values changed and why.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script to write the snapshot
    sys.path.insert(0, str(ROOT))

from retention_analytics import metrics  # noqa: E402
from retention_analytics.filters import Filters  # noqa: E402
from retention_analytics.metrics import summaries  # noqa: E402

SNAPSHOT = ROOT / "tests" / "fixtures" / "summaries" / "demo.json"
TODAY = dt.date(2026, 9, 1)  # "today" of every age and deadline in the snapshot
# The moment the snapshot's corpus is stored: a substitute found in a form starts the day its record
# is stored, so "Dias sem substituto" would otherwise grow by one each day the suite runs.
STORED_AT = dt.datetime(2026, 12, 2, 12, 0)
DEMO_CASES, DEMO_SEED = 300, 7  # conftest's demo corpus

FILTERS: dict[str, Filters] = {
    "todos": Filters(),
    "uf": Filters(ufs=("SP", "MG")),
    "ano": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
    "final": Filters(start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 30), period_basis="finished"),
    "status": Filters(outcomes=("aberto", "desligamento")),
    "gestor": Filters().restrict_to(["odontolife", "dentalprime"]),
}
# Columns whose value is the moment of the import, not a number of the corpus.
VOLATILE = frozenset({"ingested_at"})
# Columns holding the path of the form file: only its name is the corpus's (the folder is a temporary one).
PATHS = frozenset({"source"})


def _plain(value: Any) -> Any:
    """A JSON value that compares exactly: floats to 10 significant digits, dates as ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(f"{float(value):.10g}")
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _frame(df: pd.DataFrame) -> dict[str, Any]:
    columns = [c for c in df.columns if c not in VOLATILE]
    paths = [c in PATHS for c in columns]
    rows = [[_plain(Path(v).name if is_path and isinstance(v, str) else v) for v, is_path in zip(row, paths)]
            for row in df[columns].itertuples(index=False, name=None)]
    return {"columns": [str(c) for c in columns], "rows": rows}


def summaries_of(con: Any) -> dict[str, Any]:
    """Every summary under every filter set of FILTERS, as plain JSON values."""
    out: dict[str, Any] = {}
    for label, f in FILTERS.items():
        part: dict[str, Any] = {}
        for name in sorted(metrics.TABLES):
            part[f"table:{name}"] = _frame(metrics.compute(name, con, f))
        part["kpis_with_delta"] = _frame(metrics.kpis_with_delta(con, f))
        part["cases_count"] = metrics.cases_count(con, f)
        options = metrics.filter_options(con, f)
        for kind in ("operators", "analysts", "ufs", "cities", "requested_by", "outcomes"):
            part[f"options:{kind}"] = _frame(options[kind])
        part["options:dates"] = [_plain(options[k]) for k in ("min_date", "max_date", "min_finished", "max_finished")]
        out[label] = part
    return out


def _fixed_today(as_of: dt.date | None) -> dt.date:
    return as_of or TODAY


def build_demo(folder: Path) -> Path:
    """conftest's demo corpus, stored with the store's clock at STORED_AT."""
    from retention_analytics.demo import write_corpus
    from retention_analytics.forms.sources import iter_documents
    from retention_analytics.store import open_store
    from retention_analytics.store import store as store_module

    files = write_corpus(folder / "forms", DEMO_CASES, DEMO_SEED)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_module, "_now", lambda: STORED_AT)
        store = open_store(folder / "demo.duckdb")
        store.ingest(iter_documents(files), origin="demo", demo=True)
    return store.path


@pytest.fixture(scope="module")
def snapshot_db(tmp_path_factory) -> Path:
    return build_demo(tmp_path_factory.mktemp("snapshot"))


def test_the_corpus_is_stored_at_the_pinned_moment(snapshot_db):
    """The snapshot does not depend on the day the suite runs: every write of the build is dated STORED_AT."""
    with duckdb.connect(str(snapshot_db), read_only=True) as con:
        stamps = {row[0] for row in con.execute("select distinct entered_at from substitutions").fetchall()}
    assert stamps == {STORED_AT}


def test_every_summary_equals_the_snapshot(snapshot_db, monkeypatch):
    monkeypatch.setattr(summaries, "_today", _fixed_today)
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    with duckdb.connect(str(snapshot_db), read_only=True) as con:
        got = json.loads(json.dumps(summaries_of(con)))
    assert got.keys() == expected.keys()
    for label in expected:
        missing = expected[label].keys() - got[label].keys()
        assert not missing, f"{label}: summaries no longer computed: {sorted(missing)}"
        for name, value in expected[label].items():
            assert got[label][name] == value, f"{label} / {name} changed"


def main() -> None:
    if "--write" not in sys.argv:
        raise SystemExit("usage: tests/test_metrics_snapshot.py --write")
    summaries._today = _fixed_today
    with tempfile.TemporaryDirectory() as tmp:
        path = build_demo(Path(tmp))
        with duckdb.connect(str(path), read_only=True) as con:
            data = summaries_of(con)
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    SNAPSHOT.write_text(json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{SNAPSHOT}: {sum(len(v) for v in data.values())} summaries")


if __name__ == "__main__":
    main()
