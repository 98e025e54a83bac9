"""Crashes and failed writes: a batch lands whole or not at all, the database always opens again,
and backups are consistent copies that restore only after being checked.

- `ingest` killed with SIGKILL at random moments of its write phase (a wrapper slows the inserts
  down and says when they start, so the kill lands inside the transaction), plus kills at blind
  moments of a plain run: the database opens with the whole batch or none of it; running the
  ingest again completes it without duplicates.
- A full disk: for real on a tiny tmpfs when the machine lets us mount one (root in the CI
  sandbox), and always by injecting ENOSPC into the write path: a Portuguese message, the
  database intact with the previous data.
- backup/restore: a backup taken while a CLI ingest runs holds a whole number of batches; restore
  refuses a file that is not a backup, keeps the replaced database as .bak and raises the data
  version so the app computes afresh.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import duckdb
import pytest

from forms_factory import write_form
from retention_analytics import metrics
from retention_analytics.cli import main
from retention_analytics.forms.sources import Document
from retention_analytics.store import Store, StoreError, open_store
from retention_analytics.store import store as store_module
from retention_analytics.store.backup import backup, inspect_backup, restore

ROOT = Path(__file__).resolve().parents[1]
BATCH = 300

# `ingest` as the CLI runs it, with each bulk insert of the write transaction slowed down and
# announced on stdout ("W"): the test then knows the transaction is open and kills it inside.
SLOW_INGEST = """
import sys, time
import retention_analytics.store.store as m
original = m._insert_arrow
def slow(*args, **kwargs):
    print("W", flush=True)
    time.sleep(0.08)
    return original(*args, **kwargs)
