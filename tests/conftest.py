"""Shared fixtures: real DuckDB files built the way users build them.

`demo_db` is a small demo corpus written as form files and ingested through the same path as real
forms, marked as the demo generator's (built once per test session); `real_db` is the same forms
imported as real ones; `empty_db` has the schema and no case; `use_db` points the
app (RETENTION_DB) at one of them for AppTest.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# make test runs two workers on two cores: generating examples may then be slow for reasons that
# are the machine's, not the code's. No property test may fail for its timing.
settings.register_profile("painel", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("painel")

from retention_analytics.demo import write_corpus
from retention_analytics.forms.sources import iter_documents
from retention_analytics.store import open_store

DEMO_CASES = 300
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    files = write_corpus(folder / "forms", DEMO_CASES, DEMO_SEED)
    store = open_store(folder / "demo.duckdb")
    store.ingest(iter_documents(files), origin="demo", demo=True)
    return store.path


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    """The same forms as `demo_db`, imported as an operator imports its own (real) forms: the
    database every test of a logged-in user, an import of a real form or a gestor works on."""
    folder = tmp_path_factory.mktemp("real")
    files = write_corpus(folder / "forms", DEMO_CASES, DEMO_SEED)
    store = open_store(folder / "real.duckdb")
    store.ingest(iter_documents(files), origin="cli")
    return store.path


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("empty")
    store = open_store(folder / "empty.duckdb")
    store.ensure_schema()
    return store.path


@pytest.fixture(autouse=True)
def _no_users_file(monkeypatch, tmp_path_factory):
    """Every test starts without a users file (so the app is in its local demo mode) and without
    RETENTION_USER, whatever the machine running the suite has in data/users.toml. Tests about
    login point RETENTION_USERS at their own file."""
    monkeypatch.setenv("RETENTION_USERS", str(tmp_path_factory.getbasetemp() / "sem_usuarios.toml"))
    monkeypatch.delenv("RETENTION_USER", raising=False)


@pytest.fixture
def use_db(monkeypatch):
    """Point the app at a database for the rest of the test: `use_db(demo_db)`."""

    def point(path: Path) -> Path:
        monkeypatch.setenv("RETENTION_DB", str(path))
        return path

    return point


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """Every download a page's AppTest runs offer, file id → bytes, eager or made on click
    (app_helpers.record_downloads; a button's id: app_helpers.file_id)."""
    from app_helpers import record_downloads

    return record_downloads(monkeypatch)
