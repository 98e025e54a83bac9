"""The case store: one DuckDB file holding every ingested document and the cases parsed from it.

    store = open_store()                      # data/retention.duckdb, or --db / RETENTION_DB
    summary = store.ingest(iter_documents(paths), origin="cli")
    with store.connect() as con:              # read-only, short-lived
        con.execute("select count(*) from case_facts").fetchone()

Ingestion has two halves kept apart on purpose: parsing (prepare.py: no database, may later run
in a process pool) and writing (`write_batch`: one transaction per batch, so a batch lands whole
or not at all). Every document is kept with its bytes, so `reparse` can rebuild every case when the
parser improves.

DuckDB allows one writing process, or several reading ones, per file. The Streamlit app reads
while the CLI may write, so connections here are short-lived, readers open read-only, and opening
retries for a while on a lock conflict before failing with a clear Portuguese message. Writers
of other processes go before new readers (an intent lock on "<db>.lock", see _writer_intent), so
a CLI import is not starved by a busy app. A failed write (a full disk included) rolls the whole
batch back and says so in Portuguese; the file then opens with the data it had before.

`record_audit` / `audit_entries` keep the LGPD audit log (who saw personal data unmasked, who
downloaded an original, who logged in); those writes do not bump the data version. Backups and
restores live in backup.py.

This module must not parse forms itself (that is `forms`), compute metrics (that is `metrics`, on
the views in views.sql) or print anything (the CLI and the UI render `IngestSummary`).
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from .. import brazil, vocab
from ..fields import cases_column_ddl
from .prepare import (
    RECORD_COLUMNS,
    DocumentLike,
    ParsedDocument,
    Parser,
    Progress,
    StoredDocument,
    content_sha256,
    default_parser,
    fewer_gc_pauses,
    parse_documents,
    parse_one,
)
from ..formatting import integer as pt_int
from .summary import FileResult, IngestSummary, pt_float

if TYPE_CHECKING:
    from .substitutions import SubstitutionRow

# Repository root = parent of the package directory; the default database lives in its data/.
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB_PATH = REPO_ROOT / "data" / "retention.duckdb"

# Bump when the store's own schema handling changes in a way the SQL text does not show.
STORE_SCHEMA_VERSION = "1"

# The schema version this code writes, stored in meta 'schema_version'. Upgrades are the ordered
# files of migrations/ (NNN_name.sql, run once each when a file's version is below NNN). A file
# with a higher number was made by a newer Painel: it is refused, never rewritten or shown.
SCHEMA_VERSION = 2

# How long opening the database waits for another process (or thread) to let go of it.
DEFAULT_LOCK_TIMEOUT = float(os.environ.get("RETENTION_DB_LOCK_TIMEOUT", "30"))


def _now() -> dt.datetime:
    """The moment stored with every write (import, substitution, audit line), to the second.

    One clock for the store, so that a test can pin it: the day a substitution is stored is the
    substitute's start ("Dias sem substituto"), and a snapshot of the numbers must not move with
    the calendar."""
    return dt.datetime.now().replace(microsecond=0)


class StoreError(Exception):
    """A problem with the case store, worded for users (Portuguese)."""


class StoreBusyError(StoreError):
    """The database stayed locked by another process for longer than the lock timeout."""


class DemoMixError(StoreError):
    """A batch would mix real forms with the demonstration (or demo forms with real data)."""


@dataclass(frozen=True)
class Provenance:
    """Where a database's rows came from: the demo generator, or anywhere else (real).

    The app logs the local demo user in only while `only_demo` or `empty` holds; real rows, or any
    doubt about them, ask for a login (ui/login.py)."""

    demo_documents: int = 0
    real_documents: int = 0
    demo_cases: int = 0
    real_cases: int = 0
    demo_superseded: int = 0  # demo cases that are earlier versions of another demo case

    @property
    def has_real(self) -> bool:
        return self.real_documents > 0 or self.real_cases > 0

    @property
    def has_demo(self) -> bool:
        return self.demo_documents > 0 or self.demo_cases > 0

    @property
    def only_demo(self) -> bool:
        return self.has_demo and not self.has_real

    @property
    def empty(self) -> bool:
        return not self.has_demo and not self.has_real


def demo_mix_message(path: Path, provenance: Provenance) -> str:
    """What to do when real forms meet the demonstration: the CLI and the Importar page say it."""
    cases = provenance.demo_cases - provenance.demo_superseded
    return (
        f"O banco de dados {path} contém a demonstração ({pt_int(cases)} casos fictícios), e formulários "
        "reais não se misturam com ela: nada foi gravado. Para continuar, escolha um caminho: "
        "(1) remova a demonstração com `python -m retention_analytics demo --remove` e importe de novo; ou "
        "(2) use um banco novo para os dados reais, com `--db data/operadora.duckdb` no terminal ou "
        "`RETENTION_DB=data/operadora.duckdb make run` para o app."
    )


def _real_into_real_message(path: Path) -> str:
    return (
        f"O banco de dados {path} já tem dados reais; a demonstração não é gravada nele. Use outro arquivo "
        "para a demonstração, por exemplo: --db data/demo.duckdb"
    )


def default_db_path() -> Path:
    """RETENTION_DB when set, else data/retention.duckdb under the repository root."""
    env = os.environ.get("RETENTION_DB")
    return Path(env).expanduser() if env else DEFAULT_DB_PATH


def open_store(path: str | os.PathLike | None = None, lock_timeout: float | None = None) -> "Store":
    """The store at `path` (default: `default_db_path()`), creating the file and schema if needed."""
    store = Store(path if path is not None else default_db_path(), lock_timeout=lock_timeout)
    store.ensure_schema()
    return store


# --- In-process coordination ------------------------------------------------------------------
# DuckDB refuses, inside one process, a read-only connection while a read-write one is open on the
# same file (and vice versa), and two read-write connections would race. The Streamlit app reads
# from several threads and may ingest an upload in another: this readers-writer lock per file
# serializes writers against everyone in this process. Other processes are handled by retrying.


class _ReadWriteLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    def acquire(self, write: bool, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._writer or (write and self._readers):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            if write:
                self._writer = True
            else:
                self._readers += 1
            return True

    def release(self, write: bool) -> None:
        with self._cond:
            if write:
                self._writer = False
            else:
                self._readers -= 1
            self._cond.notify_all()


_LOCKS: dict[str, _ReadWriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: Path) -> _ReadWriteLock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path), _ReadWriteLock())


_PID = re.compile(r"\(PID (\d+)\)")


def _busy_message(path: Path, detail: str) -> str:
    match = _PID.search(detail)
    who = f" (processo {match.group(1)})" if match else ""
    return (
        f"O banco de dados {path} está em uso por outro programa{who}. Aguarde a importação em "
        "andamento terminar e tente de novo, ou aumente a espera com RETENTION_DB_LOCK_TIMEOUT (segundos)."
    )


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return (
        "Could not set lock" in text
        or "Conflicting lock" in text
        or "different configuration" in text  # same process, other mode: wait for it to close
    )


# --- Across processes: writers first -----------------------------------------------------------
# DuckDB's own file lock has no queue: a CLI `ingest` retrying to open the file read-write can be
# starved by an app whose many threads keep short read-only connections open one after another
# (measured: 30 s and a timeout with six busy readers). So a writer first takes an exclusive
# flock on "<db>.lock" and holds it while it waits for and uses the file; a reader, before opening,
# waits until no writer holds it. Readers never hold it (they take it shared and let go at once),
# so they never block each other, and a writer only waits for the queries already running.
# Correctness still rests on DuckDB's lock; this only orders who gets the file next.

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: DuckDB's lock and retries only
    fcntl = None  # type: ignore[assignment]

_INTENT_POLL = 0.02  # s between tries: readers wait at most this long after a writer is done


def intent_path(path: Path) -> Path:
    return Path(f"{path}.lock")


@contextmanager
def _writer_intent(path: Path, deadline: float) -> Iterator[None]:
    fd = None
    if fcntl is not None and path.parent.exists():
        try:
            fd = os.open(intent_path(path), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            fd = None  # read-only folder: no writer can write here anyway; DuckDB will say so
    try:
        while fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreBusyError(_busy_message(path, "")) from None
                time.sleep(_INTENT_POLL)
        yield
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the flock


def _wait_for_writers(path: Path, deadline: float) -> None:
    if fcntl is None:
        return
    try:
        fd = os.open(intent_path(path), os.O_RDONLY)
    except OSError:
        return  # no writer ever announced itself here
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return  # let opening the file decide (it retries, then says "ocupado")
                time.sleep(_INTENT_POLL)
    finally:
        os.close(fd)


def _writer_waiting(path: Path) -> bool:
    """Another process holds the intent lock: it waits for the file (see _writer_intent)."""
    if fcntl is None:
        return False
    try:
        fd = os.open(intent_path(path), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


# --- A read-only connection kept open between reads (the app) ----------------------------------
# Opening DuckDB costs 13-80 ms (the catalog of views and macros is read again each time), and a
# page of the app asks for six to nine summaries, each through its own short-lived connection: on
# a filter change that was a third of the page's server time. A Store made with `keep_open` keeps
# one read-only connection per file for the burst of reads of a page run and hands out cursors
# of it (safe across threads); it is closed once nobody used it for `keep_open` seconds, as soon as
# a writer of another process announces itself (the intent lock) and before any write of this
# process (Store.exclusive), so writers wait no longer than for a short-lived connection.


class _KeptConnection:
    def __init__(self, path: Path, idle_s: float) -> None:
        self.path = path
        self.idle_s = idle_s
        self.con: duckdb.DuckDBPyConnection | None = None
        self.inode: int | None = None  # of the file it opened: a swapped file (restore) is reopened
        self.users = 0
        self.last_used = 0.0
        self.guard = threading.Lock()
        self.closer: threading.Thread | None = None

    def close_if_unused(self) -> None:
        with self.guard:
            if self.con is not None and self.users == 0:
                self.con.close()
                self.con = None
                self.inode = None

    def _watch(self) -> None:
        while True:
            time.sleep(min(0.1, self.idle_s))
            with self.guard:
                if self.con is None:
                    self.closer = None
                    return
                idle = self.users == 0 and time.monotonic() - self.last_used >= self.idle_s
            if idle or _writer_waiting(self.path):
                self.close_if_unused()

    def start_watch(self) -> None:  # with self.guard held
        if self.closer is None:
            self.closer = threading.Thread(target=self._watch, name="store-keep-open", daemon=True)
            self.closer.start()


_KEPT: dict[str, _KeptConnection] = {}


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except OSError:
        return None


def _kept_for(path: Path, idle_s: float) -> _KeptConnection:
    with _LOCKS_GUARD:
        return _KEPT.setdefault(str(path), _KeptConnection(path, idle_s))


@atexit.register
def _close_all_kept() -> None:
    for kept in list(_KEPT.values()):
        kept.close_if_unused()


def close_kept(path: Path) -> None:
    """Close the kept read-only connection of `path` if nobody uses it (writes; tests)."""
    kept = _KEPT.get(str(path))
    if kept is not None:
        kept.close_if_unused()


# --- Schema -------------------------------------------------------------------------------------


def _sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _vocab_tables() -> dict[str, pa.Table]:
    """The vocabulary tables as they must be in the database (they are code, not data)."""
    position = {code: i for i, code in enumerate(t.code for t in vocab.REASONS)}
    return {
        "outcomes": pa.table({"code": [t.code for t in vocab.OUTCOMES], "label": [t.label for t in vocab.OUTCOMES]}),
        "actions": pa.table({"code": [t.code for t in vocab.ACTIONS], "label": [t.label for t in vocab.ACTIONS]}),
        "sectors": pa.table({"code": [t.code for t in vocab.SECTORS], "label": [t.label for t in vocab.SECTORS]}),
        "reason_categories": pa.table(
            {
                "category": list(vocab.REASON_CATEGORIES),
                "controllable": [c in vocab.CONTROLLABLE_CATEGORIES for c in vocab.REASON_CATEGORIES],
                "position": pa.array(range(1, len(vocab.REASON_CATEGORIES) + 1), pa.int32()),
            }
        ),
        "reasons": pa.table(
            {
                "code": [t.code for t in vocab.REASONS],
                "label": [t.label for t in vocab.REASONS],
                "category": [vocab.CATEGORY_OF_REASON[t.code] for t in vocab.REASONS],
                "position": pa.array([position[t.code] + 1 for t in vocab.REASONS], pa.int32()),
            }
        ),
        "ufs": pa.table(
            {
                "uf": [u.code for u in brazil.UFS.values()],
                "name": [u.name for u in brazil.UFS.values()],
                "population": pa.array([u.population for u in brazil.UFS.values()], pa.int64()),
                "capital": [u.capital for u in brazil.UFS.values()],
                "tile_row": pa.array([u.tile[0] for u in brazil.UFS.values()], pa.int32()),
                "tile_col": pa.array([u.tile[1] for u in brazil.UFS.values()], pa.int32()),
            }
        ),
        "municipalities": pa.table(
            {
                "uf": [m.uf for m in brazil.municipalities()],
                "ibge_code": pa.array([m.ibge_code for m in brazil.municipalities()], pa.int32()),
                "name": [m.name for m in brazil.municipalities()],
            }
        ),
    }


@lru_cache(maxsize=1)
def _schema_fingerprint() -> str:
    """Changes whenever the schema, the views or a vocabulary changes; equal means nothing to do."""
    digest = hashlib.sha256(STORE_SCHEMA_VERSION.encode())
    digest.update(_sql("schema.sql").encode())
    digest.update(cases_column_ddl().encode())
    digest.update(_sql("views.sql").encode())
    tables = _vocab_tables()
    for name in sorted(tables):
        digest.update(name.encode())
        digest.update(repr(tables[name].to_pydict()).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _migrations() -> tuple[tuple[int, str], ...]:
    """(version, SQL) of migrations/NNN_*.sql, in order."""
    folder = resources.files(__package__).joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = re.fullmatch(r"(\d{3})_[a-z0-9_]+\.sql", entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    return tuple(sorted(found))


@dataclass(frozen=True)
class _SchemaState:
    version: int  # the schema the file is at (SCHEMA_VERSION for a file with no tables yet)
    fingerprint: str | None  # meta 'schema_hash'


def _schema_state(con: duckdb.DuckDBPyConnection, path: Path) -> _SchemaState:
    """What schema the open file has; StoreError for a file that is not ours or is newer than us.

    Ours = it has our `meta` or `documents` table; an empty DuckDB file is ours to set up. A file of
    ours without 'schema_version' predates the versions (schema 1). Read-only: writes nothing."""
    tables = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main'"
    ).fetchall()}
    if not tables:
        return _SchemaState(SCHEMA_VERSION, None)
    if "meta" not in tables and "documents" not in tables:
        raise StoreError(
            f"O arquivo {path} é um banco DuckDB, mas não do Painel de Retenção (não tem as tabelas do "
            "Painel). Nada foi lido nem alterado. Confira o caminho passado em --db ou em RETENTION_DB."
        )
    meta: dict[str, str] = {}
    if "meta" in tables:
        meta = dict(con.execute(
            "select key, value from meta where key in ('schema_version', 'schema_hash')"
        ).fetchall())
    raw = meta.get("schema_version")
    try:
        version = int(raw) if raw is not None else 1
    except ValueError:
        raise StoreError(
            f"O banco de dados {path} tem uma versão de esquema ilegível ({raw!r}). Nada foi lido nem "
            "alterado. Restaure um backup (`restore`) ou peça ajuda ao suporte."
        ) from None
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"O banco de dados {path} foi criado por uma versão mais nova do Painel (esquema {version}; esta "
            f"versão conhece até o {SCHEMA_VERSION}). Nada foi lido nem alterado. Atualize o Painel "
            "(`git pull` e `make run`) antes de abrir este banco."
        )
    return _SchemaState(version, meta.get("schema_hash"))


_PROVENANCE_SQL = """
select
    (select count(*) filter (where is_demo is true) from documents),
    (select count(*) filter (where is_demo is not true) from documents),
    (select count(*) filter (where is_demo is true) from cases),
    (select count(*) filter (where is_demo is not true) from cases),
    (select count(*) filter (where is_demo is true and not is_current) from cases)
