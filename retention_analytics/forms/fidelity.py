"""Field accuracy of the parser per format, over a corpus the project builds itself.

`build_corpus(folder, forms, seed)` renders demo forms (demo generator and renderer: invented
people) and converts them the ways users do: the text-layer PDF; `pdftotext` raw and `-layout`
of it; the workbook saved by LibreOffice as .xls and .ods, and printed by it to PDF; the same
workbook printed by LibreOffice with narrow, wrapping columns (long values and labels break
across lines, the case of issue 11), and its `pdftotext -layout`; the PDF
rasterized (pdftoppm, else pypdfium2) as a clean scan (300 dpi, slight skew, sensor noise, as an
image-only PDF) and as a phone photo (200 dpi JPEG, 3-4° skew, uneven light, blur, noise).
Beside each file goes the exact record it must give (`expected.jsonl`). `score(folder)` parses
every file and counts, per format, the fields (record keys but `source`, `warnings`, `reading`;
a list is one field) equal to the expected record, and the seconds per file.

Conversions whose tool is not installed are skipped (and reported). This module must not touch
the database; it writes only inside `folder`.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import NARROW_WARNING
from .extract import HEADER_FIELDS

FORMATS: tuple[str, ...] = (
    "pdf", "pdftotext-raw", "pdftotext-layout", "xls", "ods", "libreoffice-pdf",
    "libreoffice-pdftotext-layout", "libreoffice-pdf-narrow", "libreoffice-pdf-narrow-pdftotext-layout",
    "scan", "photo",
)
_SUFFIX = {
    "pdf": ".pdf", "pdftotext-raw": ".txt", "pdftotext-layout": ".txt", "xls": ".xls", "ods": ".ods",
    "libreoffice-pdf": ".pdf", "libreoffice-pdftotext-layout": ".txt", "libreoffice-pdf-narrow": ".pdf",
    "libreoffice-pdf-narrow-pdftotext-layout": ".txt", "scan": ".pdf", "photo": ".jpg",
}
# Fields a printed sheet cannot carry the same way: none. Every key of the record but these counts.
# substitution: the optional block most forms do not have (null read as null would flatter); its
# reading is tested on its own (tests/test_forms.py).
_NOT_FIELDS = ("source", "warnings", "reading", "substitution")
# Fields a spreadsheet prints as "###" when its column is too narrow: dates and numbers.
_CAN_PRINT_AS_HASHES = frozenset(
    f for f, (kind, _) in HEADER_FIELDS.items() if kind in ("date", "int", "decimal", "money", "days")
)


@dataclass
class Score:
    fmt: str
    files: int = 0
    fields: int = 0
    correct: int = 0
    seconds: float = 0.0
    errors: int = 0
    # Missed fields the file itself does not hold: printed as "###" by a column too narrow, read
    # as blank and warned about (forms.NARROW_WARNING). No parser can score them; none is silent.
    absent: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 0.0

    @property
    def accuracy_of_present(self) -> float:
        """Accuracy over the fields the file holds."""
        present = self.fields - self.absent
        return self.correct / present if present else 0.0


def _pdftotext(pdf: bytes, layout: bool) -> bytes | None:
    if shutil.which("pdftotext") is None:
        return None
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True, timeout=60).stdout


def rasterize(pdf: bytes, dpi: int) -> list[Any]:
    """Grayscale page images of a PDF: pdftoppm (what users' scanners resemble), else pypdfium2."""
    import numpy as np
    from PIL import Image

    if shutil.which("pdftoppm"):
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-", f"{folder}/p"], input=pdf,
                           capture_output=True, check=True, timeout=120)
            return [np.asarray(Image.open(p).convert("L")) for p in sorted(Path(folder).glob("p*.png"))]
    from .ocr import images_from_pdf

    return images_from_pdf(pdf, dpi)


def scan(page: Any, rng: Any) -> Any:
    """A flatbed scan: the page slightly skewed, a little sensor noise."""
    import cv2
    import numpy as np

    h, w = page.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(-1.5, 1.5)), 1.0)
    out = cv2.warpAffine(page.astype(np.float32), matrix, (w, h), borderValue=255)
    return np.clip(out + rng.normal(0, 6, out.shape), 0, 255).astype(np.uint8)


