"""Streamlit's own widget texts in Portuguese: the file uploader's and the multiselect's.

Streamlit 1.67 writes some texts of its widgets in English and has no option to change them (no
locale setting; st.file_uploader takes a label and `help`, not its button or size line —
streamlit/streamlit#13500 asks for it): "Upload", "20MB per file • XLSX, …", "Drag and drop
files here", and in a multiselect's list "Select all", "Select N matches", "No results". Each is
replaced here by CSS drawn once per run by the frame: the English text is given no size and a
`::after` shows the Portuguese one, so nothing of Streamlit's behaviour changes. The selectors
are the test ids and attributes of Streamlit 1.67 (requirements.txt pins it); tests/test_widget_texts.py
checks in Chromium that the texts people read are these.

The calendar of st.date_input names months and weekdays in the browser's language ("janeiro",
"D S T Q Q S S" in a pt-BR browser; English in an English one: no option reaches it); its own
English quick choices ("Date range", "Past Week", …) are hidden, since the sidebar's "Período"
offers the same presets in Portuguese. What CSS cannot reach stays as Streamlit writes it: the
"Clear all" and "Help for …" texts read only by screen readers, and the size of each uploaded file
("12.3KB").

It must not draw anything but that style, nor compute anything.
"""

from __future__ import annotations

from typing import Iterable

import streamlit as st

_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_DROPDOWN = '[data-testid="stMultiSelectDropdown"]'
TEXT_SIZE = "0.875rem"  # Streamlit's small text (the uploader's lines, a list's options)

# Streamlit's English text → what people read instead.
UPLOAD_BUTTON = "Escolher arquivos"
DROP_HERE = "Solte os arquivos aqui"
SELECT_ALL = "Selecionar tudo"
SELECT_MATCHES = "Selecionar os encontrados"
NO_RESULTS = "Nenhum resultado"


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _replace(selector: str, text: str, size: str = TEXT_SIZE) -> str:
    return (f"{selector}{{font-size:0 !important}}"
            f"{selector}::after{{content:{_css_string(text)};font-size:{size}}}")


def size_line(max_mb: int, types: Iterable[str] = ()) -> str:
    """The uploader's size line as people read it: "Até 20 MB por arquivo • XLSX, PDF"."""
    shown = [t.lstrip(".").upper() for t in types]
    return f"Até {max_mb} MB por arquivo" + (f" • {', '.join(shown)}" if shown else "")


def css(max_mb: int) -> str:
    """The style sheet: every uploader's button, drop text and size line, the multiselect's list
    texts. (An uploader drawn with `file_uploader` adds its accepted types to its size line.)"""
    rules = [
        _replace(f'{_DROPZONE} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p',
                 UPLOAD_BUTTON, "1rem"),
        _replace(f"{_DROPZONE} > div:not([data-testid]) > span", DROP_HERE),
        _replace(f'{_DROPZONE} [data-testid="stFileUploaderDropzoneInstructions"] span', size_line(max_mb)),
        _replace(f'{_DROPDOWN} [data-key="__select_all__"] [data-item-hl]', SELECT_ALL),
        _replace(f'{_DROPDOWN} [data-key="__select_matches__"] [data-item-hl]', SELECT_MATCHES),
        _replace('[role="listbox"][data-empty="true"] [role="option"] > span', NO_RESULTS),
        # The calendar's own quick choices ("Date range: Select... / Past Week, Past Month…") repeat,
        # in English, the sidebar's "Período" presets: hidden, the presets stay one list.
        '[data-testid="stDateInputQuickSelect"]{display:none !important}',
    ]
    return "\n".join(rules)


def max_upload_mb() -> int:
    return int(st.get_option("server.maxUploadSize"))


def draw() -> None:
    """The style for this run (the frame calls it once, before the page)."""
    st.html(f"<style>{css(max_upload_mb())}</style>")


def file_uploader(label: str, type: Iterable[str] | None = None, **kwargs):  # noqa: A002 - Streamlit's name
    """st.file_uploader, its size line in Portuguese with the accepted types ("Até 20 MB por
    arquivo • CSV, XLSX")."""
    types = tuple(type or ())
    rule = _replace(f'{_DROPZONE}[aria-label={_css_string(label)}] '
                    '[data-testid="stFileUploaderDropzoneInstructions"] span', size_line(max_upload_mb(), types))
    st.html(f"<style>{rule}</style>")
    return st.file_uploader(label, type=list(types) or None, **kwargs)
