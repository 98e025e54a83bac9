"""The Importar page's work, kept apart from its drawing so it is tested against a real store.

    preview = prepare(store, [Upload("formulario.xlsx", data)], progress)   # parse, write nothing
    preview.frame()                                                          # what will happen, per form
    summary = commit(store, preview)                                         # one transaction, origin 'upload'
    summary_frame(summary)                                                   # what happened, per form

An uploaded .zip expands into its forms (forms.sources). Parsing happens once, at preview time,
and the confirmed batch is exactly the previewed one; `Store.write_batch` re-checks duplicates
inside its transaction, so a file stored meanwhile by someone else still comes back "duplicado"
instead of being stored twice. Personal data in the previews is masked (privacy.py) like
everywhere else on screen.

Access (auth.py): an admin imports anything. A gestor (given as `user`) imports only forms of
their own operators: a form of another operator, an unreadable file (it belongs to no operator),
or a form whose protocol number belongs to another operator's case (it would replace that case)
is refused, shown in the preview and never stored; duplicates are described without naming the
stored file, which may be another operator's. Upload names are cleaned (no `..`, no control
characters) before they are stored or shown.

Real forms never join the demonstration (Store.write_batch refuses it inside its transaction): the
preview already says so (`Preview.demo_conflict`, with what to do), and an admin may choose
`remove_demo_and_commit` — the demonstration deleted in one transaction, then the batch stored in
another (should the second fail, only invented data was lost).

It must not import streamlit or draw anything, and it must never raise for one bad file: a file
that cannot be read becomes a rejected document with a Portuguese reason (stored on commit, so
the data-quality page lists it). Only a problem with the database itself raises (StoreError,
worded for users), and the page shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import pandas as pd

from .. import formatting as fmt
from .. import privacy
from ..filters import STATUS_LABELS
from ..forms.sources import Document, documents_from_bytes, safe_upload_name
from ..store import IngestSummary, ParsedDocument, Provenance, Store, parse_documents
from ..store.store import demo_mix_message
from ..store.summary import STATUS_LABELS as RESULT_LABELS

if TYPE_CHECKING:
    from ..auth import User

Progress = Callable[[int, "int | None", str], None]

# What a gestor is told about a duplicate: the stored original may be another operator's file.
GENERIC_DUPLICATE = "Duplicado: este arquivo já tinha sido importado; nada foi gravado de novo."
REFUSED_LABEL = "recusado (fora das suas operadoras)"

# What the preview says will happen to each form (the summary then says what did happen).
PLANNED_LABELS: dict[str, str] = {
    "ok": "será importado",
    "ok_with_warnings": "será importado, com avisos",
    "duplicate": "duplicado (já importado)",
    "rejected": "rejeitado",
}

UPLOAD_TYPES: tuple[str, ...] = ("xlsx", "xls", "ods", "csv", "docx", "doc", "odt", "rtf", "pdf", "txt", "md", "png", "jpg", "jpeg", "tif", "tiff", "zip", "eml", "msg")

UNREADABLE_UPLOAD = (
    "Não foi possível abrir o arquivo enviado ({kind}). Confira se ele não está corrompido, "
    "salve-o de novo no programa original e envie outra vez."
)


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it."""

    name: str
    data: bytes


def fingerprint(uploads: Iterable[Upload]) -> str:
    """Identifies a set of uploads by names and contents: the page re-parses only when it changes."""
    digest = hashlib.sha256()
    for upload in uploads:
        digest.update(upload.name.encode("utf-8", "replace") + b"\0")
        digest.update(hashlib.sha256(upload.data).digest())
    return digest.hexdigest()