"""


def _provenance(con: duckdb.DuckDBPyConnection, path: Path) -> Provenance:
    state = _schema_state(con, path)
    if state.version < SCHEMA_VERSION:
        # Not upgraded yet (e.g. opened read-only): its rows carry no origin, so none is demo.
        raise StoreError(
            f"O banco de dados {path} ainda não foi atualizado para esta versão do Painel. Rode "
            "`python -m retention_analytics stats` no servidor para atualizá-lo."
        )
    row = con.execute(_PROVENANCE_SQL).fetchone()
    return Provenance(*(int(v or 0) for v in row))


# --- Arrow layouts of the rows written per batch ----------------------------------------------

_ARROW_OF_KIND = {"str": pa.string(), "int": pa.int32(), "float": pa.float64(), "bool": pa.bool_(), "date": pa.date32()}

def _reading_json(reading: dict[str, Any] | None) -> str | None:
    return json.dumps(reading, ensure_ascii=False, sort_keys=True, default=str) if reading else None


def _message_origin(reading: str | None) -> tuple[tuple[str, str | None], ...]:
    """The e-mail a stored document came attached to, from its stored reading (for reparse)."""
    try:
        message = json.loads(reading).get("message") if reading else None
    except (ValueError, AttributeError):
        return ()
    return tuple((str(k), v if v is None else str(v)) for k, v in message.items()) if isinstance(message, dict) else ()


DOCUMENT_SCHEMA = pa.schema(
    [
        ("document_id", pa.int64()),
        ("sha256", pa.string()),
        ("file_name", pa.string()),
        ("content", pa.binary()),
        ("size_bytes", pa.int64()),
        ("ingested_at", pa.timestamp("us")),
        ("batch_id", pa.int64()),
        ("parser_version", pa.string()),
        ("status", pa.string()),
        ("rejection_reason", pa.string()),
        ("source_error", pa.string()),
        ("is_demo", pa.bool_()),
        ("reading", pa.string()),
    ]
)
CASE_SCHEMA = pa.schema(
    [("case_id", pa.int64()), ("case_key", pa.string()), ("is_current", pa.bool_()), ("superseded_by", pa.int64())]
    + [(name, _ARROW_OF_KIND[kind]) for name, kind in RECORD_COLUMNS]
    + [
        ("operator_key", pa.string()),
        ("analyst_key", pa.string()),
        ("city_key", pa.string()),
        ("ibge_code", pa.int32()),
        ("city_official", pa.string()),
        ("warning_count", pa.int32()),
        ("is_demo", pa.bool_()),
    ]
)
SUBSTITUTION_SCHEMA = pa.schema(
    [("case_key", pa.string()), ("exit_date", pa.date32()), ("notice_date", pa.date32()),
     ("notice_channels", pa.string()), ("substitute_cro", pa.string()), ("substitute_uf", pa.string()),
     ("substitute_city", pa.string()), ("substitute_ibge_code", pa.int32()), ("substitute_name", pa.string()),
     ("notes", pa.string()), ("source", pa.string()), ("entered_by", pa.string()), ("entered_at", pa.timestamp("us"))]
)
CHILD_SCHEMAS: dict[str, pa.Schema] = {
    "case_contacts": pa.schema([("case_id", pa.int64()), ("number", pa.int32()), ("contact_date", pa.date32()), ("note", pa.string())]),
    "case_reasons": pa.schema([("case_id", pa.int64()), ("reason_code", pa.string())]),
    "case_actions": pa.schema([("case_id", pa.int64()), ("action_code", pa.string())]),
    "case_sectors": pa.schema([("case_id", pa.int64()), ("sector_code", pa.string())]),
    "case_signatories": pa.schema([("case_id", pa.int64()), ("position", pa.int32()), ("name", pa.string())]),
    "case_warnings": pa.schema([("case_id", pa.int64()), ("position", pa.int32()), ("message", pa.string())]),
}
CASE_TABLES: tuple[str, ...] = ("cases", *CHILD_SCHEMAS)


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, rows: list[dict[str, Any]]) -> None:
    """Bulk insert through Arrow: thousands of rows in one statement, values never in SQL text.

    `table` and the column names come from the constants above, never from input.
    """
    if not rows:
        return
    data = pa.Table.from_pylist(rows, schema=schema)
    view = f"_batch_{table}"
    columns = ", ".join(schema.names)
    con.register(view, data)
    try:
        con.execute(f"insert into {table} ({columns}) select {columns} from {view}")
    finally:
        con.unregister(view)


def _case_rows(case_id: int, parsed: ParsedDocument, demo: bool) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    assert parsed.case is not None
    row = {"case_id": case_id, "case_key": parsed.case_key, "is_current": True, "superseded_by": None, **parsed.case,
           "is_demo": demo}
    children = {
        "case_contacts": [
            {"case_id": case_id, "number": n, "contact_date": d, "note": note} for n, d, note in parsed.contacts
        ],
        "case_reasons": [{"case_id": case_id, "reason_code": c} for c in parsed.reasons],
        "case_actions": [{"case_id": case_id, "action_code": c} for c in parsed.actions],
        "case_sectors": [{"case_id": case_id, "sector_code": c} for c in parsed.sectors],
        "case_signatories": [
            {"case_id": case_id, "position": i, "name": name} for i, name in enumerate(parsed.signatories, start=1)
        ],
        "case_warnings": [
            {"case_id": case_id, "position": i, "message": m} for i, m in enumerate(parsed.warnings, start=1)
        ],
    }
    return row, children


def _insert_cases(con: duckdb.DuckDBPyConnection, cases: list[tuple[int, ParsedDocument]], demo: bool = False) -> None:
    """Insert parsed cases; `demo` marks them as the demo generator's (their documents are too)."""
    case_rows: list[dict[str, Any]] = []
    children: dict[str, list[dict[str, Any]]] = {name: [] for name in CHILD_SCHEMAS}
    for case_id, parsed in cases:
        row, kids = _case_rows(case_id, parsed, demo)
        case_rows.append(row)
        for name, rows in kids.items():
            children[name] += rows
    _insert_arrow(con, "cases", CASE_SCHEMA, case_rows)
    for name, rows in children.items():
        _insert_arrow(con, name, CHILD_SCHEMAS[name], rows)


