"""Scans and photos: forms with no text layer, read with Tesseract OCR and its Portuguese model.

Image-only PDFs (each page rendered with pypdfium2, already pdfplumber's renderer) and .png,
.jpg/.jpeg, .tif/.tiff pictures go through the same steps:

1. clean the page (OpenCV): grayscale; uneven light flattened by dividing by a blurred copy of
   the page (a phone photo is brighter at one corner); small pictures scaled up so letters are
   about 24 px tall, what Tesseract reads best on this corpus; the page deskewed by the angle that makes text
   rows sharpest (projection profile);
2. read words with their boxes and confidence (pytesseract → `tesseract -l por`, one thread);
3. find checkboxes in the pixels: square outlines about a letter tall with ink in all four
   corners (an "O" has none); marked when their inside has ink. OCR garbage on top of a box
   ("[]", "LI", "DO") is dropped and the box becomes a ☒/☐ word;
4. group words into rows and cells by their positions exactly as the text-layer PDF reader does.

`read_image` / `read_pages` return an `OcrGrid`: the Grid plus an `OcrReading` (per-cell
confidences, per-box clarity) that `confidences(record, reading)` turns into the record's
`reading.confidence`. This module
must not interpret labels (extract.py does), touch the database or import streamlit.

Binding: pytesseract drives the Debian `tesseract` program (tesseract-ocr, tesseract-ocr-por)
through its TSV output: it is maintained, pure Python, and uses exactly the engine and model
`apt-get` installs, with nothing to compile (tesserocr needs the C++ headers of the same
version at build time, or ships its own Tesseract in the wheel, not Debian's).
"""

from __future__ import annotations

import io
import os
import re
import shutil
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable

from ..record import FormReadError
from .grid import CHECKED, UNCHECKED, Grid

IMAGE_EXTENSIONS: frozenset[str] = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
MAX_PAGES = 10  # a form is one or two pages; a 300-page TIFF is not a form
MAX_PIXELS = 60_000_000  # refuse decompression bombs (Pillow's own limit is per image)
LOW_CONFIDENCE = 0.60  # below this a value gets a warning: confirm it on the original
# Letter height the page is scaled to. Tesseract's docs give 20-40 px; on the project's corpus
# (`fidelity --formats scan,photo`, 4 forms) 24 px read 98.5 % of scanned fields against 96.3 %
# at 30 px, photos equal, in half the time per page.
TARGET_LETTER_PX = 24
MAX_SCALED_PIXELS = 40_000_000  # an A4 page at 600 dpi is 35 megapixels

# Who hears about each page before it is read: (page number from 1, pages). A page costs seconds,
# so the importer's bar says "página 2 de 3" instead of looking frozen on one scan. A context
# variable, set by the caller around one document (store/prepare.parse_documents), so the parser's
# signature stays the same for every format.
page_progress: ContextVar[Callable[[int, int], None] | None] = ContextVar("ocr_page_progress", default=None)


@dataclass
class OcrReading:
    """What OCR knows beyond the Grid: how sure it was of each cell's text and of each box."""

    cell_confidence: dict[str, float] = field(default_factory=dict)  # cell text → min word confidence
    box_clarity: list[float] = field(default_factory=list)  # per checkbox: 0 unsure … 1 clear
    pages: int = 0


def tesseract_missing_message(what: str = "este arquivo é uma imagem (escaneada ou fotografada)") -> str:
    return (
        f"{what} e precisa do OCR Tesseract, que não está "
        "instalado neste computador. Peça ao administrador para instalar (apt-get install tesseract-ocr "
        "tesseract-ocr-por) ou envie o .xlsx/.docx original ou um PDF gerado pelo programa."
    )


