"""Concurrent use of one database: the app reading from many threads while `ingest` writes from
another process, and two upload sessions confirming at the same moment.

DuckDB lets one process write a file, or several read it; the store serializes writers against
readers inside the app process and retries across processes (store.py). These tests put real
contention on a real file and check that nobody sees a lock error, nothing is lost, and the app
shows the new data on its next run. Every wait is bounded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path


from app_helpers import ADMIN, ROOT, assert_ok, open_as
from forms_factory import make_record, write_form
from retention_analytics import auth, metrics
from retention_analytics.demo import render
from retention_analytics.filters import Filters
from retention_analytics.store import Store
from retention_analytics.ui import importer

READERS = 6
BATCHES = 4
FORMS_PER_BATCH = 40
DEADLINE = 150  # s: the whole stress test, whatever happens


def _count(db: Path) -> int:
    with Store(db).connect() as con:
        return con.execute("select count(*) from cases where is_current").fetchone()[0]


def _batches(root: Path, prefix: str) -> list[Path]:
    folders = []
    for b in range(BATCHES):
        folder = root / f"{prefix}{b}"
        for i in range(FORMS_PER_BATCH):
            write_form(folder, f"f{i:03d}.txt", protocol_number=f"{prefix.upper()}-{b}-{i:03d}",
                       operator=("ODONTOLIFE", "SorrisoMax")[i % 2])
        folders.append(folder)
    return folders


def _cli_writer(db: Path, folders: list[Path], results: list) -> threading.Thread:
    """One `python -m retention_analytics ingest` process per folder, one after the other."""

    def write() -> None:
        for folder in folders:
            started = time.monotonic()
            out = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(db), "ingest", str(folder)],
                                 cwd=ROOT, capture_output=True, timeout=DEADLINE)
            results.append((out.returncode, out.stderr.decode(errors="replace"), time.monotonic() - started))

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_many_readers_while_the_cli_ingests(real_db, tmp_path):
    db = tmp_path / "estresse.duckdb"
    shutil.copy(real_db, db)
    start_count = _count(db)
    folders = _batches(tmp_path / "lotes", "cli")
    written: list = []
    errors: list[BaseException] = []
    seen_counts: list[list[int]] = [[] for _ in range(READERS)]
    stop = threading.Event()
    gestor = auth.User("g", "gestor", ("ODONTOLIFE",))

    def reader(n: int) -> None:
        store = Store(db)  # as ui/data.py: one Store per file, short read-only connections
        filters = gestor.restrict(Filters()) if n % 2 else Filters()
        while not stop.is_set():
            try:
                seen_counts[n].append(metrics.cases_count(store, Filters()))
                metrics.kpis(store, filters)
                metrics.filter_options(store, filters)
                metrics.cases(store, filters, limit=50)
                metrics.compute("effectiveness_operator", store, filters)
                store.data_version()
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=reader, args=(n,), daemon=True) for n in range(READERS)]
    for t in threads:
        t.start()
    writer = _cli_writer(db, folders, written)
    writer.join(timeout=DEADLINE)
    expected = start_count + BATCHES * FORMS_PER_BATCH
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not errors and max((max(c, default=0) for c in seen_counts)) < expected:
        time.sleep(0.2)  # until a reader has seen the last batch
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not writer.is_alive(), "the CLI writer did not finish in time"
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
    print("ingest seconds:", [round(t, 1) for _, _, t in written])
    assert [code for code, _, _ in written] == [0] * BATCHES, [err for _, err, _ in written]
    assert not any("ocupado" in err or "lock" in err.lower() for _, err, _ in written)
    assert _count(db) == start_count + BATCHES * FORMS_PER_BATCH, "nothing lost"
    for counts in seen_counts:
        assert counts and counts == sorted(counts), "a reader never sees data go backwards"
    assert max(max(c) for c in seen_counts) == expected


def test_two_upload_sessions_and_the_cli_at_once(real_db, tmp_path):
    db = tmp_path / "uploads.duckdb"
    shutil.copy(real_db, db)
    start_count = _count(db)
    sessions = {
        name: [importer.Upload(f"{name}_{i}.xlsx", render(make_record(protocol_number=f"{name.upper()}-{i}"), "xlsx"))
               for i in range(15)]
        for name in ("ana", "bia")
    }
    # Each session previews first (as the page does), then both confirm at the same moment.
    previews = {name: importer.prepare(Store(db), uploads) for name, uploads in sessions.items()}
    folders = _batches(tmp_path / "lotes", "par")[:2]
    barrier = threading.Barrier(2)
    summaries: dict[str, object] = {}
    errors: list[BaseException] = []

    def confirm(name: str) -> None:
        try:
            barrier.wait(timeout=30)
            summaries[name] = importer.commit(Store(db), previews[name])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    written: list = []
    writer = _cli_writer(db, folders, written)
    threads = [threading.Thread(target=confirm, args=(name,)) for name in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=DEADLINE)
    writer.join(timeout=DEADLINE)
    assert not errors, [f"{type(e).__name__}: {e}" for e in errors]
    assert {name: s.new for name, s in summaries.items()} == {"ana": 15, "bia": 15}
    assert [code for code, _, _ in written] == [0, 0], [err for _, err, _ in written]
    assert _count(db) == start_count + 30 + 2 * FORMS_PER_BATCH


def test_the_page_shows_what_the_cli_ingested_on_its_next_run(real_db, tmp_path, use_db):
    db = use_db(tmp_path / "proxima.duckdb")
    shutil.copy(real_db, db)
    at = open_as("pages/5_Casos.py", ADMIN)
    assert_ok(at)
    at.text_input(key="casos_busca").set_value("NOVO-CLI-1").run()
    assert any("Nenhum caso encontrado" in i.value for i in at.info)

    folder = tmp_path / "novo"
    write_form(folder, "novo.txt", protocol_number="NOVO-CLI-1")
    # The CLI writes while the page is being used: the run below may wait for it, never fail.
    process = subprocess.Popen([sys.executable, "-m", "retention_analytics", "--db", str(db), "ingest", str(folder)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    at.run()
    assert_ok(at)
    assert process.wait(timeout=120) == 0, process.stderr.read().decode()
    at.run()  # the next interaction after the import
    assert_ok(at)
    assert list(at.dataframe[0].value["Nº do protocolo"]) == ["NOVO-CLI-1"]


def test_a_page_waiting_too_long_says_the_database_is_busy(demo_db, tmp_path, use_db, monkeypatch):
    """A writer holding the file past the wait: a Portuguese "ocupado" message, no traceback."""
    db = use_db(tmp_path / "ocupado.duckdb")
    shutil.copy(demo_db, db)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(30)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        import retention_analytics.store.store as store_module

        monkeypatch.setattr(store_module, "DEFAULT_LOCK_TIMEOUT", 1.0)
        from retention_analytics.ui import data

        data._store.clear()  # a Store made with the short wait
        at = open_as("app.py", None)
        assert_ok(at)
        assert any("ocupado" in w.value for w in at.warning)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        from retention_analytics.ui import data

        data._store.clear()
