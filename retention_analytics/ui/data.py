"""The app's access to the store: one Store per database file, metrics cached per data version.

Pages ask for a number one way: `get(metrics.<summary>, filters, **kwargs)`, by function reference.

Caches (two layers in all, each keyed by the data version and the filters):
1. here, Streamlit's data cache: every summary under (database, data version, summary, filters,
   arguments), so a rerun with the same filters is served from memory, and any committed write
   (an upload, a CLI ingest) bumps the data version so the next interaction computes afresh — no
   restart, no stale numbers. The data version itself (and the provenance for the demo banner) is
   kept in the same cache under the file's signature (inode, size, mtime of the file and its log),
   which every commit changes: reading it opens DuckDB (~20 ms).
2. metrics/query.py's shared frames: a query several summaries of one page need (coverage_city),
   under (database, data version, SQL, parameters), for the few most recent filter sets.
The store's derived tables (store.py, DERIVED_RELATIONS) are not a cache: they are written in the
same transaction as the cases they come from, so they are never stale. The SQL files are read
from disk on every query (metrics/query.load_sql), so an edited .sql is seen without a restart.

While another process writes (a CLI `ingest`), reads wait for it (Store retries for up to
RETENTION_DB_LOCK_TIMEOUT seconds); only when the database stays busy longer, or cannot be read at
all, does a page stop with a Portuguese message and a "Tentar de novo" button (`stop_busy`,
`stop_unavailable`) — never a traceback.

It must not draw anything except through streamlit's caching decorators and those two messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

from .. import metrics
from ..metrics import query as metrics_query
from ..filters import Filters
from ..store import Provenance, Store, StoreBusyError, StoreError, default_db_path


def db_path() -> Path:
    return Path(os.environ.get("RETENTION_DB") or default_db_path()).expanduser().resolve()


# Seconds the app's read-only connection stays open after its last read (Store keep_open): the
# summaries of one page run share it instead of opening DuckDB six to nine times.
KEEP_OPEN_S = 2.0


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    s = Store(path, keep_open=KEEP_OPEN_S)
    if s.path.exists():
        # A file written by an older version gets today's views and derived tables (once per
        # process; a read-only check when nothing changed): the metrics read columns they add.
        try:
            s.ensure_schema()
        except StoreError:
            pass  # busy or unreadable: the page's first read says so
    return s


def store() -> Store:
    return _store(str(db_path()))


def _signature(path: Path) -> tuple[Any, ...]:
    """What any committed write changes: the database file and its write-ahead log (inode, size,
    modification time). A commit appends to the log; a checkpoint rewrites the file and drops the
    log; a restore swaps the file."""
    out: list[Any] = []
    for part in (path, Path(f"{path}.wal")):
        try:
            info = part.stat()
        except OSError:
            out.append(None)
        else:
            out.append((info.st_ino, info.st_size, info.st_mtime_ns))
    return tuple(out)


@st.cache_data(show_spinner=False, max_entries=64, ttl=6 * 3600)
def _facts(path: str, signature: tuple[Any, ...], what: str) -> Any:
    """The data version or the provenance of the file as it is at `signature` (the cache layer's
    own key: reading either opens DuckDB, ~20 ms, and both are asked several times per run)."""
    s = _store(path)
    return s.data_version() if what == "version" else s.provenance()


def data_version(s: Store | None = None) -> int:
    """-1 when there is no database yet (the pages show how to create one).

    Read again only when the file changed (`_signature`, taken before the read: a write landing
    in between makes the next call read again)."""
    s = s or store()
    if not s.path.exists():
        return -1
    try:
        return _facts(str(s.path), _signature(s.path), "version")
    except StoreBusyError as exc:
        stop_busy(exc)
    except StoreError:
        return -1


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def _get(path: str, version: int, name: str, filters: Filters, kwargs: tuple[tuple[str, Any], ...]) -> Any:
    # One read-only connection for the whole summary (some run several queries): opening DuckDB
    # costs ~20 ms, more than most queries.
    with _store(path).connect() as con:
        return metrics.get(metrics.SUMMARIES[name], con, filters, **dict(kwargs))


def get(summary: Callable[..., Any], filters: Filters, **kwargs: Any) -> Any:
    """`metrics.get(summary, store, filters, **kwargs)` — a function of metrics.SUMMARIES, handed by
    reference (`data.get(metrics.reasons, page.filters)`) — cached per data version and filters.
    An exportable table comes with exactly its contract columns, as downloads and the CLI give it.
    Frames are copies."""
    return _cached(summary, filters, kwargs)


def side(summary: Callable[..., Any], filters: Filters, **kwargs: Any) -> Any:
    """Like `get`, for what a page adds around its own analysis for the person using it: "Minha
    semana" (since their last visit), their work queue's count, the targets set for their
    operators (ui/home.py, ui/targets.py). Kept apart from `get` because those depend on who is
    logged in, when they last came and what an admin set, not only on the filters: the benchmark's
    page registry (metrics/pages.py) times the analysis itself, which `get` serves."""
    return _cached(summary, filters, kwargs)


def _cached(summary: Callable[..., Any], filters: Filters, kwargs: dict[str, Any]) -> Any:
    name = metrics.name_of(summary)
    s = store()
    try:
        result = _get(str(s.path), data_version(s), name, filters, tuple(sorted(kwargs.items())))
    except StoreBusyError as exc:
        stop_busy(exc)
    except StoreError as exc:
        stop_unavailable(exc)
    return result.copy() if isinstance(result, pd.DataFrame) else result


def provenance() -> Provenance:
    """How many demo and real documents and cases the database holds (Store.provenance), read
    again whenever the file changed (any write, a restore). Raises whatever the store raises
    (StoreError for a foreign, newer or unreadable file; StoreBusyError): the caller decides,
    and login.py decides closed."""
    s = store()
    return _facts(str(s.path), _signature(s.path), "provenance")


def is_demo() -> bool:
    """The demo banner: every row is the demo generator's. False when that cannot be read (the
    access decision, not this, keeps data hidden then)."""
    if data_version() < 0:
        return False
    try:
        return provenance().only_demo
    except StoreBusyError as exc:
        stop_busy(exc)
    except Exception:  # noqa: BLE001 - no banner rather than a traceback
        return False


def clear_caches() -> None:
    _get.clear()
    _facts.clear()
    metrics_query.clear_shared()


BUSY_MESSAGE = (
    "O banco de dados está ocupado com uma importação em andamento e não respondeu a tempo. "
    "Nada foi perdido: tente de novo em instantes."
)


def stop_busy(exc: StoreBusyError | None = None) -> None:
    """The database stayed locked by another process past the wait: say so and end this run.

    (StoreBusyError's own text names the file and process: useful in the server log, noise here.)"""
    st.warning(BUSY_MESSAGE, icon="⏳")
    st.button("Tentar de novo", key="_retention_retry_busy")
    st.stop()


def stop_unavailable(exc: StoreError) -> None:
    """The database cannot be read (not ours, damaged, no permission): its Portuguese reason."""
    st.error(f"Não foi possível ler o banco de dados: {exc}", icon="⚠️")
    st.button("Tentar de novo", key="_retention_retry_unavailable")
    st.stop()
