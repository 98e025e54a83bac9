"""The app's access to the store: one Store per database file, metrics cached per data version.

Every summary is cached under (database, data version, summary, filters, arguments): a rerun with
the same filters is served from memory, and any committed write (an upload, a CLI ingest) bumps
the data version so the next interaction computes afresh — no restart, no stale numbers.

It must not draw anything except through streamlit's caching decorators.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from .. import metrics
from ..filters import Filters
from ..store import Store, StoreError, default_db_path


def db_path() -> Path:
    return Path(os.environ.get("RETENTION_DB") or default_db_path()).expanduser().resolve()


@st.cache_resource(show_spinner=False)
def _store(path: str) -> Store:
    return Store(path)


def store() -> Store:
    return _store(str(db_path()))


def data_version(s: Store | None = None) -> int:
    """-1 when there is no database yet (the pages show how to create one)."""
    s = s or store()
    if not s.path.exists():
        return -1
    try:
        return s.data_version()
    except StoreError:
        return -1


@st.cache_data(show_spinner=False, max_entries=1024, ttl=6 * 3600)
def _compute(path: str, version: int, name: str, filters: Filters, kwargs: tuple[tuple[str, Any], ...]) -> Any:
    function = getattr(metrics, name)
    return function(_store(path), filters, **dict(kwargs))


def compute(name: str, filters: Filters, **kwargs: Any) -> Any:
    """`metrics.<name>(store, filters, **kwargs)`, cached per data version. Frames are copies."""
    s = store()
    result = _compute(str(s.path), data_version(s), name, filters, tuple(sorted(kwargs.items())))
    return result.copy() if isinstance(result, pd.DataFrame) else result


@st.cache_data(show_spinner=False, max_entries=64, ttl=6 * 3600)
def _table(path: str, version: int, name: str, filters: Filters) -> pd.DataFrame:
    return metrics.compute(name, _store(path), filters)


def table(name: str, filters: Filters) -> pd.DataFrame:
    """An exportable summary (metrics.TABLES) exactly as downloads and the CLI give it."""
    s = store()
    return _table(str(s.path), data_version(s), name, filters).copy()


def is_demo() -> bool:
    s = store()
    if data_version(s) < 0:
        return False
    try:
        return s.is_demo()
    except StoreError:
        return False


def clear_caches() -> None:
    _compute.clear()
    _table.clear()