FORM_SOURCE = "formulario"  # vocab.SUBSTITUTION_SOURCES: the form's own "Substituição" block


def _record_form_substitutions(con: duckdb.DuckDBPyConnection, cases: list[tuple[int, ParsedDocument]]) -> int:
    """Append a substitution record (source 'formulario') for each form whose "Substituição"
    block says something not yet recorded from a form for its case, and audit each one.

    Only terminations count (the block of any other case is only warned about by the parser). A
    block already recorded from a form for that case (a new version of the form that repeats it, a
    `reparse`) is not recorded again, so it never outranks a newer entry made on the case's page or
    imported from a file; a block that changes appends a row, which is then the case's newest. The
    form itself is never changed. Returns how many rows were appended."""
    blocks = [(case_id, p) for case_id, p in cases
              if p.substitution and p.case is not None and p.case.get("outcome") == "desligamento"]
    if not blocks:
        return 0
    keys = dict(con.execute(
        "select case_id, case_key from cases where list_contains($ids, case_id)",
        {"ids": [case_id for case_id, _ in blocks]},
    ).fetchall())
    now = _now()
    rows = []
    for case_id, p in blocks:
        block = dict(p.substitution or {})
        uf = (block.get("substitute_uf") or "").upper() or None
        municipality = brazil.match_city(uf, block.get("substitute_city")) if uf and block.get("substitute_city") else None
        rows.append({
            **{name: block.get(name) for name in SUBSTITUTION_SCHEMA.names if name in block},
            "case_key": keys[case_id], "substitute_uf": uf,
            "substitute_ibge_code": municipality.ibge_code if municipality else None,
            "source": FORM_SOURCE, "entered_by": p.name, "entered_at": now,
        })
    compared = [n for n in SUBSTITUTION_SCHEMA.names if n not in ("entered_by", "entered_at")]
    columns = ", ".join(SUBSTITUTION_SCHEMA.names)  # the schema's constants
    seen = set(con.execute(
        f"select {', '.join(compared)} from substitutions "  # noqa: S608 - schema constants
        "where source = $source and list_contains($keys, case_key)",
        {"source": FORM_SOURCE, "keys": sorted({r["case_key"] for r in rows})},
    ).fetchall())
    fresh = []
    for row in rows:
        identity = tuple(row.get(n) for n in compared)
        if identity not in seen:
            seen.add(identity)
            fresh.append(row)
    if not fresh:
        return 0
    # In one statement each (a demo batch brings hundreds of blocks), in ingestion order.
    con.register("_form_substitutions", pa.Table.from_pylist(fresh, schema=SUBSTITUTION_SCHEMA))
    try:
        con.execute(
            f"insert into substitutions (substitution_id, {columns}) "  # noqa: S608 - schema constants
            f"select nextval('substitution_id_seq'), {columns} from _form_substitutions"
        )
        con.execute(
            "insert into audit_log (audit_id, logged_at, username, role, action, page, target, filters, detail) "
            "select nextval('audit_id_seq'), entered_at, 'formulário', null, 'registrar_substituicao', "
            "'Importar formulários', case_key, null, 'bloco Substituição do formulário ' || entered_by "
            "from _form_substitutions"
        )
    finally:
        con.unregister("_form_substitutions")
    appended = len(fresh)
    return appended


