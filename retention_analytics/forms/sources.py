"""Where forms come from: files, folders and .zip archives, expanded into named byte strings.

Every form reaches the parser and the store as a `Document` (a display name and its bytes), so a
form inside a zip inside a folder is handled like a file given on the command line. Archives are
opened defensively: names with `..` or absolute paths are flattened, nested archives are expanded
one level deep, and size limits stop zip bombs before they are inflated. It must not parse forms.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

FORM_EXTENSIONS: frozenset[str] = frozenset({".txt", ".md", ".csv", ".xlsx", ".docx", ".pdf"})
ARCHIVE_EXTENSIONS: frozenset[str] = frozenset({".zip"})

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


def extension(name: str) -> str:
    return PurePosixPath(name.lower()).suffix


def is_supported(name: str) -> bool:
    ext = extension(name)
    return ext in FORM_EXTENSIONS or ext in ARCHIVE_EXTENSIONS


def _safe_member_name(name: str) -> str:
    """A member name without `..`, drive letters or leading slashes: the archive cannot escape."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    parts = [p.replace(":", "_") for p in parts]
    return "/".join(parts) or "sem_nome"


def expand_archive(name: str, data: bytes, depth: int = 0) -> Iterator[Document]:
    """The forms inside a .zip, each as a Document; a broken archive yields one Document with an error."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Document(name, data, f"O arquivo .zip está corrompido ou incompleto ({exc}). Gere o .zip novamente e reenvie.")
        return
    if len(members) > MAX_ARCHIVE_MEMBERS:
        yield Document(name, data, f"O .zip tem {len(members)} arquivos; o limite é {MAX_ARCHIVE_MEMBERS}. Divida-o em partes menores.")
        return
    declared = sum(m.file_size for m in members)
    if declared > MAX_ARCHIVE_TOTAL_BYTES:
        yield Document(name, data, "O .zip descompactado passaria de 1 GB; divida-o em partes menores.")
        return
    for member in members:
        inner = f"{name}:{_safe_member_name(member.filename)}"
        base = PurePosixPath(member.filename).name
        if base.startswith(".") or "__MACOSX" in member.filename:
            continue  # macOS resource forks and hidden files are not forms
        if not is_supported(member.filename):
            yield Document(inner, b"", f"Formato não suportado ({extension(member.filename) or 'sem extensão'}). Envie .xlsx, .csv, .docx, .pdf, .txt, .md ou .zip.")
            continue
        if member.file_size > MAX_FILE_BYTES or (
            member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO and member.file_size > 1024 * 1024
        ):
            yield Document(inner, b"", f"Arquivo grande demais ou compressão suspeita ({member.file_size:,} bytes descompactados); o limite é {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            continue
        try:
            with archive.open(member) as fh:
                content = fh.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            yield Document(inner, b"", f"Não foi possível extrair do .zip ({exc}). O arquivo pode estar corrompido ou protegido por senha.")
            continue
        if len(content) > MAX_FILE_BYTES:
            yield Document(inner, b"", f"Arquivo maior que o limite de {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            continue
        if extension(member.filename) in ARCHIVE_EXTENSIONS:
            if depth >= 1:
                yield Document(inner, b"", "Arquivos .zip dentro de .zip dentro de .zip não são aceitos; descompacte um nível.")
            else:
                yield from expand_archive(inner, content, depth + 1)
            continue
        yield Document(inner, content)


def documents_from_bytes(name: str, data: bytes) -> Iterator[Document]:
    """One uploaded file as Documents: itself, or the forms inside it when it is a .zip."""
    if len(data) > MAX_FILE_BYTES and extension(name) not in ARCHIVE_EXTENSIONS:
        yield Document(name, b"", f"Arquivo maior que o limite de {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    elif extension(name) in ARCHIVE_EXTENSIONS:
        yield from expand_archive(name, data)
    elif not is_supported(name):
        yield Document(name, data, f"Formato não suportado ({extension(name) or 'sem extensão'}). Envie .xlsx, .csv, .docx, .pdf, .txt, .md ou .zip.")
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
            yield Document(name, b"", f"Arquivo maior que o limite de {MAX_FILE_BYTES // (1024 * 1024)} MB.")
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Document(name, b"", f"Não foi possível ler o arquivo ({exc.strerror}).")
            continue
        yield from documents_from_bytes(name, data)
