"""The app's access to the store: one Store per database file, metrics cached per data version.

Every summary is cached under (database, data version, summary, filters, arguments): a rerun with
the same filters is served from memory, and any committed write (an upload, a CLI ingest) bumps
the data version so the next interaction computes afresh — no restart, no stale numbers.

While another process writes (a CLI `ingest`), reads wait for it (Store retries for up to
RETENTION_DB_LOCK_TIMEOUT seconds); only when the database stays busy longer, or cannot be read at
all, does a page stop with a Portuguese message and a "Tentar de novo" button (`stop_busy`,
`stop_unavailable`) — never a traceback.

It must not draw anything except through streamlit's caching decorators and those two messages.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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


# path → (file signature, data version, provenance or None): see data_version.
_VERSIONS: dict[str, tuple[tuple[Any, ...], int, Provenance | None]] = {}


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


def data_version(s: Store | None = None) -> int:
    """-1 when there is no database yet (the pages show how to create one).

    Asked several times per page run (it keys every cached summary): opening DuckDB to read it
    costs ~20 ms each time, so it is read again only when the file changed since the last read
    (`_signature`); the signature is taken before the read, so a write landing in between makes
    the next call read again."""
    s = s or store()
    if not s.path.exists():
        return -1
    signature = _signature(s.path)
    known = _VERSIONS.get(str(s.path))
    if known is not None and known[0] == signature:
        return known[1]
    try:
        version = s.data_version()
    except StoreBusyError as exc:
        stop_busy(exc)
    except StoreError:
        return -1
    _VERSIONS[str(s.path)] = (signature, version, None)
    return version


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def _compute(path: str, version: int, name: str, filters: Filters, kwargs: tuple[tuple[str, Any], ...]) -> Any:
    function = getattr(metrics, name)
    # One read-only connection for the whole summary (some run several queries): opening DuckDB
    # costs ~20 ms, more than most queries.
    with _store(path).connect() as con:
        return function(con, filters, **dict(kwargs))


def compute(name: str, filters: Filters, **kwargs: Any) -> Any:
    """`metrics.<name>(store, filters, **kwargs)`, cached per data version. Frames are copies."""
    s = store()
    try:
        result = _compute(str(s.path), data_version(s), name, filters, tuple(sorted(kwargs.items())))
    except StoreBusyError as exc:
        stop_busy(exc)
    except StoreError as exc:
        stop_unavailable(exc)
    return result.copy() if isinstance(result, pd.DataFrame) else result


@st.cache_data(show_spinner=False, max_entries=64, ttl=6 * 3600)
def _table(path: str, version: int, name: str, filters: Filters) -> pd.DataFrame:
    with _store(path).connect() as con:  # one connection per summary, as in _compute
        return metrics.compute(name, con, filters)


def table(name: str, filters: Filters) -> pd.DataFrame:
    """An exportable summary (metrics.TABLES) exactly as downloads and the CLI give it."""
    s = store()
    try:
        return _table(str(s.path), data_version(s), name, filters).copy()
    except StoreBusyError as exc:
        stop_busy(exc)
    except StoreError as exc:
        stop_unavailable(exc)


def provenance() -> Provenance:
    """How many demo and real documents and cases the database holds (Store.provenance), read
    again whenever the file changed (any write, a restore). Raises whatever the store raises
    (StoreError for a foreign, newer or unreadable file; StoreBusyError): the caller decides,
    and login.py decides closed."""
    s = store()
    signature = _signature(s.path)
    known = _VERSIONS.get(str(s.path))
    if known is not None and known[0] == signature and known[2] is not None:
        return known[2]
    found = s.provenance()
    if known is not None and known[0] == signature:
        _VERSIONS[str(s.path)] = (known[0], known[1], found)
    return found


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
    _compute.clear()
    _table.clear()
    _VERSIONS.clear()
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
