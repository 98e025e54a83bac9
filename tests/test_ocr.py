"""Scans and photos (forms/ocr.py): demo forms rendered to PDF by the project's own renderer,
rasterized, degraded as a flatbed scan (slight skew, noise) or a phone photo (skew, uneven light,
blur, JPEG noise), and read back by Tesseract: field accuracy, the record saying it came from OCR
with a confidence per value, checkboxes read from pixels, deskew, warnings on unsure values, and a
Portuguese refusal for broken pictures or a machine without Tesseract."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image, ImageDraw

from retention_analytics.demo import generate_corpus, render
from retention_analytics.forms import FormReadError, fidelity, ocr, parse_document
from retention_analytics.record import HEADER_LABELS, RECORD_KEYS

needs_tesseract = pytest.mark.skipif(
    not ocr.available(), reason="Tesseract com o modelo português não instalado; .ci/run o instala"
)


@pytest.fixture(scope="module")
def forms():
    return generate_corpus(40, seed=23)[:2]


def _png(page) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format="PNG")
    return buffer.getvalue()


def _tiff(page) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(page).save(buffer, format="TIFF", compression="tiff_deflate")
    return buffer.getvalue()


def _accuracy(pairs) -> tuple[float, list]:
    correct = total = 0
    misses = []
    for name, form, record in pairs:
        good, count, wrong = fidelity.field_matches(fidelity._expected(form.record), record)
        correct, total = correct + good, total + count
        misses += [(name, k, record.get(k)) for k in wrong]
    return correct / total, misses


@needs_tesseract
def test_scans_read_at_least_95_percent_of_fields_and_say_they_came_from_ocr(forms):
    rng = np.random.default_rng(1)
    pairs, seconds, pages = [], 0.0, 0
    for k, form in enumerate(forms):
        pdf = render(form.record, "pdf", form.defects, form.template)
        scanned = [fidelity.scan(p, rng) for p in fidelity.rasterize(pdf, 300)]
        files = {"pdf": (f"scan{k}.pdf", fidelity._image_pdf(scanned)),
                 "image": (f"scan{k}.png", _png(scanned[0])) if k == 0 else (f"scan{k}.tif", _tiff(scanned[0]))}
        for name, data in files.values():
            started = time.perf_counter()
            record = parse_document(name, data)
            seconds += time.perf_counter() - started
            pages += len(scanned)
            assert list(record) == list(RECORD_KEYS)
            assert record["reading"]["method"] == "ocr"
            confidence = record["reading"]["confidence"]
            # A confidence for every value read: header values and checkbox answers.
            read = {k for k in (*HEADER_LABELS, "outcome", "termination_reasons") if record[k] not in (None, [])}
            assert read and read <= set(confidence)
            assert set(confidence) <= set(RECORD_KEYS) and all(0 <= v <= 1 for v in confidence.values())
            pairs.append((name, form, record))
    accuracy, misses = _accuracy(pairs)
    assert accuracy >= 0.95, misses
    # The issue asks < 10 s a page on one core; a CI machine shared by other jobs gets headroom.
    assert seconds / pages < 15, f"{seconds / pages:.1f} s por página"


@needs_tesseract
def test_phone_photos_read_at_least_90_percent_of_fields(forms):
    rng = np.random.default_rng(2)
    pairs = []
    for k, form in enumerate(forms):
        pdf = render(form.record, "pdf", form.defects, form.template)
        data = fidelity.photo(fidelity.rasterize(pdf, 200)[0], rng)
        pairs.append((f"foto{k}.jpg", form, parse_document(f"foto{k}.jpg", data)))
    accuracy, misses = _accuracy(pairs)
    assert accuracy >= 0.90, misses
    assert all(r["reading"]["method"] == "ocr" for _, _, r in pairs)


def _boxes_page(marks: list[bool]) -> np.ndarray:
    """A white page with a row of 30 px boxes (X inside when marked) and round letters between."""
    page = Image.new("L", (1400, 200), 255)
    draw = ImageDraw.Draw(page)
    for k, marked in enumerate(marks):
        x = 40 + k * 220
        draw.rectangle((x, 80, x + 30, 110), outline=0, width=3)
        if marked:
            draw.line((x + 5, 85, x + 25, 105), fill=0, width=3)
            draw.line((x + 25, 85, x + 5, 105), fill=0, width=3)
        draw.ellipse((x + 60, 80, x + 90, 110), outline=0, width=3)  # an "O": round, not a box
        draw.rectangle((x + 110, 80, x + 190, 110), outline=0, width=3)  # a wide frame: not a box
    return np.asarray(page)


@pytest.mark.parametrize("marks", [[True, False, False], [False, True, True, False], [False] * 5])
def test_checkboxes_are_read_from_pixels_marked_or_empty(marks):
    boxes = ocr.find_checkboxes(_boxes_page(marks), letter=30)
    assert [b.checked for b in sorted(boxes, key=lambda b: b.x0)] == marks
    assert all(b.clarity > 0.5 for b in boxes)


@pytest.mark.parametrize("angle", [-3.5, -1.0, 2.0, 4.0])
def test_a_skewed_page_is_turned_straight(angle):
    import cv2

    page = np.full((1200, 1000), 255, np.uint8)
    for row in range(100, 1100, 40):  # text-like rows of ink
        cv2.rectangle(page, (80, row), (900, row + 12), 0, -1)
    h, w = page.shape
    skewed = cv2.warpAffine(page, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), borderValue=255)
    assert ocr._skew_angle(skewed) == pytest.approx(-angle, abs=0.3)


def test_unsure_values_get_a_confidence_and_a_warning():
    reading = ocr.OcrReading(cell_confidence={"Campinas": 0.31, "SP": 0.95, "10/05/2024": 0.9}, box_clarity=[0.9, 0.4])
    record = {"city": "Campinas", "uf": "SP", "form_date": "2024-05-10", "outcome": "desligamento", "analyst": None}
    confidence = ocr.confidences(record, reading)
    assert confidence == {"form_date": 0.9, "uf": 0.95, "city": 0.31, "outcome": 0.4}
    warnings = ocr.low_confidence_warnings(record, confidence)
    assert warnings == [
        "Leitura por OCR incerta em “Cidade” (confiança 31%): confira no documento original.",
        "Leitura por OCR incerta em “Status retenção” (confiança 40%): confira no documento original.",
    ]


@pytest.mark.parametrize("name", ["foto.jpg", "scan.pdf"])
def test_without_tesseract_the_message_says_what_to_install(name, monkeypatch, tmp_path, forms):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = np.full((400, 300), 255, np.uint8)
    data = fidelity._image_pdf([page]) if name.endswith(".pdf") else _png(page)
    with pytest.raises(FormReadError) as info:
        parse_document(name, data)
    message = str(info.value)
    assert message.startswith(name) and "tesseract-ocr tesseract-ocr-por" in message
    assert ("não tem camada de texto" in message) == name.endswith(".pdf")


def _huge_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (8000, 8000), 255).save(buffer, format="PNG")  # 64 megapixels, a few KB
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name,data,words",
    [
        ("lixo.png", bytes(range(256)) * 8, "corrompida ou não é uma imagem"),
        ("cortada.jpg", _png(np.zeros((50, 50), np.uint8))[:40], "corrompida ou não é uma imagem"),
        ("gigante.png", _huge_png(), "grande demais"),
    ],
)
def test_broken_or_huge_pictures_are_a_portuguese_refusal(name, data, words):
    with pytest.raises(FormReadError, match=words) as info:
        parse_document(name, data)
    assert str(info.value).startswith(name)


def test_a_picture_of_tiny_specks_is_not_scaled_past_the_pixel_limit():
    # Specks 4 px tall look like tiny letters and ask for a 4× upscale: 192 megapixels.
    page = np.full((3000, 4000), 255, np.uint8)
    for dy in range(4):
        for dx in range(4):
            page[dy::16, dx::16] = 0
    cleaned = ocr.clean_page(page)
    assert page.size < cleaned.size <= ocr.MAX_SCALED_PIXELS * 1.01


@needs_tesseract
def test_a_blank_page_is_not_a_form():
    with pytest.raises(FormReadError, match="não encontrou texto|não parece um Formulário"):
        parse_document("branca.png", _png(np.full((1200, 900), 255, np.uint8)))


@needs_tesseract
def test_the_importer_progress_names_each_ocr_page(forms):
    from retention_analytics.forms.sources import Document
    from retention_analytics.store.prepare import parse_documents

    page = fidelity.rasterize(render(forms[0].record, "pdf", forms[0].defects, forms[0].template), 150)[0]
    heard: list[tuple[int, int | None, str]] = []
    parsed = parse_documents([Document("lote/scan.pdf", fidelity._image_pdf([page, page]))],
                             progress=lambda done, total, name: heard.append((done, total, name)), workers=1)
    assert parsed[0].status != "rejected"
    assert heard == [
        (0, 1, "lote/scan.pdf: OCR da página 1 de 2"),
        (0, 1, "lote/scan.pdf: OCR da página 2 de 2"),
        (1, 1, "lote/scan.pdf"),
    ]
    # Outside a batch nobody listens, and a text-layer form never calls the hook.
    assert ocr.page_progress.get() is None