def _supersede(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """Make the newest ingested form of each case_key the current one; (old, new) per change.

    Newest = highest case_id (document ids grow in ingestion order). Each older version points to
    the version that immediately followed it, so the history reads as a chain. Only rows that are
    current and have a newer version change, so this is cheap and idempotent.
    """
    return con.execute(
        """
        update cases
        set is_current = false, superseded_by = newer.next_id
        from (
            select case_id, lead(case_id) over (partition by case_key order by case_id) as next_id
            from cases
        ) newer
        where cases.case_id = newer.case_id and newer.next_id is not null and cases.is_current
        returning cases.case_id, cases.superseded_by
        """
    ).fetchall()


# views.sql's derived relations the store keeps a copy of (`<name>_cache`, read through `<name>`).
DERIVED_RELATIONS: tuple[str, ...] = ("case_facts", "operator_names", "analyst_names", "filter_choices",
                                       "sidebar_choices", "city_network")  # in this order: each reads the copies before it
# Physical order of the facts copy: most pages filter by operator and UF and sort or bucket by
# date, so DuckDB's per-row-group min/max (zone maps) skip most of the file under such filters.
FACTS_ORDER = "operator_key, uf, reference_date, case_id"


def _refresh_derived(con: duckdb.DuckDBPyConnection, case_ids: list[int] | None = None) -> None:
    """Bring the cached copies of views.sql's live relations up to date, inside the caller's write
    transaction (so readers see the copies and the cases of one commit together).

    With `case_ids` (the forms a batch added plus those it superseded) only those facts rows are
    replaced; without, or when there is no copy yet, everything is rebuilt in FACTS_ORDER. The
    names and the sidebar's counts are small aggregates and are always recomputed.
    """
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'case_facts_cache'"
    ).fetchall()[0][0]
    if case_ids is None or not exists:
        con.execute(f"create or replace table case_facts_cache as select * from case_facts_live order by {FACTS_ORDER}")
    elif case_ids:
        ids = sorted(set(case_ids))
        con.execute("delete from case_facts_cache where list_contains($ids, case_id)", {"ids": ids})
        # case_facts_of (views.sql) computes only these cases: an upload into a store of a million
        # cases costs milliseconds here, not a rebuild.
        con.execute("insert into case_facts_cache select * from case_facts_of($ids::bigint[])", {"ids": ids})
    con.execute("create or replace view case_facts as select * from case_facts_cache")
    # The others are small aggregates over case_facts (now the copy): always recomputed whole.
    for name in DERIVED_RELATIONS[1:]:  # constants
        con.execute(f"create or replace table {name}_cache as select * from {name}_live")
        con.execute(f"create or replace view {name} as select * from {name}_cache")