m._insert_arrow = slow
from retention_analytics.cli import main
sys.exit(main(sys.argv[1:]))
"""


def counts(db: Path) -> tuple[int, int, int]:
    """(documents, cases, distinct sha256) — readable means the file opened after the crash."""
    with Store(db).connect() as con:
        return con.execute(
            "select (select count(*) from documents), (select count(*) from cases), "
            "(select count(distinct sha256) from documents)"
        ).fetchone()


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lote_grande")
    for i in range(BATCH):
        write_form(folder, f"form_{i:03d}.txt", protocol_number=f"KILL-{i:04d}", general_note=f"Caso {i} " * 40)
    return folder


@pytest.fixture
def base_db(tmp_path) -> Path:
    folder = tmp_path / "base"
    for i in range(5):
        write_form(folder, f"b{i}.txt", protocol_number=f"BASE-{i}")
    store = open_store(tmp_path / "crash.duckdb")
    store.ingest([Document(p.name, p.read_bytes()) for p in sorted(folder.iterdir())])
    return store.path


def test_sigkill_during_the_write_leaves_all_or_nothing_and_a_rerun_completes(base_db, batch_folder):
    rng = random.Random(20241122)
    before = counts(base_db)
    outcomes = []
    for attempt in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_INGEST, "--db", str(base_db), "ingest", str(batch_folder)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        try:
            first = process.stdout.readline()  # blocks until the write transaction started
            if first.strip() == b"W":
                time.sleep(rng.uniform(0.0, 0.55))  # 8 inserts x 80 ms: usually mid-transaction
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        after = counts(base_db)  # opens: no corruption
        assert after in (before, (before[0] + BATCH, before[1] + BATCH, before[2] + BATCH)), after
        assert after[0] == after[2], "no duplicate documents"
        outcomes.append("tudo" if after != before else "nada")
        if after != before:
            break  # the kill came after the commit: the batch is in, whole
    assert "nada" in outcomes, "at least one kill landed inside the transaction"

    # Blind kills of the plain CLI at random moments (parse, write, commit, or already done).
    for _ in range(2):
        process = subprocess.Popen([sys.executable, "-m", "retention_analytics", "--db", str(base_db), "ingest",
                                    str(batch_folder)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 2.0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        after = counts(base_db)
        assert after in (before, (before[0] + BATCH, before[1] + BATCH, before[2] + BATCH)), after

    # Running the ingest again completes it, once.
    out = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(base_db), "ingest",
                          str(batch_folder)], cwd=ROOT, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert counts(base_db) == (before[0] + BATCH, before[1] + BATCH, before[2] + BATCH)
    again = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(base_db), "ingest",
                            str(batch_folder)], cwd=ROOT, capture_output=True, timeout=120)
    assert again.returncode == 0 and f"Duplicados (já importados, ignorados): {BATCH}" in again.stdout.decode()
    assert counts(base_db)[0] == before[0] + BATCH
    with Store(base_db).connect() as con:
        protocols = con.execute("select protocol_number, count(*) from cases where protocol_number like 'KILL-%' "
                                "group by 1 having count(*) > 1").fetchall()
    assert protocols == []


def test_disk_full_is_a_portuguese_error_and_the_database_is_intact(base_db, monkeypatch, capsys):
    """ENOSPC injected into the write transaction (works on every machine)."""
    before = counts(base_db)

    def disk_full(con):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "_bump_data_version", disk_full)
    folder = base_db.parent / "cheio"
    write_form(folder, "um.txt", protocol_number="FULL-1")
    assert main(["--db", str(base_db), "ingest", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "não há espaço livre no disco" in err and "nada deste lote foi gravado" in err
    assert "Traceback" not in err
    monkeypatch.undo()
    assert counts(base_db) == before
    assert main(["--db", str(base_db), "ingest", str(folder)]) == 0, "works again once there is room"


def _can_mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    where.mkdir(parents=True, exist_ok=True)
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(where)], capture_output=True).returncode == 0
    return ok


def test_a_really_full_disk(tmp_path, batch_folder):
    """The same on a real 24 MB tmpfs filled up: DuckDB's own write error, worded for users."""
    mount = tmp_path / "disco"
    if not _can_mount_tmpfs(mount):
        pytest.skip("sem permissão para montar um tmpfs (o teste com ENOSPC injetado cobre o caso)")
    try:
        db = mount / "cheio.duckdb"
        store = open_store(db)
        store.ingest([Document(p.name, p.read_bytes()) for p in sorted(batch_folder.iterdir())[:20]])
        before = counts(db)
        with open(mount / "enchimento", "wb") as filler:
            try:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            except OSError:
                pass
        big = tmp_path / "grandes"
        for i in range(40):
            write_form(big, f"g{i}.txt", protocol_number=f"BIG-{i}", general_note=uuid.uuid4().hex * 3000)
        out = subprocess.run([sys.executable, "-m", "retention_analytics", "--db", str(db), "ingest", str(big)],
                             cwd=ROOT, capture_output=True, timeout=120)
        err = out.stderr.decode()
        assert out.returncode == 2, err
        assert "não há espaço livre no disco" in err and "Traceback" not in err
        (mount / "enchimento").unlink()
        assert counts(db) == before, "the database opens with the previous data"
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_backup_while_the_cli_ingests_is_a_whole_number_of_batches(base_db, batch_folder, tmp_path):
    before = counts(base_db)
    writer = subprocess.Popen([sys.executable, "-m", "retention_analytics", "--db", str(base_db), "ingest",
                               str(batch_folder)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    copies = []
    try:
        deadline = time.monotonic() + 60
        while writer.poll() is None and time.monotonic() < deadline:
            copies.append(backup(Store(base_db), tmp_path / f"copia_{len(copies)}.duckdb"))
            time.sleep(0.1)
    finally:
        assert writer.wait(timeout=120) == 0
    copies.append(backup(Store(base_db), tmp_path / "final.duckdb"))
    for facts in copies:
        assert facts["documents"] in (before[0], before[0] + BATCH), facts
        assert inspect_backup(facts["path"])["documents"] == facts["documents"]
    assert copies[-1]["documents"] == before[0] + BATCH
    assert not list(tmp_path.glob(".*.parcial")), "no partial copy left behind"


def test_restore_checks_the_backup_keeps_a_bak_and_the_app_sees_the_restored_data(base_db, batch_folder, tmp_path,
                                                                                  capsys):
    store = Store(base_db)
    saved = backup(store, tmp_path / "antes.duckdb")
    store.ingest([Document(p.name, p.read_bytes()) for p in sorted(batch_folder.iterdir())[:30]])
    grown = counts(base_db)
    version = store.data_version()
    cases_now = metrics.cases_count(store)

    # Not a backup: refused, nothing touched.
    junk = tmp_path / "lixo.duckdb"
    junk.write_bytes(b"nao sou um banco" * 1000)
    assert main(["--db", str(base_db), "restore", str(junk), "--sim"]) == 2
    assert "não é um backup do Painel" in capsys.readouterr().err
    other = tmp_path / "outro.duckdb"
    duckdb.connect(str(other)).execute("create table x (a int)").close()
    with pytest.raises(StoreError, match="faltam as tabelas"):
        restore(store, other)
    assert counts(base_db) == grown and not Path(f"{base_db}.bak").exists()

    assert main(["--db", str(base_db), "restore", saved["path"], "--sim"]) == 0
    assert "guardado em" in capsys.readouterr().out
    assert counts(base_db)[0] == saved["documents"]
    assert counts(Path(f"{base_db}.bak")) == grown, "the replaced database is kept as .bak"
    assert store.data_version() > version, "a new data version: no cached number of the old data is reused"
    assert metrics.cases_count(store) < cases_now


def test_backup_refuses_to_overwrite_the_database_and_needs_one(base_db, tmp_path):
    with pytest.raises(StoreError, match="por cima do próprio banco"):
        backup(Store(base_db), base_db)
    with pytest.raises(StoreError, match="não existe"):
        backup(Store(tmp_path / "nada.duckdb"))
