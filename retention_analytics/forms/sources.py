"""Where forms come from: files, folders and .zip archives, expanded into named byte strings.

Every form reaches the parser and the store as a `Document` (a display name and its bytes), so a
form inside a zip inside a folder, or attached to an e-mail (.eml, .msg: each attachment is a form,
the message's date, sender and subject travel in `Document.origin`), is handled like a file given
on the command line. Archives are
opened defensively: names with `..` or absolute paths are flattened, nested archives are expanded
one level deep, and size limits stop zip bombs before they are inflated (declared sizes and ratio
checked before a member is opened, bytes actually inflated counted as they are read). Names that
come from outside (uploads) go through `safe_upload_name`. It must not parse forms.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FORM_EXTENSIONS: frozenset[str] = frozenset(
    {".txt", ".md", ".csv", ".xlsx", ".xls", ".ods", ".docx", ".doc", ".odt", ".rtf", ".pdf",
     ".png", ".jpg", ".jpeg", ".tif", ".tiff"}  # pictures: scans and phone photos, read by OCR
)
ARCHIVE_EXTENSIONS: frozenset[str] = frozenset({".zip"})
# E-mails are expanded like archives: each attachment is a form (mail.py reads them).
MAIL_EXTENSIONS: frozenset[str] = frozenset({".eml", ".msg"})
# What every "format not supported" message lists, in the order people know them.
ACCEPTED_TEXT = (".xlsx, .xls, .ods, .csv, .docx, .doc, .odt, .rtf, .pdf, .txt, .md, imagens .png/.jpg/.tif, "
                 ".zip ou e-mails .eml/.msg")

# A form is a few kilobytes; these limits are generous for real forms and stop abuse.
MAX_FILE_BYTES = int(os.environ.get("RETENTION_MAX_FILE_MB", "20")) * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


@dataclass(frozen=True)
class Document:
    name: str  # what users see: "pasta/formulario.xlsx" or "lote.zip:formulario.xlsx"
    data: bytes
    error: str | None = None  # set when the document could not even be read (too big, bad zip)
    # The e-mail a form came attached to: (("date", …), ("from", …), ("subject", …)); () otherwise.
    origin: tuple[tuple[str, str | None], ...] = ()


def _pt_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def limit_text() -> str:
    """The size limit as people read it: "20 MB" (or "64 KB" for a limit under a megabyte)."""
    if MAX_FILE_BYTES >= 1024 * 1024:
        return f"{MAX_FILE_BYTES // (1024 * 1024)} MB"
    return f"{max(1, MAX_FILE_BYTES // 1024)} KB"


def extension(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


def is_supported(name: str) -> bool:
    ext = extension(name)
    return ext in FORM_EXTENSIONS or ext in ARCHIVE_EXTENSIONS or ext in MAIL_EXTENSIONS


def _safe_member_name(name: str) -> str:
    """A member name without `..`, drive letters or leading slashes: the archive cannot escape."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    parts = [p.replace(":", "_") for p in parts]
    return "/".join(parts) or "sem_nome"


def safe_upload_name(name: str) -> str:
    """A file name that came from outside (a browser upload) as it may be stored and shown: no
    control characters, no `..`, drive letters or leading slashes, at most 200 characters."""
    printable = "".join(ch for ch in str(name or "") if ch.isprintable())
    return _safe_member_name(printable)[-200:]


