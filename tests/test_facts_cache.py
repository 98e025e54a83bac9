"""The store's copies of the derived relations (views.sql's `<name>_live` kept as `<name>_cache`).

Every page reads case_facts, operator_names, analyst_names and filter_choices; in a store they are
tables refreshed in the same transaction as each write (only the touched cases after an ingest,
everything after a reparse, a schema change or a bulk load). They must always hold exactly what
the live definitions compute, or a page would show numbers no definition gives.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from retention_analytics.demo import write_corpus
from retention_analytics.demo.synth import synthesize
from retention_analytics.forms.sources import iter_documents
from retention_analytics.store import Store, open_store
from retention_analytics.store.store import DERIVED_RELATIONS


# The names are the spelling written most often (mode); when two spellings tie, either is right, and
# the copy keeps the one it chose until the next write. Compared on the key and count, and the name
# checked to be one of the most written spellings.
_NAMES = {"operator_names": ("operator_key", "operator", "operator_name"),
          "analyst_names": ("analyst_key", "analyst", "analyst_name")}


def _differences(path: Path) -> dict[str, int]:
    """Rows in the copy and not live, plus rows live and not in the copy, per relation."""
    out = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for name in DERIVED_RELATIONS:
            columns = f"{_NAMES[name][0]}, cases" if name in _NAMES else "*"
            one = con.execute(f"select count(*) from (select {columns} from {name} except all "
                              f"select {columns} from {name}_live)").fetchone()[0]
            two = con.execute(f"select count(*) from (select {columns} from {name}_live except all "
                              f"select {columns} from {name})").fetchone()[0]
            if name in _NAMES:
                key, written, label = _NAMES[name]
                one += con.execute(f"""
                    select count(*) from {name} n
                    where n.{label} not in (
                        select {written} from cases where is_current and {key} = n.{key}
                        group by {written}
                        having count(*) = (select max(k) from (select count(*) as k from cases
                                           where is_current and {key} = n.{key} group by {written})))
                """).fetchone()[0]
            out[name] = one + two
            # and the name the metrics read is the copy
            definition = con.execute(
                "select sql from duckdb_views() where view_name = ?", [name]).fetchone()[0]
            assert f"{name}_cache" in definition, definition
    return out


@pytest.fixture
def corpus(tmp_path_factory) -> list[Path]:
    return write_corpus(tmp_path_factory.mktemp("forms"), 120, 17)


def test_copies_follow_ingests_supersessions_and_reparse(tmp_path: Path, corpus: list[Path]) -> None:
    store = open_store(tmp_path / "store.duckdb")
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}
    half = len(corpus) // 2
    store.ingest(iter_documents(corpus[:half]), origin="cli")  # later versions of some protocols come in the 2nd half
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}
    summary = store.ingest(iter_documents(corpus[half:]), origin="cli")
    assert summary.new == len(corpus) - half
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}
    store.reparse()
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}
    with duckdb.connect(str(store.path), read_only=True) as con:
        facts = con.execute("select count(*) from case_facts").fetchone()[0]
        current = con.execute("select count(*) from cases where is_current").fetchone()[0]
    assert facts == current > 0


def test_copies_of_a_bulk_load_and_an_ingest_on_top(tmp_path: Path, corpus: list[Path]) -> None:
    store = open_store(tmp_path / "synth.duckdb")
    store.bulk_insert_cases(synthesize(1500, 9), origin="demo", is_demo=True)
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}
    store.ingest(iter_documents(corpus[:40]), origin="demo", demo=True)  # the demo corpus on top
    assert _differences(store.path) == {name: 0 for name in DERIVED_RELATIONS}


def test_a_store_from_an_older_version_gets_its_copies_on_open(tmp_path: Path, corpus: list[Path]) -> None:
    """A file whose views point at the live definitions (an older schema) is brought up to date by
    ensure_schema, which every open runs."""
    store = open_store(tmp_path / "old.duckdb")
    store.ingest(iter_documents(corpus[:30]), origin="cli")
    with duckdb.connect(str(store.path)) as con:
        for name in DERIVED_RELATIONS:
            con.execute(f"create or replace view {name} as select * from {name}_live")
        con.execute("update meta set value = 'older' where key = 'schema_hash'")
    before = Store(store.path).data_version()
    reopened = open_store(store.path)
    assert _differences(reopened.path) == {name: 0 for name in DERIVED_RELATIONS}
    assert reopened.data_version() == before + 1  # a rewrite of the derived tables is a write