def available() -> bool:
    """Tesseract and its Portuguese model are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract

        return "por" in pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 - a broken install is "not available", with the message above
        return False


# ------------------------------------------------------------------------------------- images


def images_from_file(data: bytes) -> list[Any]:
    """The pages of a .png/.jpg/.tif as grayscale numpy arrays."""
    import numpy as np
    from PIL import Image, ImageOps

    try:
        picture = Image.open(io.BytesIO(data))
        pages = []
        for index in range(min(getattr(picture, "n_frames", 1), MAX_PAGES + 1)):
            picture.seek(index)
            if picture.width * picture.height > MAX_PIXELS:
                raise FormReadError("a imagem é grande demais (mais de 60 megapixels). Reduza a resolução para 300 dpi e reenvie.")
            frame = ImageOps.exif_transpose(picture.copy()) or picture.copy()  # phones store rotation in EXIF
            pages.append(np.asarray(frame.convert("L")))
    except FormReadError:
        raise
    except Image.DecompressionBombError:
        raise FormReadError("a imagem é grande demais (mais de 60 megapixels). Reduza a resolução para 300 dpi e reenvie.") from None
    except Exception as exc:  # noqa: BLE001 - truncated or hostile pictures
        raise FormReadError(
            f"a imagem está corrompida ou não é uma imagem ({type(exc).__name__}). Escaneie ou fotografe o formulário de novo e reenvie."
        ) from None
    if len(pages) > MAX_PAGES:
        raise FormReadError(f"a imagem tem mais de {MAX_PAGES} páginas; um formulário tem uma ou duas.")
    return pages


def images_from_pdf(data: bytes, dpi: int = 300) -> list[Any]:
    """The pages of a PDF rendered at `dpi` by pypdfium2 (pdfplumber's renderer), as grayscale arrays."""
    import numpy as np
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        if len(document) > MAX_PAGES:
            raise FormReadError(f"o PDF escaneado tem mais de {MAX_PAGES} páginas; um formulário tem uma ou duas.")
        pages = []
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            if width * height * (dpi / 72) ** 2 > MAX_PIXELS:
                raise FormReadError("a página do PDF é grande demais para um formulário.")
            pages.append(np.asarray(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")))
            page.close()
        return pages
    finally:
        document.close()


def clean_page(gray: Any) -> Any:
    """The page with even light, letters ~TARGET_LETTER_PX tall and text rows horizontal."""
    import cv2
    import numpy as np

    page = gray.astype(np.uint8)
    # Uneven light: divide by the page's background (a heavy blur of it, text erased by closing).
    small = cv2.resize(page, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), 8)
    background = cv2.resize(background, (page.shape[1], page.shape[0]), interpolation=cv2.INTER_LINEAR)
    page = cv2.divide(page, np.maximum(background, 1), scale=255)
    # Sensor and JPEG noise (phone photos) breaks letters apart for Tesseract: denoise when the
    # page is noisy, measured before the light and size change it.
    noise = _noise_sigma(page)
    letter = _letter_height(page)
    if letter and not 0.7 * TARGET_LETTER_PX <= letter <= 1.6 * TARGET_LETTER_PX:
        factor = min(max(TARGET_LETTER_PX / letter, 0.4), 4.0)
        # Never past MAX_SCALED_PIXELS: a hostile picture of tiny specks must not cost gigabytes.
        factor = min(factor, (MAX_SCALED_PIXELS / (page.shape[0] * page.shape[1])) ** 0.5)
        page = cv2.resize(page, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA)
    angle = _skew_angle(page)
    if abs(angle) >= 0.1:
        h, w = page.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        page = cv2.warpAffine(page, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)
    if noise > 2.2:
        # A 3×3 median, last: on the photo corpus nearly as good as non-local means (61 vs 62-65
        # of 68 fields) at a twentieth of its time, which kept a page over 10 s on a busy core.
        page = cv2.medianBlur(page, 3)
    return page


def _noise_sigma(page: Any) -> float:
    """The page's noise level: robust spread of what a 3×3 median filter removes from its paper."""
    import cv2
    import numpy as np

    residual = page.astype(np.int16) - cv2.medianBlur(page, 3).astype(np.int16)
    paper = page > 150  # ink edges are not noise
    if not paper.any():
        return 0.0
    return float(np.median(np.abs(residual[paper])) * 1.4826)


def _ink(page: Any) -> Any:
    import cv2

    _, ink = cv2.threshold(page, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def _letter_height(page: Any) -> float | None:
    """The median height of letter-sized blobs (connected ink components)."""
    import cv2
    import numpy as np

    ink = _ink(page)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    keep = (heights >= 4) & (heights <= page.shape[0] / 20) & (widths <= heights * 3)
    if keep.sum() < 20:
        return None
    return float(np.median(heights[keep]))


def _skew_angle(page: Any) -> float:
    """Degrees to rotate by so text rows are horizontal: the angle whose row profile is sharpest."""
    import cv2
    import numpy as np

    ink = _ink(cv2.resize(page, None, fx=0.3, fy=0.3, interpolation=cv2.INTER_AREA))
    h, w = ink.shape

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        rotated = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
        rows = rotated.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(rows) ** 2))

    best = max(np.arange(-6.0, 6.01, 0.5), key=score)
    best = max(np.arange(best - 0.5, best + 0.51, 0.1), key=score)
    return float(best)


# --------------------------------------------------------------------------------- checkboxes


@dataclass(frozen=True)
class Box:
    x0: int
    top: int
    x1: int
    bottom: int
    checked: bool
    clarity: float


def find_checkboxes(page: Any, letter: float | None) -> list[Box]:
    """Square outlines about a letter tall, inked in all four corners; checked when inked inside."""
    import cv2
    import numpy as np

    ink = _ink(page)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    letter = letter or 30.0
    boxes: list[Box] = []
    for x, y, w, h, area in stats[1:]:
        if not (0.6 * letter <= h <= 2.2 * letter and 0.75 <= w / h <= 1.33):
            continue
        patch = ink[y:y + h, x:x + w] > 0
        c = max(2, int(round(min(w, h) * 0.18)))
        corners = [patch[:c, :c], patch[:c, -c:], patch[-c:, :c], patch[-c:, -c:]]
        if min(float(k.mean()) for k in corners) < 0.2:
            continue  # round letters (O, D, 0) have empty corners
        edges = [patch[:c, :].any(axis=0).mean(), patch[-c:, :].any(axis=0).mean(),
                 patch[:, :c].any(axis=1).mean(), patch[:, -c:].any(axis=1).mean()]
        if min(edges) < 0.75:
            continue  # a box has four straight sides (a blurred photo thickens and frays them)
        inner = patch[int(h * 0.25): int(h * 0.75), int(w * 0.25): int(w * 0.75)]
        fill = float(inner.mean()) if inner.size else 0.0
        checked = fill > 0.12
        # Clear when far from the threshold: an empty box is ~0, a marked one 0.25 and more.
        clarity = min(1.0, abs(fill - 0.12) / 0.12)
        boxes.append(Box(int(x), int(y), int(x + w), int(y + h), checked, clarity))
    if len(boxes) >= 3:
        # The form's boxes are one glyph, one size: a letter pair that happens to look boxy
        # ("Di" blurred together) is wider or taller than the rest.
        width = float(np.median([b.x1 - b.x0 for b in boxes]))
        height = float(np.median([b.bottom - b.top for b in boxes]))
        boxes = [b for b in boxes if abs((b.x1 - b.x0) - width) <= 0.15 * width + 1
                 and abs((b.bottom - b.top) - height) <= 0.15 * height + 1]
    return boxes


# ------------------------------------------------------------------------------------- words


def ocr_words(page: Any) -> list[dict]:
    """Tesseract's words with boxes (pixels) and confidence (0-1)."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per page: the importer reads files in parallel processes
    # --psm 6 (one uniform block of text): on the scan and photo corpus it beat automatic layout
    # (--psm 3), columns (4) and sparse text (11) by 1-8 fields of 68; rows are rebuilt from the
    # word boxes anyway.
    data = pytesseract.image_to_data(page, lang="por", config="--psm 6", output_type=pytesseract.Output.DICT, timeout=60)
    words = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        text = _fix_confusions(text)
        left, top, width, height = (int(data[k][i]) for k in ("left", "top", "width", "height"))
        words.append({"text": text, "x0": float(left), "x1": float(left + width), "top": float(top),
                      "bottom": float(top + height), "conf": conf / 100.0})
    return words


def _fix_confusions(text: str) -> str:
    """Tesseract's usual slips on this typeface, fixed where the right reading is certain: a "J"
    read as ")" or "]" (a ")" never closes a word without its "(": "CNP)", a lone "]"), and an
    ordinal "º" glued to the next word ("Nºdo": Portuguese always spaces it)."""
    if text in ("]", ")"):
        return "J"
    if text.endswith(")") and "(" not in text and text[:-1].isalpha() and text[:-1].isupper():
        text = text[:-1] + "J"
    return re.sub(r"([nN][º°])(?=[a-zà-ÿ])", r"\1 ", text)


def merge_boxes(words: list[dict], boxes: list[Box]) -> list[dict]:
    """The words with OCR garbage drawn over a checkbox removed and each box as a ☒/☐ word."""
    kept = []
    for word in words:
        middle_x, middle_y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        over = next((b for b in boxes if b.x0 - 4 <= middle_x <= b.x1 + 4 and b.top - 4 <= middle_y <= b.bottom + 4), None)
        if over is not None:
            continue
        # "[]Outros": a box glyph read as a prefix of the label next to it.
        near = next((b for b in boxes if abs(word["x0"] - b.x0) <= (b.x1 - b.x0) and b.top - 4 <= middle_y <= b.bottom + 4), None)
        if near is not None and len(word["text"]) > 2:
            stripped = re.sub(r"^[\[\]\(\)|IlLiUuOoDd0_]{1,3}(?=[A-ZÀ-Ý])", "", word["text"])
            word = dict(word, text=stripped, x0=max(word["x0"], float(near.x1) + 1))
        kept.append(word)
    for box in boxes:
        kept.append({"text": CHECKED if box.checked else UNCHECKED, "x0": float(box.x0), "x1": float(box.x1),
                     "top": float(box.top), "bottom": float(box.bottom), "conf": box.clarity})
    return kept


# -------------------------------------------------------------------------------------- grid


class OcrGrid(list):
    """A Grid read by OCR: a list of rows, plus what OCR knows of its certainty (`.ocr`)."""

    ocr: OcrReading


def read_pages(pages: list[Any]) -> OcrGrid:
    """OCR of page images into one Grid (pages in order) and what is known of its certainty."""
    from .readers import _pdf_rows

    if not available():
        raise FormReadError(tesseract_missing_message())
    reading = OcrReading(pages=len(pages))
    grid: Grid = []
    notify = page_progress.get()
    for number, gray in enumerate(pages, start=1):
        if notify is not None:
            notify(number, len(pages))
        page = clean_page(gray)
        letter = _letter_height(page)
        words = merge_boxes(ocr_words(page), find_checkboxes(page, letter))
        reading.box_clarity += [w["conf"] for w in words if w["text"] in (CHECKED, UNCHECKED)]
        rows = _pdf_rows(words)
        for row in rows:
            for cell in row.cells:
                members = [w for w in words if cell.x0 - 1 <= w["x0"] and w["x1"] <= cell.x1 + 1
                           and w["text"] not in (CHECKED, UNCHECKED) and w["text"] in cell.text]
                if members and cell.text:
                    previous = reading.cell_confidence.get(cell.text, 1.0)
                    reading.cell_confidence[cell.text] = min(previous, min(w["conf"] for w in members))
        grid += rows
    if not any(row.text.strip() for row in grid):
        raise FormReadError("o OCR não encontrou texto na imagem. Confira se a imagem é do formulário, nítida e bem iluminada.")
    out = OcrGrid(grid)
    out.ocr = reading
    return out


def read_image(data: bytes) -> OcrGrid:
    """A scanned or photographed form (.png, .jpg, .tif) as a Grid, by OCR."""
    return read_pages(images_from_file(data))


# ------------------------------------------------------------------------------- confidences

_BOX_KEYS = ("accepts_other_plans", "outcome", "retention_actions", "termination_reasons",
             "responsible_sectors", "protocol_required")


def _fold(text: str) -> str:
    from .. import text as T

    return re.sub(r"[^0-9a-z]", "", T.fold(text))


def _renderings(key: str, value: Any) -> list[str]:
    """How a normalized record value may be written on the form, folded for comparison."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        y, m, d = value.split("-")
        return [_fold(f"{d}/{m}/{y}")]
    if isinstance(value, float):
        whole, _, cents = f"{value:.2f}".partition(".")
        return [_fold(f"{whole},{cents}"), _fold(f"{whole}"), _fold(f"{int(value):,}".replace(",", ".") + "," + cents)]
    return [_fold(str(value))]


def confidences(record: dict[str, Any], reading: OcrReading) -> dict[str, float]:
    """{record key: 0-1} for the values OCR read: the least sure word of the cell that holds the
    value; checkbox fields get the least clear box of the page."""
    from ..record import HEADER_LABELS

    cells = [(_fold(text), conf) for text, conf in reading.cell_confidence.items()]
    out: dict[str, float] = {}
    for key in HEADER_LABELS:
        value = record.get(key)
        candidates = [c for c in _renderings(key, value) if c]
        if not candidates:
            continue
        found = [conf for folded, conf in cells if any(c in folded for c in candidates)]
        # A value the extraction assembled from several cells: as sure as the least sure of them.
        if not found:  # written differently from its normal form: as sure as the page's typical cell
            found = [sorted(c for _, c in cells)[len(cells) // 2]] if cells else [0.0]
        out[key] = round(max(found), 3)
    if reading.box_clarity:
        clarity = round(min(reading.box_clarity), 3)
        for key in _BOX_KEYS:
            value = record.get(key)
            if value not in (None, []):
                out[key] = clarity
    return out


def low_confidence_warnings(record: dict[str, Any], confidence: dict[str, float]) -> list[str]:
    from ..record import HEADER_LABELS

    labels = dict(HEADER_LABELS, outcome="Status retenção", retention_actions="Ação Retenção",
                  termination_reasons="Motivo desligamento", responsible_sectors="Setor responsável",
                  protocol_required="Necessário abertura de protocolo", accepts_other_plans="Atende outros convênios")
    return [
        f"Leitura por OCR incerta em “{labels.get(key, key)}” (confiança {round(conf * 100)}%): confira no documento original."
        for key, conf in confidence.items() if conf < LOW_CONFIDENCE
    ]