def photo(page: Any, rng: Any) -> bytes:
    """A phone photo of the printed page: skewed 3-4°, light falling off to one side, out of
    focus, noisy, saved as a heavily compressed JPEG."""
    import cv2
    import numpy as np
    from PIL import Image

    h, w = page.shape
    angle = float(rng.uniform(3.0, 4.0)) * (1 if rng.random() < 0.5 else -1)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(page.astype(np.float32), matrix, (w, h), borderValue=235)
    yy, xx = np.mgrid[0:h, 0:w]
    a, b = rng.uniform(0.3, 0.7), rng.uniform(0.2, 0.5)
    out = out * (0.55 + 0.45 * (a * xx / w + b * yy / h) / (a + b))
    out = cv2.GaussianBlur(out, (0, 0), float(rng.uniform(0.9, 1.3)))
    out = np.clip(out + rng.normal(0, 10, out.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(out).save(buffer, format="JPEG", quality=int(rng.integers(35, 55)))
    return buffer.getvalue()


def _image_pdf(pages: list[Any]) -> bytes:
    from PIL import Image

    images = [Image.fromarray(p) for p in pages]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", resolution=300.0, save_all=True, append_images=images[1:])
    return buffer.getvalue()


def _narrow(xlsx: bytes) -> bytes:
    """The workbook as an operator prints it with narrow columns: each column at 60% of the
    template's width and every cell wrapping, so long values and labels break onto two lines."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment

    book = load_workbook(io.BytesIO(xlsx))
    sheet = book.active
    for letter in "ABCDEF":
        dimension = sheet.column_dimensions[letter]
        dimension.width = round((dimension.width or 13) * 0.6, 1)
    widths = {letter: sheet.column_dimensions[letter].width or 8.0 for letter in "ABCDEF"}
    for row in sheet.iter_rows():
        lines = 1
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, str) and cell.column_letter in widths:
                # Rows grow with their wrapped text, as Calc's optimal height does on screen.
                lines = max(lines, -(-int(len(cell.value) * 1.15) // max(int(widths[cell.column_letter]), 1)))
        sheet.row_dimensions[row[0].row].height = 15 * min(lines, 12)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _libreoffice(paths: list[Path], target: str, folder: Path) -> bool:
    from .office import soffice

    program = soffice()
    if program is None or not paths:
        return False
    subprocess.run([program, f"-env:UserInstallation={(folder / '.lo').as_uri()}", "--headless", "--norestore",
                    "--convert-to", target, "--outdir", str(folder), *map(str, paths)],
                   capture_output=True, timeout=600, check=False)
    return True


def build_corpus(folder: Path, forms: int = 6, seed: int = 11, formats: tuple[str, ...] = FORMATS) -> dict[str, int]:
    """Write the corpus into `folder` (see the module docstring); {format: files written}."""
    import numpy as np

    from ..demo import generate_corpus, render

    from .ocr import available

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ocr_ready = available()  # without Tesseract, scans would only measure the refusal
    picked = generate_corpus(max(forms * 4, 20), seed=seed)[:forms]
    written = {fmt: 0 for fmt in formats}
    expected: list[dict[str, Any]] = []

    def put(name: str, fmt: str, data: bytes, index: int) -> None:
        (folder / name).write_bytes(data)
        expected.append({"file": name, "format": fmt, "record": _expected(picked[index].record)})
        written[fmt] += 1

    sheets = folder / "planilhas"
    sheets.mkdir(exist_ok=True)
    for k, form in enumerate(picked):
        pdf = render(form.record, "pdf", form.defects, form.template)
        (sheets / f"f{k:02d}.xlsx").write_bytes(render(form.record, "xlsx", form.defects, form.template))
        if "pdf" in formats:
            put(f"f{k:02d}.pdf", "pdf", pdf, k)
        for fmt, layout in (("pdftotext-raw", False), ("pdftotext-layout", True)):
            text = _pdftotext(pdf, layout) if fmt in formats else None
            if text is not None:
                put(f"f{k:02d}.{fmt}.txt", fmt, text, k)
        if ("scan" in formats or "photo" in formats) and ocr_ready:
            if "scan" in formats:
                put(f"f{k:02d}.scan.pdf", "scan", _image_pdf([scan(p, rng) for p in rasterize(pdf, 300)]), k)
            if "photo" in formats:
                put(f"f{k:02d}.photo.jpg", "photo", photo(rasterize(pdf, 200)[0], rng), k)
    narrow = folder / "estreitas"
    if "libreoffice-pdf-narrow" in formats:
        narrow.mkdir(exist_ok=True)
        for path in sorted(sheets.glob("*.xlsx")):
            (narrow / path.name).write_bytes(_narrow(path.read_bytes()))
        narrow_xlsx = sorted(narrow.glob("*.xlsx"))
        if _libreoffice(narrow_xlsx, "pdf", narrow):
            for path in narrow_xlsx:
                out = path.with_suffix(".pdf")
                if out.exists():
                    put(f"{path.stem}.libreoffice-pdf-narrow.pdf", "libreoffice-pdf-narrow", out.read_bytes(), int(path.stem[1:]))
                    text = _pdftotext(out.read_bytes(), True) if "libreoffice-pdf-narrow-pdftotext-layout" in formats else None
                    if text is not None:
                        put(f"{path.stem}.libreoffice-pdf-narrow-pdftotext-layout.txt",
                            "libreoffice-pdf-narrow-pdftotext-layout", text, int(path.stem[1:]))
    xlsx = sorted(sheets.glob("*.xlsx"))
    for fmt, target in (("xls", "xls"), ("ods", "ods"), ("libreoffice-pdf", "pdf")):
        if fmt in formats and _libreoffice(xlsx, target, sheets):
            for path in xlsx:
                out = path.with_suffix(f".{target}")
                if out.exists():
                    name = f"{path.stem}.{fmt}{_SUFFIX[fmt]}" if fmt == "libreoffice-pdf" else out.name
                    put(name, fmt, out.read_bytes(), int(path.stem[1:]))
                    if fmt == "libreoffice-pdf" and "libreoffice-pdftotext-layout" in formats:
                        text = _pdftotext(out.read_bytes(), True)
                        if text is not None:
                            put(f"{path.stem}.libreoffice-pdftotext-layout.txt", "libreoffice-pdftotext-layout", text,
                                int(path.stem[1:]))
    with (folder / "expected.jsonl").open("w", encoding="utf-8") as fh:
        for item in expected:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return written


def _expected(record: dict[str, Any]) -> dict[str, Any]:
    """What the parser must return for a demo record: notes whitespace-collapsed (the parser
    collapses whitespace in every text value, as test_roundtrip says)."""
    from ..record import comparable
    from ..text import collapse

    out = comparable(record)
    out["contacts"] = [dict(c, note=collapse(c["note"])) for c in out["contacts"]]
    out["general_note"] = collapse(out["general_note"])
    return out


def field_matches(expected: dict[str, Any], got: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(fields equal, fields compared, keys that differ) of one parsed record."""
    keys = [k for k in expected if k not in _NOT_FIELDS]
    wrong = [k for k in keys if got.get(k) != expected[k]]
    return len(keys) - len(wrong), len(keys), wrong


def score(folder: Path, progress: Any = None) -> dict[str, Score]:
    """Parse every file of a corpus built by build_corpus and count correct fields per format."""
    from ..record import FormReadError
    from . import parse_document

    items = [json.loads(line) for line in (folder / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    scores: dict[str, Score] = {}
    for n, item in enumerate(items):
        result = scores.setdefault(item["format"], Score(item["format"]))
        name = folder / item["file"]
        started = time.perf_counter()
        try:
            record = parse_document(name.name, name.read_bytes())
        except FormReadError:
            record = {}
            result.errors += 1
        result.seconds += time.perf_counter() - started
        correct, total, wrong = field_matches(item["record"], record)
        if NARROW_WARNING in record.get("warnings", ()):
            result.absent += sum(1 for k in wrong if record.get(k) is None and k in _CAN_PRINT_AS_HASHES)
        result.files += 1
        result.correct += correct
        result.fields += total
        if progress is not None:
            progress(n + 1, len(items), item["file"])
    return scores
