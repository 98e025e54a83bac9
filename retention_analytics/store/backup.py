"""Backups of the case store: a consistent copy of the DuckDB file, and putting one back.

    backup(store, "data/backups/retention-2026-11-22.duckdb")   # → facts about the copy
    restore(store, "data/backups/retention-2026-11-22.duckdb")  # old file kept as <db>.bak

A backup is taken under the store's write lock (Store.exclusive: in this process the
readers-writer lock, across processes the intent lock, then DuckDB's exclusive file lock): a CHECKPOINT moves everything
from the write-ahead log into the file, then the file is copied while nobody can write. The copy
is written under a temporary name, opened and checked, and only then renamed to its final name, so
a backup file that exists is a complete one.

A restore first checks the backup (a DuckDB file with the store's tables, readable to the end),
copies it beside the database, raises its data version above the current one (so the app cannot
serve numbers cached for the old data under the same version) and then swaps the files under the
write lock, keeping the replaced database as `<db>.bak`. Run it while nobody is importing: a
process that opened the old file before the swap keeps writing to what is now the .bak.

It must not parse forms or compute metrics, and must never leave the database path without a
complete database: every step before the final rename works on copies.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from .store import SCHEMA_VERSION, Store, StoreBusyError, StoreError, _provenance, _schema_state, write_error_message

# Tables a file must have to be a backup of this store (views are recreated by ensure_schema).
REQUIRED_TABLES: tuple[str, ...] = ("meta", "ingest_batches", "documents", "cases", "case_contacts")


def default_backup_path(store: Store, now: dt.datetime | None = None) -> Path:
    """data/backups/<db name>-AAAA-MM-DD-HHMMSS.duckdb beside the database."""
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    return store.path.parent / "backups" / f"{store.path.stem}-{stamp}.duckdb"


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def inspect_backup(path: str | os.PathLike) -> dict[str, Any]:
    """Facts about a database file (documents, current cases, data version, when it was made), after
    reading every stored table to the end. Raises StoreError when it is not a usable backup."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"O arquivo de backup {path} não existe.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise StoreError(f"{path} não é um backup do Painel (não abre como banco DuckDB: {exc}).") from None
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in tables]
        if missing:
            raise StoreError(f"{path} não é um backup do Painel: faltam as tabelas {', '.join(missing)}.")
        counts = {}
        for table in REQUIRED_TABLES:
            # Reading every row (not just a count from metadata) proves the blocks are readable.
            counts[table] = con.execute(f"select count(*) from (select * from {table})").fetchone()[0]  # noqa: S608
        con.execute("select sum(octet_length(content)) from documents").fetchone()
        meta = dict(con.execute("select key, value from meta").fetchall())
        current = con.execute("select count(*) from cases where is_current").fetchone()[0]
        # A backup made by a newer Painel is refused here, before anything is swapped.
        state = _schema_state(con, path)
        # Demo or real, per row (schema 2 on); an older backup only had the database-wide flag.
        if state.version >= SCHEMA_VERSION:
            only_demo = _provenance(con, path).only_demo
        else:
            only_demo = meta.get("is_demo") == "true"
    except StoreError:
        raise
    except duckdb.Error as exc:
        raise StoreError(f"O backup {path} está danificado ({type(exc).__name__}: {exc}).") from None
    finally:
        con.close()
    return {
        "path": str(path),
        "size_bytes": path.stat().st_size,
        "documents": counts.get("documents", 0),
        "current_cases": current,
        "data_version": int(meta.get("data_version") or 0),
        "is_demo": only_demo,
        "created_at": meta.get("created_at"),
    }


