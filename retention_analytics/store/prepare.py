"""The parse half of ingestion: documents in, rows ready for the database out.

`parse_documents(docs)` turns each `Document` into a `ParsedDocument`: its sha256, its status
('ok', 'ok_with_warnings', 'rejected', or 'duplicate' when the same bytes are already known) and,
for a readable form, the row of `cases` plus the rows of every child table, already typed
(dates as `datetime.date`, integers checked against the column range). Nothing here opens the
database, so this half can run in a process pool: `parse_one` is a plain top-level function of
picklable arguments returning a picklable result.

It must not write anything, and it must never raise for one bad document: a file the parser
cannot read, or a record that breaks the form-schema.md contract, becomes a rejected
ParsedDocument with a Portuguese reason, so one bad file never aborts a batch.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import multiprocessing as mp
import os
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .. import brazil, vocab
from ..fields import SUBSTITUTION, case_columns
from ..record import HEADER_LABELS, FormReadError
from ..text import key

if TYPE_CHECKING:
    from ..forms.sources import Document  # noqa: F401  (the usual implementation of DocumentLike)


class DocumentLike(Protocol):
    """What the store needs of a document: forms.sources.Document has exactly this.

    The store does not import forms.sources at run time: importing anything under `forms` runs the
    parser package's __init__, and readers of the store must work without the parser.
    """

    name: str
    data: bytes
    error: str | None


@dataclass(frozen=True)
class StoredDocument:
    """A document read back from the database (for `reparse`)."""

    name: str
    data: bytes
    error: str | None = None
    # The e-mail it came attached to, as stored with it (documents.reading.message): a reparse
    # reads the attachment alone, so the message's date, sender and subject come from here.
    origin: tuple[tuple[str, str | None], ...] = ()

Parser = Callable[[str, bytes], dict[str, Any]]
Progress = Callable[[int, "int | None", str], None]

GENERIC_PARSE_ERROR = (
    "Erro inesperado ao ler este formulário ({kind}). O arquivo foi guardado; avise o suporte e, "
    "depois da correção, rode `reparse` para relê-lo."
)
CONTRACT_ERROR = (
    "O leitor de formulários devolveu um valor inesperado no campo “{field}” ({detail}). O arquivo "
    "foi guardado; avise o suporte e, depois da correção, rode `reparse` para relê-lo."
)

# DuckDB `integer` columns are 32-bit: a typo like "1234567890123" in "nº de vidas" must not
# overflow and abort the whole batch, so such values are dropped with a warning instead.
INT32_MAX = 2**31 - 1

# cases columns filled from the record, in table order, with how each is typed: `source`, then
# every field the registry (fields.py) stores in `cases`.
_STR = "str"
_INT = "int"
_FLOAT = "float"
_BOOL = "bool"
_DATE = "date"
RECORD_COLUMNS: tuple[tuple[str, str], ...] = (("source", _STR), *case_columns())
# The record's `substitution` object (the form's "Substituição" block): its keys and their types.
SUBSTITUTION_FIELDS: tuple[tuple[str, str], ...] = tuple((f.key, f.storage) for f in SUBSTITUTION)

_OUTCOME_CODES = frozenset(t.code for t in vocab.OUTCOMES)
_ACTION_CODES = frozenset(t.code for t in vocab.ACTIONS)
_SECTOR_CODES = frozenset(t.code for t in vocab.SECTORS)
_REASON_CODES = frozenset(t.code for t in vocab.REASONS)


class RecordContractError(ValueError):
    """A parser returned something form-schema.md does not allow (a parser bug, not a user error)."""

    def __init__(self, field_name: str, detail: str):
        super().__init__(f"{field_name}: {detail}")
        self.field_name = field_name
        self.detail = detail


@dataclass
class ParsedDocument:
    """One document after parsing, ready to be written (or skipped, when a duplicate)."""

    name: str
    data: bytes
    sha256: str
    status: str  # 'ok', 'ok_with_warnings', 'rejected', 'duplicate'
    parser_version: str
    reason: str | None = None  # rejection reason, or what a duplicate duplicates (Portuguese)
    source_error: str | None = None  # Document.error: unreadable before parsing
    case: dict[str, Any] | None = None  # cases row without case_id / case_key / is_current
    case_key: str | None = None
    contacts: list[tuple[int, dt.date | None, str | None]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reading: dict[str, Any] | None = None  # the record's `reading` (documents.reading)
    # The form's "Substituição" block, typed (SUBSTITUTION_FIELDS), or None when it has none.
    substitution: dict[str, Any] | None = None

    @property
    def stored(self) -> bool:
        return self.status != "duplicate"


def content_sha256(doc: DocumentLike) -> str:
    """The dedup key of a document: the sha256 of its bytes.

    A document that could not even be read (Document.error with no bytes: file not found, too
    big) has no content to hash; all of them would share the hash of b"" and the second would be
    wrongly reported as a duplicate of the first. They get a random unique hash instead, so each
    such failure is stored and reported as rejected every time it happens.
    """
    if doc.error and not doc.data:
        return hashlib.sha256(b"sem-conteudo\0" + uuid.uuid4().bytes).hexdigest()
    return hashlib.sha256(doc.data).hexdigest()


def default_parser() -> tuple[Parser, str]:
    # Imported here, not at module level: the store must open (and the app read it) even when the
    # parser package cannot be imported, and readers should not pay for importing it.
    from ..forms import PARSER_VERSION, parse_document

    return parse_document, PARSER_VERSION


def parse_one(
    doc: DocumentLike,
    sha256: str | None = None,
    parser: Parser | None = None,
    parser_version: str | None = None,
) -> ParsedDocument:
    """Parse one document; never raises for a bad document (it comes back rejected)."""
    if parser is None:
        parser, default_version = default_parser()
        parser_version = parser_version or default_version
    version = parser_version or "desconhecida"
    sha = sha256 or content_sha256(doc)
    if doc.error:
        return rejected(doc, sha, version, doc.error, source_error=doc.error)
    try:
        record = parser(doc.name, doc.data)
        if getattr(doc, "origin", ()):  # a form attached to an e-mail keeps its date, sender, subject
            from ..forms import attach_origin

            attach_origin(record, doc.origin)  # type: ignore[attr-defined]
    except FormReadError as exc:
        return rejected(doc, sha, version, str(exc) or "Não foi possível ler este formulário.")
    except Exception as exc:  # noqa: BLE001 - one bad file must never abort a batch
        return rejected(doc, sha, version, GENERIC_PARSE_ERROR.format(kind=type(exc).__name__))
    return from_record(doc, record, sha, version)


# Below this many forms a process pool costs more to start than it saves.
POOL_THRESHOLD = 48


def worker_count() -> int:
    """Processes to parse with: RETENTION_WORKERS, else one per core."""
    try:
        return max(1, int(os.environ.get("RETENTION_WORKERS", "0")) or (os.cpu_count() or 1))
    except ValueError:
        return os.cpu_count() or 1


def _parse_default(item: tuple[DocumentLike, str]) -> ParsedDocument:
    doc, sha = item
    return parse_one(doc, sha)


def _parse_in_worker(item: tuple[DocumentLike, str]) -> ParsedDocument:
    # The parent has the bytes already: sending them back would double what crosses the pipe.
    parsed = _parse_default(item)
    parsed.data = b""
    return parsed


def parse_documents(
    docs: Iterable[DocumentLike],
    progress: Progress | None = None,
    parser: Parser | None = None,
    parser_version: str | None = None,
    known: dict[str, str] | None = None,
    shas: list[str] | None = None,
    workers: int | None = None,
) -> list[ParsedDocument]:
    """Parse documents, results in input order. Same bytes seen earlier in `docs`, or listed in
    `known` (sha256 → Portuguese description of where it is already stored), come back as
    'duplicate' without being parsed again. `shas`, when given, are the documents'
    content_sha256 already computed (content-less failures get a random one, so it must be
    computed once per document).

    With the default parser and a large batch, forms are parsed in a pool of `workers` processes
    (default: one per core) — parsing is pure CPU and the batch is still written in one
    transaction by the caller."""
    default = parser is None
    if parser is None:
        parser, default_version = default_parser()
        parser_version = parser_version or default_version
    items = docs if isinstance(docs, list) else list(docs)
    if shas is None:
        shas = [content_sha256(d) for d in items]
    total = len(items)
    known = dict(known or {})
    seen: dict[str, str] = {}
    out: list[ParsedDocument | None] = [None] * total
    pending: list[int] = []
    for index, (doc, sha) in enumerate(zip(items, shas)):
        if sha in known:
            out[index] = duplicate(doc, sha, parser_version or "", known[sha])
        elif sha in seen:
            out[index] = duplicate(doc, sha, parser_version or "", f"conteúdo idêntico a “{seen[sha]}”, neste mesmo lote")
        else:
            seen[sha] = doc.name
            pending.append(index)
    done = total - len(pending)

    def done_of() -> int:  # read late: the generator below runs between the loop's increments
        return done

    workers = worker_count() if workers is None else max(1, workers)
    if default and workers > 1 and len(pending) >= POOL_THRESHOLD:
        results = _parse_in_pool([(items[i], shas[i]) for i in pending], workers)
    else:
        results = (_parse_reporting_pages(items[i], shas[i], parser, parser_version, progress, done_of, total)
                   for i in pending)
    for index, parsed in zip(pending, results):
        out[index] = parsed
        done += 1
        if progress is not None:
            progress(done, total, items[index].name)
    if progress is not None and not pending and total:
        progress(total, total, items[-1].name)
    return [p for p in out if p is not None]


def _parse_reporting_pages(doc: DocumentLike, sha: str, parser: Parser, parser_version: str | None,
                           progress: Progress | None, done_of: Callable[[], int], total: int) -> ParsedDocument:
    """parse_one, telling `progress` about each OCR page of the document (a scan costs seconds a
    page; the bar then reads "formulario.pdf: OCR da página 2 de 3")."""
    if progress is None:
        return parse_one(doc, sha, parser, parser_version)
    from ..forms import ocr

    def page(number: int, pages: int) -> None:
        progress(done_of(), total, f"{doc.name}: OCR da página {number} de {pages}")

    token = ocr.page_progress.set(page)
    try:
        return parse_one(doc, sha, parser, parser_version)
    finally:
        ocr.page_progress.reset(token)


# CPython collects its youngest generation every 700 net allocations. Parsing allocates many
# short-lived objects and makes almost no reference cycles, so at that pace the collector mostly
# re-walks live objects (the parser's memo caches, the batch being built): ~12 % of parse time.
# A batch runs with a higher threshold; memory is still reclaimed by reference counting.
BATCH_GC_THRESHOLD = (50_000, 50, 100)
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_gc_pauses() -> Iterator[None]:
    """Raise the collector's thresholds for the duration (re-entrant and thread-safe: the first
    user saves the process's thresholds, the last one restores them)."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*BATCH_GC_THRESHOLD)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