@dataclass
class Preview:
    """The parsed batch, not yet written: one ParsedDocument per form (a .zip gives several)."""

    fingerprint: str
    parsed: list[ParsedDocument] = field(default_factory=list)
    # (file name, Portuguese reason) of forms this user may not import: never stored.
    refused: list[tuple[str, str]] = field(default_factory=list)
    # The database holds the demonstration, which real forms never join: what to do instead.
    demo_conflict: str | None = None

    @property
    def stores_anything(self) -> bool:
        """Confirming would write at least one document (a rejected one is stored too)."""
        return any(p.stored for p in self.parsed)

    def count(self, *statuses: str) -> int:
        return sum(1 for p in self.parsed if p.status in statuses)

    @property
    def to_store(self) -> int:
        """Forms that will become cases."""
        return self.count("ok", "ok_with_warnings")

    @property
    def rejected(self) -> list[ParsedDocument]:
        return [p for p in self.parsed if p.status == "rejected"]

    @property
    def with_warnings(self) -> list[ParsedDocument]:
        return [p for p in self.parsed if p.status == "ok_with_warnings"]

    def frame(self) -> pd.DataFrame:
        """One row per form, Portuguese headers, values as people read them, personal data masked."""
        rows = []
        for p in self.parsed:
            case = p.case or {}
            document = privacy.mask_cnpj(case.get("cnpj")) or privacy.mask_cpf(case.get("cpf"))
            outcome = case.get("outcome")
            rows.append(
                {
                    "Arquivo": p.name,
                    "Situação": PLANNED_LABELS.get(p.status, p.status),
                    "Nº do protocolo": case.get("protocol_number") or fmt.MISSING,
                    "Dentista": case.get("dentist_name") or fmt.MISSING,
                    "CPF/CNPJ": document or fmt.MISSING,
                    "Operadora": case.get("operator") or fmt.MISSING,
                    "Cidade": _place(case),
                    "Status": STATUS_LABELS.get(outcome, outcome) if outcome else ("—" if p.case is None else "Em aberto"),
                    "Data início": fmt.date(case.get("started_on")),
                    "Data final": fmt.date(case.get("finished_on")),
                    "Avisos": len(p.warnings),
                    "Observação": privacy.mask_text(p.reason) or "",
                }
            )
        for name, reason in self.refused:
            rows.append({column: fmt.MISSING for column in _PREVIEW_COLUMNS}
                        | {"Arquivo": name, "Situação": REFUSED_LABEL, "Avisos": 0,
                           "Observação": privacy.mask_text(reason) or ""})
        return pd.DataFrame(rows, columns=_PREVIEW_COLUMNS)


_PREVIEW_COLUMNS = [
    "Arquivo", "Situação", "Nº do protocolo", "Dentista", "CPF/CNPJ", "Operadora", "Cidade", "Status",
    "Data início", "Data final", "Avisos", "Observação",
]


def _place(case: dict) -> str:
    city, uf = case.get("city"), case.get("uf")
    if city and uf:
        return f"{city} – {uf}"
    return city or uf or fmt.MISSING


def read_uploads(uploads: Iterable[Upload]) -> list[Document]:
    """Every form in the uploads (a .zip expands); an upload that cannot be opened becomes a
    Document with a Portuguese error instead of an exception."""
    documents: list[Document] = []
    for upload in uploads:
        name = safe_upload_name(upload.name)  # "../../etc/passwd.xlsx" → "etc/passwd.xlsx"
        try:
            documents += list(documents_from_bytes(name, upload.data))
        except Exception as exc:  # noqa: BLE001 - one bad upload must never break the page
            documents.append(Document(name, upload.data, UNREADABLE_UPLOAD.format(kind=type(exc).__name__)))
    return documents


def prepare(store: Store, uploads: list[Upload], progress: Progress | None = None,
            user: "User | None" = None) -> Preview:
    """Parse the uploads without writing; bytes the store already holds come back as duplicates.

    Works before the database exists (the first import creates it): then nothing is a duplicate
    except a file repeated within the uploads themselves. With a `user` restricted to some
    operators, forms outside them are moved to `refused` (see the module docstring).
    """
    documents = read_uploads(uploads)
    if store.path.exists():
        parsed = store.parse_documents(documents, progress)
    else:
        parsed = parse_documents(documents, progress)
    preview = Preview(fingerprint(uploads), parsed)
    if user is not None and user.scope is not None:
        _restrict(store, preview, user)
    if store.path.exists() and preview.stores_anything:
        provenance = store.provenance()
        if provenance.has_demo:
            preview.demo_conflict = demo_mix_message(store.path, provenance)
    return preview


