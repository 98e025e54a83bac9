"""Running the SQL of `metrics/sql/` with a `Filters`: the only place metrics talk to DuckDB.

Each `sql/<name>.sql` is one summary, written in lower case with one CTE per step. It may contain
two placeholders, both filled with fragments built by `Filters.where()` (alias `c` over
`case_facts`): `{where}` (every filter) and `{where_all_periods}` (every filter but the period).
Every value is a bound DuckDB parameter (`$name`); nothing else is ever formatted into SQL.

It must not define any metric (that is the SQL's and summaries.py's job), import streamlit or
return unaggregated tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from importlib import resources
from typing import Any

import duckdb
import pandas as pd

from ..filters import Filters

_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


@lru_cache(maxsize=None)
def load_sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    if not _NAME.match(name):
        raise ValueError(f"invalid query name {name!r}")
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


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
        return con.execute(sql, bound).df()


# Queries run side by side by run_many: two cores, and a small query keeps DuckDB busy on one.
PARALLEL_QUERIES = 2


def run_many(source: Any, calls: list[tuple[str, Filters | None, dict[str, Any]]]) -> list[pd.DataFrame]:
    """Several `run`s — (name, filters, params) each — their frames in the same order.

    On a DuckDB connection they run side by side, each on its own cursor (made here, in the
    calling thread: a connection is not to be shared between threads): a summary made of several
    small queries then waits for the slowest instead of their sum. On a store, one after another
    (each opens its own short-lived connection anyway)."""
    if not isinstance(source, duckdb.DuckDBPyConnection) or len(calls) < 2:
        return [run(source, name, f, **params) for name, f, params in calls]
    prepared = [_prepare(name, f, bool(params.pop("access_only", False)), params)
                for name, f, params in ((n, f, dict(p)) for n, f, p in calls)]
    cursors = [source.cursor() for _ in prepared]
    try:
        with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
            futures = [pool.submit(lambda c, q: c.execute(q[0], q[1]).df(), cur, query)
                       for cur, query in zip(cursors, prepared)]
            return [future.result() for future in futures]
    finally:
        for cur in cursors:
            cur.close()


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
    bound.update(params)
    used = set(_PARAM.findall(sql))
    missing = used - bound.keys()
    if missing:
        raise KeyError(f"{name}.sql needs parameters {sorted(missing)}")
    return sql, {k: v for k, v in bound.items() if k in used}