def _start_worker() -> None:
    """Pool initializer: die with the parent, collect garbage at the batch pace (a worker only
    ever parses)."""
    die_with_parent()
    gc.set_threshold(*BATCH_GC_THRESHOLD)


def die_with_parent() -> None:
    """Pool initializer: a worker ends when its parent does (Linux), so an ingest killed with
    SIGKILL leaves no orphan parsers waiting forever on their queue."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pool's own shutdown still applies


# In fork mode the parent parses the head of the batch itself (its results are kept) before
# forking: every worker then starts with the parser's memo caches (labels, template lines, the
# municipality index) already filled, shared copy-on-write, instead of each filling them anew.
WARM_HEAD_MAX = 24


def _warm_up(work: list[tuple[DocumentLike, str]]) -> list[ParsedDocument]:
    """Parse the head of `work` here (returned, in order) and one form of every other format
    found further on (dropped: a worker parses it again, in order, as usual)."""
    head = min(WARM_HEAD_MAX, max(1, len(work) // 40))
    parsed = [_parse_default(item) for item in work[:head]]
    seen = {_suffix(doc.name) for doc, _ in work[:head]}
    for doc, sha in work[head:]:
        if _suffix(doc.name) not in seen:
            seen.add(_suffix(doc.name))
            _parse_default((doc, sha))
    return parsed


def _suffix(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _parse_in_pool(work: list[tuple[DocumentLike, str]], workers: int) -> Iterable[ParsedDocument]:
    # fork is cheap and inherits the warm parser; only when this process runs no other threads
    # (a Streamlit server does: there, spawn).
    method = "fork" if "fork" in mp.get_all_start_methods() and threading.active_count() == 1 else "spawn"
    if method == "fork":
        head = _warm_up(work)
        yield from head
        work = work[len(head):]
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method), initializer=_start_worker) as pool:
        for (doc, _), parsed in zip(work, pool.map(_parse_in_worker, work, chunksize=16)):
            parsed.data = doc.data
            yield parsed


def rejected(doc: DocumentLike, sha: str, version: str, reason: str, source_error: str | None = None) -> ParsedDocument:
    return ParsedDocument(
        name=doc.name, data=doc.data, sha256=sha, status="rejected", parser_version=version,
        reason=reason, source_error=source_error,
    )


def duplicate(doc: DocumentLike, sha: str, version: str, where: str) -> ParsedDocument:
    # The bytes are not kept: they are stored already, and holding them would only cost memory.
    return ParsedDocument(
        name=doc.name, data=b"", sha256=sha, status="duplicate", parser_version=version,
        reason=f"Duplicado: {where}.",
    )


def from_record(doc: DocumentLike, record: dict[str, Any], sha: str, version: str) -> ParsedDocument:
    """A parsed record as typed rows; a contract violation becomes a rejected document."""
    try:
        return _from_record(doc, record, sha, version)
    except RecordContractError as exc:
        return rejected(doc, sha, version, CONTRACT_ERROR.format(field=exc.field_name, detail=exc.detail))
    except Exception as exc:  # noqa: BLE001 - a malformed record (not a dict, …) is a parser bug
        return rejected(doc, sha, version, GENERIC_PARSE_ERROR.format(kind=type(exc).__name__))


def _from_record(doc: DocumentLike, record: dict[str, Any], sha: str, version: str) -> ParsedDocument:
    if not isinstance(record, dict):
        raise RecordContractError("registro", f"esperado um dicionário, veio {type(record).__name__}")
    warnings = [_str("warnings", w) for w in _list(record, "warnings")]
    warnings = [w for w in warnings if w]
    row: dict[str, Any] = {}
    for column, kind in RECORD_COLUMNS:
        value = record.get(column)
        if kind == _STR:
            row[column] = _str(column, value)
        elif kind == _INT:
            number = _int(column, value)
            if number is not None and abs(number) > INT32_MAX:
                label = HEADER_LABELS.get(column, column)
                warnings.append(f"“{label}” com valor fora do intervalo aceito ({number}); valor ignorado.")
                number = None
            row[column] = number
        elif kind == _FLOAT:
            row[column] = _float(column, value)
        elif kind == _BOOL:
            row[column] = _bool(column, value)
        else:
            row[column] = _date(column, value)
    if row["source"] is None:
        row["source"] = doc.name
    if row["outcome"] is not None and row["outcome"] not in _OUTCOME_CODES:
        raise RecordContractError("outcome", f"código desconhecido {row['outcome']!r}")
    if row["uf"] is not None:
        row["uf"] = row["uf"].upper()

    # Grouping keys: one spelling-insensitive key per operator, analyst and city (text.key), so
    # "ODONTOLIFE", "OdontoLife" and "Odonto Life" are one operator on every page.
    row["operator_key"] = key(row["operator"]) or None
    row["analyst_key"] = key(row["analyst"]) or None
    row["city_key"] = key(row["city"]) or None
    municipality = brazil.match_city(row["uf"], row["city"])
    row["ibge_code"] = municipality.ibge_code if municipality else None
    row["city_official"] = municipality.name if municipality else None
    row["warning_count"] = len(warnings)

    contacts: list[tuple[int, dt.date | None, str | None]] = []
    for item in _list(record, "contacts"):
        if not isinstance(item, dict):
            raise RecordContractError("contacts", f"esperado um dicionário, veio {type(item).__name__}")
        number = _int("contacts.number", item.get("number"))
        if number is None or not 1 <= number <= 5:
            raise RecordContractError("contacts.number", f"número de contato inválido {item.get('number')!r}")
        contacts.append((number, _date("contacts.date", item.get("date")), _str("contacts.note", item.get("note"))))

    protocol = row["protocol_number"]
    reading = record.get("reading")
    return ParsedDocument(
        name=doc.name,
        data=doc.data,
        sha256=sha,
        status="ok_with_warnings" if warnings else "ok",
        parser_version=version,
        reading=reading if isinstance(reading, dict) else None,
        case=row,
        # A form without a protocol number is its own case: nothing can supersede it.
        case_key=protocol if protocol else f"doc:{sha}",
        contacts=contacts,
        reasons=_codes(record, "termination_reasons", _REASON_CODES),
        actions=_codes(record, "retention_actions", _ACTION_CODES),
        sectors=_codes(record, "responsible_sectors", _SECTOR_CODES),
        signatories=[s for s in (_str("signatories", v) for v in _list(record, "signatories")) if s],
        warnings=warnings,
        substitution=_substitution(record),
    )


def _substitution(record: dict[str, Any]) -> dict[str, Any] | None:
    block = record.get("substitution")
    if block is None:
        return None
    if not isinstance(block, dict):
        raise RecordContractError("substitution", f"esperado um dicionário, veio {type(block).__name__}")
    typed: dict[str, Any] = {}
    for key, kind in SUBSTITUTION_FIELDS:
        name = f"substitution.{key}"
        typed[key] = _date(name, block.get(key)) if kind == _DATE else _str(name, block.get(key))
    return typed if any(v is not None for v in typed.values()) else None


def _list(record: dict[str, Any], name: str) -> list[Any]:
    value = record.get(name)
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise RecordContractError(name, f"esperada uma lista, veio {type(value).__name__}")
    return list(value)


def _codes(record: dict[str, Any], name: str, allowed: frozenset[str]) -> list[str]:
    out: list[str] = []
    for code in _list(record, name):
        if code not in allowed:
            raise RecordContractError(name, f"código desconhecido {code!r}")
        if code not in out:  # a code checked twice is still one reason
            out.append(code)
    return out


def _str(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordContractError(name, f"esperado texto, veio {type(value).__name__}")
    text = str(value).strip()
    return text or None


def _int(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise RecordContractError(name, "esperado um número inteiro, veio verdadeiro/falso")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise RecordContractError(name, f"esperado um número inteiro, veio {value!r}")


def _float(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordContractError(name, f"esperado um número, veio {value!r}")
    return float(value)


def _bool(name: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise RecordContractError(name, f"esperado verdadeiro/falso, veio {value!r}")


def _date(name: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise RecordContractError(name, f"esperada uma data AAAA-MM-DD, veio {value!r}")
