"""Running the SQL of `metrics/sql/` with a `Filters`: the only place metrics talk to DuckDB.

Each `sql/<name>.sql` is one summary, written in lower case with one CTE per step. It may contain
two placeholders, both filled with fragments built by `Filters.where()` (alias `c` over
`case_facts`): `{where}` (every filter) and `{where_all_periods}` (every filter but the period).
Every value is a bound DuckDB parameter (`$name`); nothing else is ever formatted into SQL.

It keeps one cache, the second of the app's two layers (ui/data.py has the first): the frames of
SHARED_QUERIES, which several summaries of one page need, under (database, data version, SQL,
parameters). The SQL text itself is not cached (`load_sql`).

It must not define any metric (that is the SQL's and summaries.py's job), import streamlit or
return unaggregated tables.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from ..filters import Filters
from ..vocab import NO_ANALYST, NO_OPERATOR

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
# What a query shows for a blank operator or analyst ($no_operator, $no_analyst): vocab.py's
# spellings, bound like any value, so the SQL never spells them itself.
LABEL_PARAMS: dict[str, str] = {"no_operator": NO_OPERATOR, "no_analyst": NO_ANALYST}
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


_STEPS = re.compile(r"\{steps:([a-z_][a-z0-9_]*)\}")


def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`, read from disk on every call: a file of a few hundred bytes
    reads in microseconds, next to queries of milliseconds, and an edited .sql is then seen at
    once, without restarting the app (no cache to go stale).

    `{steps:other}` stands for the CTE steps of `sql/other.sql` (a file of steps, no final select):
    queries that start from the same steps (compliance's table, its headline and its cities) share
    them instead of each spelling them."""
    if not _NAME.match(name):
        raise ValueError(f"invalid query name {name!r}")
    text = resources.files(__package__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
    return _STEPS.sub(lambda m: load_sql(m.group(1)).strip(), text)


def connection(source: Any) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection given as such or held by an object (`.con`, `.connection`)."""
    if isinstance(source, duckdb.DuckDBPyConnection):
        return source
    for attribute in ("con", "connection", "conn"):
        candidate = getattr(source, attribute, None)
        if isinstance(candidate, duckdb.DuckDBPyConnection):
            return candidate
    raise TypeError(f"not a DuckDB connection or a store: {type(source).__name__}")


@contextmanager
def cursor(source: Any) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor for one query: on a connection (a cursor of it, safe across threads) or on a
    store (`store.connect()`: a short-lived read-only connection)."""
    if not isinstance(source, duckdb.DuckDBPyConnection) and callable(getattr(source, "connect", None)):
        with source.connect() as con:
            yield con
        return
    con = connection(source)
    cur = con.cursor()
    try:
        yield cur
    finally:
        cur.close()


def render(name: str, f: Filters, access_only: bool = False) -> tuple[str, dict[str, Any]]:
    """The SQL of `name` with its filter placeholders filled, and the filters' parameters."""
    sql = load_sql(name)
    scope = f.access_only() if access_only else f
    where, params = scope.where("c", include_period=True)
    where_all, params_all = scope.where("c", include_period=False)
    sql = sql.replace("{where_all_periods}", where_all).replace("{where}", where)
    return sql, {**params_all, **params}


def run(source: Any, name: str, f: Filters | None = None, *, access_only: bool = False,
        **params: Any) -> pd.DataFrame:
    """Run `sql/<name>.sql` under `f` with extra named `params`; a DataFrame of its rows.

    `access_only` applies only the access restriction of `f` (for lists of choices and details).
    """
    sql, bound = _prepare(name, f, access_only, params)
    with cursor(source) as con:
        key = _shared_key(con, name, sql, bound)
        if key is not None:
            hit = _shared_get(key)
            if hit is not None:
                return hit
        out = con.execute(sql, bound).df()
        if key is not None:
            _shared_put(key, out)
        return out


# Queries whose frame several summaries need: coverage_city feeds the headline numbers (gap
# cities, lives at risk), the gap list, the UF table and the city table, so one page would
# otherwise compute it up to four times (~70 ms each at a million cases). Their frames are kept
# per database file, data version (bumped by every write) and SQL with its parameters, in this
# process, for the few most recent filter sets.
# Conformidade's headline and cities are aggregated in SQL (compliance_kpis.sql, …) and its table
# asks for the rows shown only, so compliance is no longer among them.
SHARED_QUERIES = frozenset({"coverage_city"})
SHARED_MAX_ENTRIES = 16
_shared: OrderedDict[tuple[str, str, str, str], pd.DataFrame] = OrderedDict()
_shared_lock = threading.Lock()


def _shared_key(con: duckdb.DuckDBPyConnection, name: str, sql: str, bound: dict[str, Any]) -> tuple[str, str, str, str] | None:
    if name not in SHARED_QUERIES:
        return None
    try:
        path, version = con.execute(
            "select (select path from duckdb_databases() where database_name = current_database()), "
            "(select value from meta where key = 'data_version')"
        ).fetchone()
    except duckdb.Error:
        return None  # a database without the store's meta table (built by hand): no sharing
    if not path or version is None:
        return None  # in memory, or never written through the store: no version to trust
    return (str(path), str(version), sql, repr(sorted(bound.items())))


def _shared_get(key: tuple[str, str, str, str]) -> pd.DataFrame | None:
    with _shared_lock:
        frame = _shared.get(key)
        if frame is None:
            return None
        _shared.move_to_end(key)
        return frame.copy()  # callers add and drop columns on what they get


def _shared_put(key: tuple[str, str, str, str], frame: pd.DataFrame) -> None:
    with _shared_lock:
        _shared[key] = frame.copy()
        while len(_shared) > SHARED_MAX_ENTRIES:
            _shared.popitem(last=False)


def known(source: Any, name: str, f: Filters | None = None, **params: Any) -> pd.DataFrame | None:
    """The frame of `name` (one of SHARED_QUERIES) under `f` if this process has it already for the
    database's current data version, else None. Runs nothing but the version lookup: for a summary
    that can take its numbers from a frame the page computed anyway (summaries.kpis)."""
    sql, bound = _prepare(name, f, False, params)
    with cursor(source) as con:
        key = _shared_key(con, name, sql, bound)
    return _shared_get(key) if key is not None else None


def clear_shared() -> None:
    """Forget the shared frames (the benchmark's cold runs; tests)."""
    with _shared_lock:
        _shared.clear()


# Queries run side by side by run_many: two cores, and a small query keeps DuckDB busy on one.
PARALLEL_QUERIES = 2
# One pool of threads per process, kept: starting two threads cost ~4 ms per summary, as much as
# a small query. Recreated in a forked child (its parent's threads do not exist there).
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _query_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(max_workers=PARALLEL_QUERIES, thread_name_prefix="metrics"))
        return _pool[1]