def expand_archive(name: str, data: bytes, depth: int = 0) -> Iterator[Document]:
    """The forms inside a .zip, each as a Document; a broken archive yields one Document with an error."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except Exception as exc:  # noqa: BLE001 - BadZipFile, struct.error…: a hostile archive is a message
        yield Document(name, data, f"O arquivo .zip está corrompido ou incompleto ({type(exc).__name__}). Gere o .zip novamente e reenvie.")
        return
    if len(members) > MAX_ARCHIVE_MEMBERS:
        yield Document(name, data, f"O .zip tem {len(members)} arquivos; o limite é {MAX_ARCHIVE_MEMBERS}. Divida-o em partes menores.")
        return
    declared = sum(m.file_size for m in members)
    if declared > MAX_ARCHIVE_TOTAL_BYTES:
        yield Document(name, data, "O .zip descompactado passaria de 1 GB; divida-o em partes menores.")
        return
    inflated = 0  # bytes actually read out of this archive: headers can lie about sizes
    for member in members:
        inner = f"{name}:{_safe_member_name(member.filename)}"
        base = PurePosixPath(member.filename).name
        if base.startswith(".") or "__MACOSX" in member.filename:
            continue  # macOS resource forks and hidden files are not forms
        if not is_supported(member.filename):
            yield Document(inner, b"", f"Formato não suportado ({extension(member.filename) or 'sem extensão'}). Envie {ACCEPTED_TEXT}.")
            continue
        # Both checks use the sizes the archive declares, before anything is inflated.
        if member.file_size > MAX_FILE_BYTES:
            yield Document(inner, b"", f"Arquivo grande demais: {_pt_int(member.file_size)} bytes descompactado; o limite é {limit_text()}. Não foi descompactado.")
            continue
        if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024:
            yield Document(inner, b"", f"Arquivo recusado por compressão suspeita (um .zip que se expande {_pt_int(member.file_size // member.compress_size)} vezes, como um “zip bomb”). Não foi descompactado; envie os formulários sem compactar.")
            continue
        try:
            with archive.open(member) as fh:
                content = fh.read(MAX_FILE_BYTES + 1)
        except Exception as exc:  # noqa: BLE001 - zlib.error, EOFError, bad CRC, password: one member's problem
            yield Document(inner, b"", f"Não foi possível extrair do .zip ({type(exc).__name__}). O arquivo pode estar corrompido ou protegido por senha.")
            continue
        if len(content) > MAX_FILE_BYTES:
            yield Document(inner, b"", f"Arquivo maior que o limite de {limit_text()}.")
            continue
        inflated += len(content)
        if inflated > MAX_ARCHIVE_TOTAL_BYTES:
            yield Document(inner, b"", "O .zip descompactado passou de 1 GB; os arquivos restantes não foram lidos. Divida-o em partes menores.")
            return
        if extension(member.filename) in ARCHIVE_EXTENSIONS:
            if depth >= 1:
                yield Document(inner, b"", "Arquivos .zip dentro de .zip dentro de .zip não são aceitos; descompacte um nível.")
            else:
                yield from expand_archive(inner, content, depth + 1)
            continue
        if extension(member.filename) in MAIL_EXTENSIONS:
            yield from expand_message(inner, content, depth + 1)
            continue
        yield Document(inner, content)


def expand_message(name: str, data: bytes, depth: int = 0) -> Iterator[Document]:
    """The forms attached to an e-mail (.eml, .msg), each as a Document carrying the message's date,
    sender and subject; an unreadable e-mail, or one with no form attached, is one Document with an
    error. An attached .zip or e-mail is opened too, one level deep (as nested archives are)."""
    from ..record import FormReadError
    from .mail import read_message

    try:
        message = read_message(name, data)
    except FormReadError as exc:
        text = str(exc).removeprefix(f"{name}: ") or "e-mail ilegível."
        yield Document(name, data, text[:1].upper() + text[1:])
        return
    forms = [(f, content) for f, content in message.attachments if is_supported(f)]
    if not forms:
        seen = ", ".join(sorted({extension(f) or "sem extensão" for f, _ in message.attachments})) or "nenhum"
        yield Document(name, data, f"O e-mail não tem formulário anexado (anexos: {seen}). Anexe o formulário ({ACCEPTED_TEXT}) e reenvie.")
        return
    for filename, content in forms:
        inner = f"{name}:{_safe_member_name(filename)}"
        ext = extension(filename)
        if len(content) > MAX_FILE_BYTES and ext not in ARCHIVE_EXTENSIONS:
            yield Document(inner, b"", f"Anexo maior que o limite de {limit_text()}.")
        elif ext in ARCHIVE_EXTENSIONS or ext in MAIL_EXTENSIONS:
            if depth >= 1:
                yield Document(inner, b"", "Anexos dentro de anexos, mais de um nível, não são aceitos; salve os formulários e envie-os.")
            else:
                for doc in (expand_archive(inner, content, depth + 1) if ext in ARCHIVE_EXTENSIONS
                            else expand_message(inner, content, depth + 1)):
                    yield doc if doc.origin or doc.error else Document(doc.name, doc.data, doc.error, message.origin)
        else:
            yield Document(inner, content, origin=message.origin)


def documents_from_bytes(name: str, data: bytes) -> Iterator[Document]:
    """One uploaded file as Documents: itself, or the forms inside it when it is a .zip."""
    if len(data) > MAX_FILE_BYTES and extension(name) not in ARCHIVE_EXTENSIONS:
        yield Document(name, b"", f"Arquivo maior que o limite de {limit_text()}.")
    elif extension(name) in ARCHIVE_EXTENSIONS:
        yield from expand_archive(name, data)
    elif extension(name) in MAIL_EXTENSIONS:
        yield from expand_message(name, data)
    elif not is_supported(name):
        yield Document(name, data, f"Formato não suportado ({extension(name) or 'sem extensão'}). Envie {ACCEPTED_TEXT}.")
    else:
        yield Document(name, data)


def list_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Files to read, in a stable order: given files as they are, folders walked recursively."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*") if p.is_file() and is_supported(p.name) and not p.name.startswith(".")
            )
        else:
            found.append(path)
    return found


def iter_documents(paths: Iterable[str | os.PathLike]) -> Iterator[Document]:
    """Every form under `paths` (files, folders, zips) as Documents, unreadable ones with an error."""
    for path in list_paths(paths):
        name = str(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            yield Document(name, b"", f"Arquivo não encontrado ou sem permissão de leitura ({exc.strerror}).")
            continue
        if size > MAX_FILE_BYTES and extension(name) not in ARCHIVE_EXTENSIONS:
            yield Document(name, b"", f"Arquivo maior que o limite de {limit_text()}.")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Document(name, b"", f"Não foi possível ler o arquivo ({exc.strerror}).")
            continue
        yield from documents_from_bytes(name, data)