def _bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        insert into meta (key, value) values ('data_version', '1')
        on conflict (key) do update set value = cast(cast(meta.value as bigint) + 1 as varchar)
        """
    )


_DISK_FULL = ("No space left on device", "Disk full", "disk is full", "ENOSPC", "Errno 28")


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == 28:
        return True
    return any(marker.lower() in str(exc).lower() for marker in _DISK_FULL)


def write_error_message(exc: BaseException, path: Path, what: str) -> str:
    """Why a write failed, for users: a full disk is named as such (it is the usual cause, and the
    one a user can fix); anything else keeps its technical detail for support."""
    if is_disk_full(exc):
        return (
            f"{what}: não há espaço livre no disco onde fica o banco de dados ({path.parent}). Libere espaço "
            "e tente de novo. Os dados já existentes não foram alterados."
        )
    return f"{what} ({type(exc).__name__}: {exc}). Os dados já existentes não foram alterados."


def _fmt_when(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else "data desconhecida"


class Store:
    """One DuckDB case store. Cheap to create; every method opens and closes its own connection."""

    def __init__(self, path: str | os.PathLike, lock_timeout: float | None = None, keep_open: float = 0.0):
        """`keep_open` (seconds, the app's Store): reads share one read-only connection that stays
        open until idle that long (see _KeptConnection); 0 = a new connection per read."""
        self.path = Path(path).expanduser().resolve()
        self.lock_timeout = DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout
        self.keep_open = keep_open

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # --- connections ---------------------------------------------------------------------------

    @contextmanager
    def connect(self, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; read-only by default so the app never blocks a writer for long.

        Waits up to `lock_timeout` seconds while another process or thread holds the file, then
        raises StoreBusyError. Close it quickly: while it is open, no other process can write.
        """
        if read_only and not self.path.exists():
            raise StoreError(
                f"O banco de dados {self.path} ainda não existe. Importe formulários "
                "(`python -m retention_analytics ingest PASTA`) ou gere a demonstração (`demo`)."
            )
        if not read_only:
            with self.exclusive() as started:
                con = self._open(False, started)
                try:
                    yield con
                finally:
                    con.close()
            return
        lock = _lock_for(self.path)
        started = time.monotonic()
        if not lock.acquire(False, self.lock_timeout):
            raise StoreBusyError(self._busy_here())
        try:
            if self.keep_open > 0:
                with self._kept_cursor(started) as cur:
                    yield cur
                return
            # A writer of another process waiting for the file goes first (see _writer_intent).
            _wait_for_writers(self.path, started + self.lock_timeout)
            con = self._open(True, started)
            try:
                yield con
            finally:
                con.close()
        finally:
            lock.release(False)

    @contextmanager
    def _kept_cursor(self, started: float) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the kept connection (opened if needed); within connect's read lock."""
        kept = _kept_for(self.path, self.keep_open)
        if _writer_waiting(self.path) or kept.inode != _inode(self.path):
            kept.close_if_unused()  # a writer waits for this file to be closed; or it was swapped
        _wait_for_writers(self.path, started + self.lock_timeout)
        with kept.guard:
            if kept.con is None:
                kept.inode = _inode(self.path)
                kept.con = self._open(True, started)
            kept.users += 1
            try:
                cur = kept.con.cursor()
            except BaseException:
                kept.users -= 1
                raise
            kept.start_watch()
        try:
            yield cur
        finally:
            try:
                cur.close()
            finally:
                with kept.guard:
                    kept.users -= 1
                    kept.last_used = time.monotonic()

    @contextmanager
    def exclusive(self) -> Iterator[float]:
        """Hold off every other writer and every new reader of this file, in this process (the
        readers-writer lock) and in the others using Store (the intent lock); yields when the wait
        started. Opening DuckDB read-write inside it is then a matter of the current readers
        finishing their short queries. Used by writes, backup and restore."""
        lock = _lock_for(self.path)
        started = time.monotonic()
        if not lock.acquire(True, self.lock_timeout):
            raise StoreBusyError(self._busy_here())
        try:
            # No reader of this process holds a cursor now (the lock): a kept connection goes, or
            # DuckDB would refuse to open the file read-write beside it.
            close_kept(self.path)
            with _writer_intent(self.path, started + self.lock_timeout):
                yield started
        finally:
            lock.release(True)

    def _busy_here(self) -> str:
        return (
            f"O banco de dados {self.path} está ocupado por outra tarefa deste mesmo programa há mais de "
            f"{pt_float(self.lock_timeout)} s. Aguarde a importação em andamento terminar e tente de novo."
        )

    def _open(self, read_only: bool, started: float) -> duckdb.DuckDBPyConnection:
        delay = 0.05
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if "not a valid DuckDB database" in str(exc):
                    raise StoreError(
                        f"O arquivo {self.path} não é um banco de dados do Painel (DuckDB). Confira o caminho "
                        "passado em --db ou em RETENTION_DB."
                    ) from exc
                if not _is_lock_conflict(exc):
                    raise StoreError(f"Não foi possível abrir o banco de dados {self.path}: {exc}") from exc
                if time.monotonic() - started + delay > self.lock_timeout:
                    raise StoreBusyError(_busy_message(self.path, str(exc))) from exc
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    @contextmanager
    def _transaction(self, bump_version: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: committed (with data_version bumped) or rolled back entirely.

        `bump_version=False` for writes that change no number on any page (the audit log): a bump
        would throw away every cached summary of the app for nothing."""
        with self.connect(read_only=False) as con:
            con.begin()
            try:
                yield con
                if bump_version:
                    _bump_data_version(con)
                con.commit()
            except BaseException:
                try:
                    con.rollback()
                except duckdb.Error:
                    pass  # the transaction is already aborted; closing discards it anyway
                raise

    # --- schema --------------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Create tables, recreate views and refresh vocabularies; idempotent.

        Takes the write lock only when something changed (checked read-only first), so the app
        opening the store while the CLI writes just waits for a read, never for a rewrite.
        """
        tables = _vocab_tables()
        fingerprint = _schema_fingerprint()
        if self.path.exists():
            try:
                with self.connect(read_only=True) as con:
                    state = _schema_state(con, self.path)  # refuses a foreign or newer file
            except duckdb.Error as exc:
                raise StoreError(f"Não foi possível ler o banco de dados {self.path}: {exc}") from exc
            if state.fingerprint == fingerprint and state.version == SCHEMA_VERSION:
                return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._transaction() as con:
                from_version = _schema_state(con, self.path).version  # again, now that we hold the file
                con.execute(_sql("schema.sql"))
                # A field added to the registry (fields.py) after this file was made gets its column.
                con.execute(cases_column_ddl())
                for number, migration in _migrations():
                    if from_version < number <= SCHEMA_VERSION:
                        con.execute(migration)
                self._set_meta(con, "schema_version", str(SCHEMA_VERSION))
                con.execute(_sql("views.sql"))
                for name, table in tables.items():
                    con.execute(f"delete from {name}")  # name: a constant of _vocab_tables
                    _insert_arrow(con, name, table.schema, table.to_pylist())
                # views.sql just pointed every derived relation back at its live definition, and the
                # vocabularies it joins may have changed: rebuild the copies.
                _refresh_derived(con)
                con.execute(
                    "insert into meta (key, value) values ('created_at', ?) on conflict (key) do nothing",
                    [_now().isoformat(timespec="seconds")],
                )
                self._set_meta(con, "schema_hash", fingerprint)
        except StoreError:
            raise
        except duckdb.Error as exc:
            if is_disk_full(exc):
                raise StoreError(write_error_message(exc, self.path, f"Não foi possível preparar o banco de dados {self.path}")) from exc
            raise StoreError(f"Não foi possível preparar o banco de dados {self.path}: {exc}") from exc

    # --- meta ----------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        try:
            with self.connect(read_only=True) as con:
                row = con.execute("select value from meta where key = ?", [key]).fetchone()
        except duckdb.CatalogException:
            return None  # a file without our schema yet
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as con:
            self._set_meta(con, key, value)

    @staticmethod
    def _set_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        con.execute(
            "insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
            [key, value],
        )

    def data_version(self) -> int:
        """Incremented by every committed write: the UI keys its caches on it."""
        value = self.get_meta("data_version")
        return int(value) if value else 0

    def provenance(self) -> Provenance:
        """How many documents and cases the demo generator wrote, and how many came from elsewhere.

        Raises StoreError for a file that is not ours, newer than this code, or not upgraded yet:
        the app then shows no data (ui/login.py)."""
        with self.connect(read_only=True) as con:
            return _provenance(con, self.path)

    def is_demo(self) -> bool:
        """Every row is the demo generator's (and there is at least one)."""
        return self.provenance().only_demo

    def remove_demo(self) -> Provenance:
        """Delete every demo document and case in one transaction, never a real one; returns what
        was deleted (`Provenance` with only the demo counts). Real cases that were versions of a
        demo protocol (a database from before schema 2) become current again where due."""
        with self._transaction() as con:
            before = _provenance(con, self.path)
            if not before.has_demo:
                return Provenance()
            demo_cases = "select case_id from cases where is_demo is true"
            for table in reversed(CASE_TABLES[1:]):  # constants: children first
                con.execute(f"delete from {table} where case_id in ({demo_cases})")
            con.execute("delete from cases where is_demo is true")
            con.execute("delete from documents where is_demo is true")
            # Substitution records of the invented cases go with them.
            con.execute("delete from substitutions where case_key not in (select case_key from cases)")
            # So do the alerts about them (a case, or an operator, that exists no more).
            con.execute(
                "delete from alerts where case_id not in (select case_id from cases) "
                "or operator_key not in (select operator_key from cases where operator_key is not null)"
            )
            con.execute(
                "delete from ingest_batches where origin = 'demo' "
                "and batch_id not in (select batch_id from documents)"
            )
            # Version chains are recomputed over what is left (cheap: real cases only).
            con.execute("update cases set is_current = true, superseded_by = null")
            _supersede(con)
            _refresh_derived(con)
            return Provenance(demo_documents=before.demo_documents, demo_cases=before.demo_cases,
                              demo_superseded=before.demo_superseded)

    # --- ingest --------------------------------------------------------------------------------

    def known_documents(self, shas: list[str], con: duckdb.DuckDBPyConnection | None = None) -> dict[str, str]:
        """sha256 → Portuguese description of the stored document with those bytes, for duplicates."""
        if not shas:
            return {}
        if con is None:
            with self.connect(read_only=True) as own:
                return self.known_documents(shas, own)
        con.register("_batch_shas", pa.table({"sha256": pa.array(shas, pa.string())}))
        try:
            rows = con.execute(
                """
                select d.sha256, d.file_name, d.ingested_at, d.status
                from documents d join (select distinct sha256 from _batch_shas) b on d.sha256 = b.sha256
                """
            ).fetchall()
        finally:
            con.unregister("_batch_shas")
        known: dict[str, str] = {}
        for sha, file_name, ingested_at, status in rows:
            rejected = " (e rejeitado)" if status == "rejected" else ""
            known[sha] = f"conteúdo idêntico a “{file_name}”, já importado em {_fmt_when(ingested_at)}{rejected}"
        return known

    def parse_documents(
        self,
        documents: Iterable[DocumentLike],
        progress: Progress | None = None,
        parser: Parser | None = None,
        parser_version: str | None = None,
    ) -> list[ParsedDocument]:
        """Parse a batch without writing; bytes already stored come back as duplicates, unparsed."""
        docs = list(documents)
        shas = [content_sha256(d) for d in docs]
        return parse_documents(
            docs, progress, parser, parser_version, known=self.known_documents(shas), shas=shas
        )

    def ingest(
        self,
        documents: Iterable[DocumentLike],
        origin: str = "cli",
        progress: Progress | None = None,
        parser: Parser | None = None,
        parser_version: str | None = None,
        *,
        demo: bool = False,
    ) -> IngestSummary:
        """Parse and store a batch of documents in one transaction; see the module docstring.

        `parser` defaults to forms.parse_document (with forms.PARSER_VERSION); progress is called
        as progress(done, total, name) after each document is parsed. `demo=True` only for the
        demo generator's own files (commands/demo.py): see write_batch.
        """
        with fewer_gc_pauses():
            started = time.perf_counter()
            parsed = self.parse_documents(documents, progress, parser, parser_version)
            parse_seconds = time.perf_counter() - started
            summary = self.write_batch(parsed, origin, demo=demo)
        summary.parse_seconds = parse_seconds
        return summary

    def write_batch(self, parsed: list[ParsedDocument], origin: str = "cli", *, demo: bool = False) -> IngestSummary:
        """Store parsed documents in one transaction: all of them, or (on any error) none.

        Every document and case written is marked real, unless `demo` (the demo generator's files).
        Real forms never join a database holding demo rows, nor demo forms one holding real rows:
        DemoMixError, checked inside the transaction, and nothing is written."""
        started = time.perf_counter()
        summary = IngestSummary(origin=origin)
        if not any(p.stored for p in parsed):
            summary.results = [FileResult(p.name, p.status, p.reason) for p in parsed]
            return summary
        try:
            with self._transaction() as con:
                summary = self._write_batch(con, parsed, origin, demo)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(write_error_message(exc, self.path, "A importação foi cancelada e nada deste lote foi gravado")) from exc
        summary.write_seconds = time.perf_counter() - started
        return summary

    def bulk_insert_cases(self, tables: dict[str, pa.Table], origin: str = "demo", is_demo: bool = True) -> None:
        """Write prepared case rows (no documents) into an empty store, in one transaction.

        For synthetic stores (demo/synth.py): `tables` maps "cases" and child tables to Arrow
        tables in CASE_SCHEMA / CHILD_SCHEMAS, with ids, case keys, is_current and superseded_by
        already resolved. The document id sequence is moved past the ids used, so a later ingest
        into the same file cannot collide with them. Refuses a store that already holds cases.
        """
        with self._transaction() as con:
            if con.execute("select (select count(*) from cases) + (select count(*) from documents)").fetchall()[0][0]:
                raise StoreError(f"O banco {self.path} já tem casos; a carga em massa só vale para um banco vazio.")
            for name, schema in (("cases", CASE_SCHEMA), *CHILD_SCHEMAS.items()):
                data = tables.get(name)
                if data is None or not data.num_rows:
                    continue
                view = f"_bulk_{name}"
                names = [n for n in schema.names if n != "is_demo"]  # set below, from the argument
                columns = ", ".join(names)
                # Not cast to `schema` here: dictionary-encoded text goes to DuckDB as it is (it
                # reads it as VARCHAR) instead of a million strings materialized in Python first.
                con.register(view, data.select(names))
                try:
                    con.execute(f"insert into {name} ({columns}) select {columns} from {view}")
                finally:
                    con.unregister(view)
            rows = tables["cases"].num_rows if "cases" in tables else 0
            last_id = con.execute("select coalesce(max(case_id), 0) from cases").fetchall()[0][0]
            con.execute("select max(nextval('document_id_seq')) from range(?)", [int(last_id)]).fetchall()
            superseded = con.execute("select count(*) from cases where not is_current").fetchall()[0][0]
            now = _now()
            con.execute(
                """
                insert into ingest_batches (batch_id, started_at, finished_at, origin, documents_new, superseded)
                values (nextval('batch_id_seq'), ?, ?, ?, ?, ?)
                """,
                [now, now, origin, rows, superseded],
            )
            con.execute("update cases set is_demo = ?", [bool(is_demo)])  # the store was empty: all of them
            _refresh_derived(con)

    def _write_batch(self, con: duckdb.DuckDBPyConnection, parsed: list[ParsedDocument], origin: str,
                     demo: bool = False) -> IngestSummary:
        # Another process may have stored the same bytes since the batch was parsed: those become
        # duplicates here instead of breaking the unique sha256 and with it the whole batch.
        known = self.known_documents([p.sha256 for p in parsed if p.stored], con)
        results: list[FileResult] = []
        to_store: list[tuple[ParsedDocument, FileResult]] = []
        for p in parsed:
            if p.stored and p.sha256 in known:
                results.append(FileResult(p.name, "duplicate", f"Duplicado: {known[p.sha256]}."))
            elif p.stored:
                results.append(FileResult(p.name, p.status, p.reason, warnings=list(p.warnings)))
                to_store.append((p, results[-1]))
            else:
                results.append(FileResult(p.name, p.status, p.reason))
        if to_store:
            provenance = _provenance(con, self.path)
            if not demo and provenance.has_demo:
                raise DemoMixError(demo_mix_message(self.path, provenance))
            if demo and provenance.has_real:
                raise DemoMixError(_real_into_real_message(self.path))

        now = _now()
        batch_id = con.execute("select nextval('batch_id_seq')").fetchone()[0]
        # Sorted: ids must grow in input order, because ingestion order (= id order) decides
        # which version of a protocol is the current one.
        ids = sorted(r[0] for r in con.execute("select nextval('document_id_seq') from range(?)", [len(to_store)]).fetchall())
        con.execute(
            "insert into ingest_batches (batch_id, started_at, origin) values (?, ?, ?)", [batch_id, now, origin]
        )
        _insert_arrow(
            con,
            "documents",
            DOCUMENT_SCHEMA,
            [
                {
                    "document_id": doc_id,
                    "sha256": p.sha256,
                    "file_name": p.name,
                    "content": p.data,
                    "size_bytes": len(p.data),
                    "ingested_at": now,
                    "batch_id": batch_id,
                    "parser_version": p.parser_version,
                    "status": p.status,
                    "rejection_reason": p.reason if p.status == "rejected" else None,
                    "source_error": p.source_error,
                    "is_demo": demo,
                    "reading": _reading_json(p.reading),
                }
                for doc_id, (p, _) in zip(ids, to_store)
            ],
        )
        _insert_cases(con, [(doc_id, p) for doc_id, (p, _) in zip(ids, to_store) if p.case is not None], demo)
        _record_form_substitutions(con, [(doc_id, p) for doc_id, (p, _) in zip(ids, to_store)])
        changes = _supersede(con)
        _refresh_derived(con, [*ids, *(old for old, _ in changes)])

        by_id: dict[int, FileResult] = {}
        for doc_id, (p, result) in zip(ids, to_store):
            if p.case is not None:
                result.case_id = doc_id
                result.protocol_number = p.case.get("protocol_number")
                by_id[doc_id] = result
        for old_id, new_id in changes:
            if old_id in by_id:
                by_id[old_id].superseded_by = new_id
            if new_id in by_id:
                by_id[new_id].supersedes = old_id

        summary = IngestSummary(origin=origin, batch_id=batch_id, results=results, superseded=len(changes))
        con.execute(
            """
            update ingest_batches
            set finished_at = ?, documents_new = ?, duplicates = ?, superseded = ?, rejected = ?
            where batch_id = ?
            """,
            [_now(), summary.new, summary.duplicate, summary.superseded,
             summary.rejected, batch_id],
        )
        return summary

    # --- reparse -------------------------------------------------------------------------------

    def reparse(
        self,
        progress: Progress | None = None,
        parser: Parser | None = None,
        parser_version: str | None = None,
    ) -> IngestSummary:
        """Rebuild every case from the stored documents with the current parser, in one transaction.

        Documents are read and parsed without holding the write lock (parsing is the slow part);
        documents ingested meanwhile are picked up inside the transaction, so none is left out.
        """
        if parser is None:
            parser, version = default_parser()
            parser_version = parser_version or version
        with fewer_gc_pauses():
            return self._reparse(progress, parser, parser_version)

    def _reparse(self, progress: Progress | None, parser: Parser, parser_version: str | None) -> IngestSummary:
        started = time.perf_counter()
        with self.connect(read_only=True) as con:
            total = con.execute("select count(*) from documents").fetchone()[0]
        parsed: list[tuple[int, ParsedDocument]] = []
        last_id = self._reparse_into(parsed, 0, total, progress, parser, parser_version, None)
        parse_seconds = time.perf_counter() - started

        started = time.perf_counter()
        try:
            with self._transaction() as con:
                self._reparse_into(parsed, last_id, None, None, parser, parser_version, con)
                summary = self._rewrite_all(con, parsed)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"A releitura foi cancelada e nada foi alterado ({type(exc).__name__}: {exc})."
            ) from exc
        summary.parse_seconds = parse_seconds
        summary.write_seconds = time.perf_counter() - started
        return summary

    def _reparse_into(
        self,
        out: list[tuple[int, ParsedDocument]],
        after_id: int,
        total: int | None,
        progress: Progress | None,
        parser: Parser,
        parser_version: str | None,
        con: duckdb.DuckDBPyConnection | None,
    ) -> int:
        """Parse stored documents with id > after_id, in ingestion order, in chunks (bounded memory
        for the bytes in flight). Returns the last document id seen."""
        chunk = 500
        while True:
            query = (
                "select document_id, file_name, content, sha256, source_error, reading from documents "
                "where document_id > ? order by document_id limit ?"
            )
            if con is None:
                with self.connect(read_only=True) as own:
                    rows = own.execute(query, [after_id, chunk]).fetchall()
            else:
                rows = con.execute(query, [after_id, chunk]).fetchall()
            if not rows:
                return after_id
            for doc_id, name, content, sha, source_error, reading in rows:
                doc = StoredDocument(name, bytes(content), source_error, _message_origin(reading))
                out.append((doc_id, parse_one(doc, sha, parser, parser_version)))
                if progress is not None:
                    progress(len(out), total, name)
            after_id = rows[-1][0]

    def _rewrite_all(self, con: duckdb.DuckDBPyConnection, parsed: list[tuple[int, ParsedDocument]]) -> IngestSummary:
        for table in reversed(CASE_TABLES):  # constants: children first, then cases
            con.execute(f"delete from {table}")
        statuses = pa.Table.from_pylist(
            [
                {
                    "document_id": doc_id,
                    "status": p.status,
                    "rejection_reason": p.reason if p.status == "rejected" else None,
                    "parser_version": p.parser_version,
                    "reading": _reading_json(p.reading),
                }
                for doc_id, p in parsed
            ],
            schema=pa.schema(
                [("document_id", pa.int64()), ("status", pa.string()), ("rejection_reason", pa.string()),
                 ("parser_version", pa.string()), ("reading", pa.string())]
            ),
        )
        con.register("_reparsed", statuses)
        try:
            con.execute(
                """
                update documents
                set status = r.status, rejection_reason = r.rejection_reason, parser_version = r.parser_version,
                    reading = r.reading
                from _reparsed r
                where documents.document_id = r.document_id
                """
            )
        finally:
            con.unregister("_reparsed")
        _insert_cases(con, [(doc_id, p) for doc_id, p in parsed if p.case is not None])
        # Blocks a newer parser reads in forms stored before it are recorded now; known ones are not.
        _record_form_substitutions(con, parsed)
        # A case is demo exactly when the document it was read from is.
        con.execute(
            "update cases set is_demo = d.is_demo from documents d "
            "where d.document_id = cases.case_id and cases.is_demo is distinct from d.is_demo"
        )
        changes = _supersede(con)
        _refresh_derived(con)

        results: list[FileResult] = []
        for doc_id, p in parsed:
            result = FileResult(p.name, p.status, p.reason, warnings=list(p.warnings))
            if p.case is not None:
                result.case_id = doc_id
                result.protocol_number = p.case.get("protocol_number")
            results.append(result)
        summary = IngestSummary(origin="reparse", results=results, superseded=len(changes))
        summary.current_cases = con.execute("select count(*) from cases where is_current").fetchone()[0]
        batch_id = con.execute("select nextval('batch_id_seq')").fetchone()[0]
        now = _now()
        con.execute(
            """
            insert into ingest_batches (batch_id, started_at, finished_at, origin, documents_new, duplicates,
                                        superseded, rejected)
            values (?, ?, ?, 'reparse', 0, 0, ?, ?)
            """,
            [batch_id, now, now, summary.superseded, summary.rejected],
        )
        summary.batch_id = batch_id
        return summary

    # --- substitution records (Conformidade ANS) ------------------------------------------------

    def add_substitutions(self, rows: "list[SubstitutionRow]", source: str, entered_by: str | None,
                          allowed_operators: frozenset[str] | None = None) -> int:
        """Store substitution records in one transaction: all of them, or none.

        Each row's protocol must name a current case that is a termination (and, with
        `allowed_operators`, one of those operators' cases); otherwise SubstitutionFileError lists
        every such line and nothing is written. Rows are appended (the newest row of a case is its
        record); the form itself is never changed. Returns how many rows were stored."""
        from .substitutions import SubstitutionFileError

        if not rows:
            return 0
        with self._transaction() as con:
            protocols = sorted({r.protocol_number for r in rows})
            found = {
                protocol: (case_key, outcome, operator_key)
                for protocol, case_key, outcome, operator_key in con.execute(
                    "select protocol_number, case_key, outcome, operator_key from cases "
                    "where is_current and list_contains($protocols, protocol_number)",
                    {"protocols": protocols},
                ).fetchall()
            }
            problems: list[str] = []
            for row in rows:
                where = f"linha {row.line}: " if row.line else ""
                match = found.get(row.protocol_number)
                if match is None or (allowed_operators is not None and match[2] not in allowed_operators):
                    problems.append(f"{where}protocolo {row.protocol_number}: nenhum caso com esse Nº do protocolo")
                elif match[1] != "desligamento":
                    problems.append(f"{where}protocolo {row.protocol_number}: o caso não terminou em desligamento; "
                                    "substituições só valem para desligamentos")
            if problems:
                raise SubstitutionFileError(problems)
            now = _now()
            table = pa.Table.from_pylist(
                [{"case_key": found[r.protocol_number][0], "exit_date": r.exit_date, "notice_date": r.notice_date,
                  "notice_channels": r.notice_channels, "substitute_cro": r.substitute_cro,
                  "substitute_uf": r.substitute_uf, "substitute_city": r.substitute_city,
                  "substitute_ibge_code": r.substitute_ibge_code, "substitute_name": r.substitute_name,
                  "notes": r.notes, "source": source, "entered_by": entered_by, "entered_at": now}
                 for r in rows],
                schema=SUBSTITUTION_SCHEMA,
            )
            con.register("_new_substitutions", table)
            try:
                columns = ", ".join(SUBSTITUTION_SCHEMA.names)
                con.execute(
                    f"insert into substitutions (substitution_id, {columns}) "
                    f"select nextval('substitution_id_seq'), {columns} from _new_substitutions"
                )
            finally:
                con.unregister("_new_substitutions")
        return len(rows)

    def substitution_history(self, case_key: str) -> list[dict[str, Any]]:
        """Every substitution record of a case, newest first (who entered it, when, from where)."""
        with self.connect(read_only=True) as con:
            cursor = con.execute(
                "select * from substitutions where case_key = ? order by substitution_id desc", [case_key]
            )
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    # --- reading -------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Counts for `stats` and the app's header: documents, cases, outcomes, operators, dates."""
        with self.connect(read_only=True) as con:
            by_status = dict(con.execute("select status, count(*) from documents group by status").fetchall())
            current, superseded = con.execute(
                "select count(*) filter (where is_current), count(*) filter (where not is_current) from cases"
            ).fetchone()
            by_outcome = dict(
                con.execute("select outcome, count(*) from case_facts group by outcome order by outcome").fetchall()
            )
            operators = [
                {"operator_key": k, "name": n, "cases": c}
                for k, n, c in con.execute(
                    "select operator_key, operator_name, cases from operator_names order by cases desc, operator_name"
                ).fetchall()
            ]
            first, last = con.execute("select min(reference_date), max(reference_date) from case_facts").fetchone()
            batches, last_ingest = con.execute(
                "select count(*), max(finished_at) from ingest_batches where origin <> 'reparse'"
            ).fetchone()
            meta = dict(con.execute("select key, value from meta").fetchall())
            provenance = _provenance(con, self.path)
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}.wal")) if p.exists())
        return {
            "db_path": str(self.path),
            "db_size_bytes": size,
            "documents_by_status": {s: by_status.get(s, 0) for s in ("ok", "ok_with_warnings", "rejected")},
            "documents_total": sum(by_status.values()),
            "current_cases": current or 0,
            "superseded_versions": superseded or 0,
            "cases_by_outcome": by_outcome,
            "operators": operators,
            "date_range": (first, last),
            "batches": batches,
            "last_ingest_at": last_ingest,
            "data_version": int(meta.get("data_version") or 0),
            "is_demo": provenance.only_demo,
            "provenance": asdict(provenance),
            "created_at": meta.get("created_at"),
        }

    def document_bytes(self, case_id: int) -> tuple[str, bytes] | None:
        """(download file name, original bytes) of the form a case was parsed from, or None.

        The name is the file's own name (the part after any folder or "arquivo.zip:"), which is
        what a browser download needs; the stored file_name keeps the full origin.
        """
        with self.connect(read_only=True) as con:
            row = con.execute(
                "select file_name, content from documents where document_id = ?", [case_id]
            ).fetchone()
        if row is None:
            return None
        name = re.split(r"[/\\:]", row[0])[-1] or "formulario"
        return name, bytes(row[1])

    def case_key_operators(self, case_keys: list[str]) -> dict[str, set[str]]:
        """case_key → operator keys of the stored forms with that key (any version): lets the
        importer refuse a gestor's form that would replace another operator's case."""
        if not case_keys or not self.path.exists():
            return {}
        with self.connect(read_only=True) as con:
            con.register("_keys", pa.table({"case_key": pa.array(sorted(set(case_keys)), pa.string())}))
            try:
                rows = con.execute(
                    "select distinct c.case_key, coalesce(c.operator_key, '') from cases c "
                    "join _keys k on k.case_key = c.case_key"
                ).fetchall()
            finally:
                con.unregister("_keys")
        out: dict[str, set[str]] = {}
        for case_key, operator_key in rows:
            out.setdefault(case_key, set()).add(operator_key)
        return out

    # --- audit log -----------------------------------------------------------------------------

    def record_audit(
        self,
        username: str,
        action: str,
        *,
        role: str | None = None,
        page: str | None = None,
        target: str | None = None,
        filters: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Append one event to `audit_log` (who, when, what, where, under which filters).

        Raises StoreError when it cannot be written: callers showing personal data must then keep
        it masked (no unaudited unmasked view). Does not bump the data version.
        """
        row = [username, role, action, page, target, filters, detail]
        for attempt in (1, 2):
            try:
                with self._transaction(bump_version=False) as con:
                    con.execute(
                        """
                        insert into audit_log (audit_id, logged_at, username, role, action, page, target, filters, detail)
                        values (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [_now(), *row],
                    )
                return
            except duckdb.CatalogException:
                if attempt == 2:
                    raise StoreError(f"O banco de dados {self.path} não tem o registro de auditoria.") from None
                self.ensure_schema()  # a file made before audit_log existed: add it, then retry
            except StoreError:
                raise
            except duckdb.Error as exc:
                raise StoreError(write_error_message(exc, self.path, "O registro de auditoria não foi gravado")) from exc

    def audit_entries(self, limit: int = 200, username: str | None = None, action: str | None = None,
                      since: dt.datetime | None = None) -> list[dict[str, Any]]:
        """The newest audit events first, optionally of one user / one action / since a moment."""
        clauses, params = ["true"], []
        if username:
            clauses.append("username = ?")
            params.append(username)
        if action:
            clauses.append("action = ?")
            params.append(action)
        if since:
            clauses.append("logged_at >= ?")
            params.append(since)
        try:
            with self.connect(read_only=True) as con:
                result = con.execute(
                    f"select audit_id, logged_at, username, role, action, page, target, filters, detail "  # noqa: S608
                    f"from audit_log where {' and '.join(clauses)} order by audit_id desc limit ?",  # fixed clauses
                    [*params, max(0, int(limit))],
                )
                columns = [d[0] for d in result.description]
                return [dict(zip(columns, r)) for r in result.fetchall()]
        except duckdb.CatalogException:
            return []  # a file made before audit_log existed has no events