def _restrict(store: Store, preview: Preview, user: "User") -> None:
    """Keep only what `user` may import; the rest goes to `preview.refused` with the reason."""
    scope = user.scope or frozenset()
    owners = store.case_key_operators([p.case_key for p in preview.parsed if p.case is not None and p.case_key])
    yours = ", ".join(user.operators) or "nenhuma"
    kept: list[ParsedDocument] = []
    for p in preview.parsed:
        if p.status == "duplicate":
            kept.append(replace(p, reason=GENERIC_DUPLICATE))
        elif p.case is None:
            preview.refused.append((p.name, f"não pode ser lido como formulário: {p.reason}"))
        elif not user.may_see_operator(p.case.get("operator")):
            operator = p.case.get("operator") or "não informada"
            preview.refused.append((p.name, f"a operadora do formulário ({operator}) não está entre as suas ({yours}). "
                                            "Peça a um administrador para importá-lo."))
        elif owners.get(p.case_key, set()) - scope:
            protocol = p.case.get("protocol_number") or p.case_key
            preview.refused.append((p.name, f"o Nº do protocolo {protocol} já pertence a um caso de outra operadora; "
                                            "importá-lo substituiria esse caso. Peça a um administrador."))
        else:
            kept.append(p)
    preview.parsed = kept


def commit(store: Store, preview: Preview, user: "User | None" = None) -> IngestSummary:
    """Store the previewed batch in one transaction (origin 'upload'); creates the database if needed.

    Raises StoreError (Portuguese) when the database cannot be written; then nothing was stored.
    For a `user` restricted to some operators the protocol check runs again (a case may have been
    stored since the preview) and duplicates are described without naming the stored file.
    """
    store.ensure_schema()
    if user is not None and user.scope is not None:
        _restrict(store, preview, user)
    summary = store.write_batch(preview.parsed, origin="upload")
    if user is not None and user.scope is not None:
        for result in summary.results:
            if result.status == "duplicate":
                result.reason = GENERIC_DUPLICATE
    _evaluate_alerts(store, summary)
    return summary


def _evaluate_alerts(store: Store, summary: IngestSummary) -> None:
    """The alert rules after a committed batch (alerts.after_import): never undoes the import."""
    from ..alerts import after_import

    fired, error = after_import(store, summary)
    summary.alerts_fired, summary.alerts_error = len(fired), error


def remove_demo_and_commit(store: Store, preview: Preview, user: "User") -> tuple[Provenance, IngestSummary]:
    """An admin's "Remover a demonstração e importar": every demo document and case deleted (one
    transaction, recorded in the audit log with who and how many), then the batch stored as
    `commit` does. Returns what was removed and the import's summary."""
    if not user.is_admin:
        raise PermissionError("Só um administrador pode remover a demonstração.")
    removed = store.remove_demo()
    if removed.has_demo:
        store.record_audit(user.username, "remover_demonstracao", role=user.role, page="Importar formulários",
                           detail=f"{removed.demo_documents} formulários e {removed.demo_cases} casos de demonstração")
    preview.demo_conflict = None
    return removed, commit(store, preview, user)


def summary_frame(summary: IngestSummary) -> pd.DataFrame:
    """What the import did, one row per form: result, the case it became, what it replaced, why not."""
    rows = []
    for r in summary.results:
        rows.append(
            {
                "Arquivo": r.name,
                "Resultado": RESULT_LABELS.get(r.status, r.status),
                "Caso": str(r.case_id) if r.case_id is not None else fmt.MISSING,
                "Nº do protocolo": r.protocol_number or fmt.MISSING,
                "Substituiu o caso": str(r.supersedes) if r.supersedes is not None else fmt.MISSING,
                "Avisos": len(r.warnings),
                "Motivo": privacy.mask_text(r.reason) or "",
            }
        )
    # Case numbers as text: a missing one reads "—" rather than a grid's "None".
    return pd.DataFrame(rows, columns=["Arquivo", "Resultado", "Caso", "Nº do protocolo", "Substituiu o caso", "Avisos", "Motivo"])