def run_many(source: Any, calls: list[tuple[str, Filters | None, dict[str, Any]]]) -> list[pd.DataFrame]:
    """Several `run`s — (name, filters, params) each — their frames in the same order.

    On a DuckDB connection they run side by side, each on its own cursor (made here, in the
    calling thread: a connection is not to be shared between threads): a summary made of several
    small queries then waits for the slowest instead of their sum. A shared frame already known
    (SHARED_QUERIES) is not run again. On a store, one after another (each opens its own
    short-lived connection anyway)."""
    if not isinstance(source, duckdb.DuckDBPyConnection) or len(calls) < 2:
        return [run(source, name, f, **params) for name, f, params in calls]
    prepared = [
        _prepare(name, f, bool(params.get("access_only", False)), {k: v for k, v in params.items() if k != "access_only"})
        for name, f, params in calls
    ]
    keys = [_shared_key(source, name, sql, bound) for (name, _, _), (sql, bound) in zip(calls, prepared)]
    frames: list[pd.DataFrame | None] = [_shared_get(key) if key is not None else None for key in keys]
    todo = [i for i, frame in enumerate(frames) if frame is None]
    cursors = [source.cursor() for _ in todo]
    try:
        if len(todo) == 1:
            frames[todo[0]] = cursors[0].execute(*prepared[todo[0]]).df()
        elif todo:
            pool = _query_pool()
            futures = [pool.submit(lambda c, q: c.execute(q[0], q[1]).df(), cur, prepared[i])
                       for cur, i in zip(cursors, todo)]
            for i, future in zip(todo, futures):
                frames[i] = future.result()
    finally:
        for cur in cursors:
            cur.close()
    for i in todo:
        if keys[i] is not None:
            _shared_put(keys[i], frames[i])
    return frames  # type: ignore[return-value]


def run_records(source: Any, name: str, f: Filters | None = None, *, access_only: bool = False,
                **params: Any) -> list[dict[str, Any]]:
    """Like `run`, as plain Python rows (lists and structs stay Python lists and dicts)."""
    sql, bound = _prepare(name, f, access_only, params)
    with cursor(source) as con:
        result = con.execute(sql, bound)
        columns = [d[0] for d in result.description]
        return [dict(zip(columns, row)) for row in result.fetchall()]


def _prepare(name: str, f: Filters | None, access_only: bool, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sql, bound = render(name, f or Filters(), access_only=access_only)
    bound = {**LABEL_PARAMS, **bound, **params}
    used = set(_PARAM.findall(sql))
    missing = used - bound.keys()
    if missing:
        raise KeyError(f"{name}.sql needs parameters {sorted(missing)}")
    return sql, {k: v for k, v in bound.items() if k in used}
