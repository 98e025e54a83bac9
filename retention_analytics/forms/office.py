"""Word processor formats without a reader of their own: `.doc` (Word 97-2003), `.odt` and `.rtf`.

They are converted to `.docx` by LibreOffice headless (`soffice --convert-to docx`) when it is
installed, and the `.docx` reader reads the result; without LibreOffice the user gets a Portuguese
message saying how to save the file as `.docx`. Each conversion runs in a fresh temporary folder
with a LibreOffice profile of this process (two conversions at once must not share a profile:
soffice would hand the job to the other instance), under a time limit.

It must not interpret the document; it only converts bytes to bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..record import FormReadError

CONVERTED_EXTENSIONS: frozenset[str] = frozenset({".doc", ".odt", ".rtf"})
TIMEOUT_SECONDS = 90  # a first run creates the profile (~5 s); a form converts in 1-2 s

_KIND = {".doc": "Word 97-2003 (.doc)", ".odt": "OpenDocument (.odt)", ".rtf": "RTF (.rtf)"}


def soffice() -> str | None:
    """The LibreOffice program on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _profile() -> Path:
    return Path(tempfile.gettempdir()) / f"retencao-libreoffice-{os.getuid() if hasattr(os, 'getuid') else 0}-{os.getpid()}"


def convert_to_docx(data: bytes, ext: str) -> bytes:
    """The .docx LibreOffice makes of a .doc/.odt/.rtf; FormReadError (Portuguese) when it cannot."""
    kind = _KIND.get(ext, ext)
    program = soffice()
    if program is None:
        raise FormReadError(
            f"arquivos {kind} são lidos pelo LibreOffice, que não está instalado neste computador. "
            "Abra o arquivo no Word ou no LibreOffice Writer, use Arquivo › Salvar como › "
            "“Documento do Word (.docx)” e envie o .docx (ou peça ao administrador para instalar o "
            "LibreOffice: apt-get install libreoffice-writer-nogui)."
        )
    with tempfile.TemporaryDirectory(prefix="retencao-conversao-") as folder:
        source = Path(folder) / f"formulario{ext}"
        source.write_bytes(data)
        try:
            subprocess.run(
                [program, f"-env:UserInstallation={_profile().as_uri()}", "--headless", "--norestore",
                 "--nologo", "--convert-to", "docx", "--outdir", folder, str(source)],
                capture_output=True, timeout=TIMEOUT_SECONDS, check=False, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise FormReadError(
                f"o LibreOffice não terminou de converter o arquivo {kind} em {TIMEOUT_SECONDS} s. "
                "Abra-o no Word ou no LibreOffice, salve como .docx e envie o .docx."
            ) from None
        except OSError as exc:
            raise FormReadError(f"não foi possível executar o LibreOffice ({exc.strerror}). Salve o arquivo como .docx e envie o .docx.") from None
        result = Path(folder) / "formulario.docx"
        if not result.is_file() or result.stat().st_size == 0:
            raise FormReadError(
                f"o LibreOffice não conseguiu abrir o arquivo {kind}: ele pode estar corrompido ou protegido por senha. "
                "Abra-o no programa original, salve como .docx e envie o .docx."
            )
        return result.read_bytes()