def backup(store: Store, destination: str | os.PathLike | None = None) -> dict[str, Any]:
    """Copy the database to `destination` (default: `default_backup_path`) consistently.

    Raises StoreError (Portuguese) when the database is missing, busy for longer than the lock
    timeout, or the copy cannot be written (a partial copy is removed)."""
    if not store.path.exists():
        raise StoreError(f"O banco de dados {store.path} não existe; não há o que copiar.")
    target = Path(destination).expanduser() if destination else default_backup_path(store)
    if target.resolve() == store.path:
        raise StoreError("O backup não pode ser gravado por cima do próprio banco de dados.")
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.parcial")
    try:
        with store.connect(read_only=False) as con:
            con.execute("checkpoint")  # everything in the file itself, nothing left in the .wal
            shutil.copyfile(store.path, temp)  # while this connection keeps every writer out
        _fsync(temp)
        facts = inspect_backup(temp)
        os.replace(temp, target)
    except StoreError:
        temp.unlink(missing_ok=True)
        raise
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(write_error_message(exc, target, "O backup não foi gravado")) from exc
    except duckdb.Error as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(write_error_message(exc, target, "O backup não foi gravado")) from exc
    facts["path"] = str(target)
    return facts


def restore(store: Store, source: str | os.PathLike) -> dict[str, Any]:
    """Replace the database with the backup at `source`, keeping the current file as `<db>.bak`.

    The backup is checked before anything is touched; returns the facts about it plus `previous`
    (where the replaced file went, or None when there was no database)."""
    source = Path(source).expanduser()
    inspect_backup(source)
    if source.resolve() == store.path:
        raise StoreError("Esse arquivo já é o banco de dados em uso; escolha um backup.")
    store.path.parent.mkdir(parents=True, exist_ok=True)
    temp = store.path.with_name(f".{store.path.name}.restaurando")
    previous = store.path.with_name(store.path.name + ".bak")
    try:
        shutil.copyfile(source, temp)
        _fsync(temp)
        current_version = store.data_version() if store.path.exists() else 0
        con = duckdb.connect(str(temp))
        try:
            version = max(current_version, int((con.execute(
                "select value from meta where key = 'data_version'").fetchone() or [0])[0] or 0)) + 1
            con.execute(
                "insert into meta (key, value) values ('data_version', ?) "
                "on conflict (key) do update set value = excluded.value", [str(version)])
            con.execute(
                "insert into meta (key, value) values ('restored_from', ?) "
                "on conflict (key) do update set value = excluded.value",
                [f"{source.name} em {dt.datetime.now():%d/%m/%Y %H:%M}"])
            con.execute("checkpoint")
        finally:
            con.close()
        facts = inspect_backup(temp)
    except StoreError:
        temp.unlink(missing_ok=True)
        raise
    except (OSError, duckdb.Error) as exc:
        temp.unlink(missing_ok=True)
        raise StoreError(write_error_message(exc, store.path, "A restauração foi cancelada")) from exc

    moved = None
    try:
        # Every writer and new reader held off (in this process and in others using Store) from
        # here to the swap; DuckDB's exclusive lock, taken once, waits for the queries running.
        with store.exclusive() as started:
            if store.path.exists():
                con = store._open(read_only=False, started=started)
                try:
                    con.execute("checkpoint")  # the .wal emptied: the old file is whole on its own
                finally:
                    con.close()
                os.replace(store.path, previous)
                moved = previous
                wal = Path(f"{store.path}.wal")
                if wal.exists():
                    os.replace(wal, Path(f"{previous}.wal"))
            os.replace(temp, store.path)
    except StoreBusyError:
        temp.unlink(missing_ok=True)
        raise
    except (OSError, duckdb.Error) as exc:
        if moved is not None and not store.path.exists():
            os.replace(moved, store.path)  # put the old database back: never leave the path empty
        temp.unlink(missing_ok=True)
        raise StoreError(write_error_message(exc, store.path, "A restauração foi cancelada")) from exc
    store.ensure_schema()  # a backup made by an older version gets today's tables and views
    facts["previous"] = str(moved) if moved else None
    facts["path"] = str(source)
    return facts


__all__ = ["backup", "default_backup_path", "inspect_backup", "restore"]
