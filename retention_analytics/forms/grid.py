"""The one intermediate representation of a form: rows of positioned text cells.

Every reader (spreadsheet, CSV, Word, PDF, text) produces a `Grid`; the extraction only ever sees
this. A cell knows its horizontal extent (`x0`, `x1`) in whatever unit its format has (column
index, character offset, PDF points) because only overlaps and order are compared, never
distances across rows of different units. Checkboxes of every notation are already normalized to
a leading "☒ " (checked) or "☐ " (unchecked) in the cell text.

Cells and rows are values (frozen; a row's list of cells is never changed after a reader built
it): readers memoize the rows of lines that repeat from form to form and share them.

It must not know any label of the form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

CHECKED = "☒"
UNCHECKED = "☐"
UNKNOWN = "⍰"  # a box whose glyph was lost to an encoding: state unknowable


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float
    x1: float

    def overlaps(self, other: "Cell") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1


@dataclass(frozen=True)
class Row:
    cells: list[Cell] = field(default_factory=list)
    # True when the cells come from a real table structure (spreadsheet, CSV, Word table,
    # markdown table, tab-separated line): then an all-blank row is a blank value row, and a cell
    # is atomic (its words never belong to two fields).
    tabular: bool = False

    # Cached: the extraction asks a row for its text several times (rows are values, see above).
    @cached_property
    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text)

    @property
    def blank(self) -> bool:
        return not any(c.text.strip() for c in self.cells)


Grid = list[Row]

# Every checkbox notation seen in forms and their conversions, mapped to ☒/☐.
_CHECK_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"<input\b[^>]*\bchecked\b[^>]*>", re.I), CHECKED),
    (re.compile(r"<input\b[^>]*type=\"?checkbox\"?[^>]*>", re.I), UNCHECKED),
    (re.compile(r"\[\s*[xX✓✔✗]\s*\]"), CHECKED),
    (re.compile(r"\[\s*\]"), UNCHECKED),
    (re.compile(r"\(\s*[xX✓✔]\s*\)"), CHECKED),
    (re.compile(r"\(\s{0,2}\)"), UNCHECKED),
    (re.compile(r"[☑☒✅⊠■▣✓✔]"), CHECKED),
    (re.compile(r"[□❑❒☐◻▢]"), UNCHECKED),
)


# A box glyph lost to a legacy encoding ("? SIM" from a CSV saved as Windows-1252): its state is
# unknowable, so the option is dropped rather than read as text.
_LOST_BOX = re.compile(r"(?:(?<=\s)|^)\?\s+(?=[A-ZÀ-Ý])")


_MAYBE_BOX = re.compile(r"[<\[(☑☒✅⊠■▣✓✔□❑❒☐◻▢?]")


def normalize_checkboxes(text: str) -> str:
    if not _MAYBE_BOX.search(text):
        return text  # most cells: no box of any notation, skip the eight patterns
    for pattern, mark in _CHECK_PATTERNS:
        text = pattern.sub(f" {mark} ", text)
    return _LOST_BOX.sub(f"{UNKNOWN} ", text)


_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")


@lru_cache(maxsize=65536)
def clean_cell(text: str) -> str:
    """Checkboxes normalized, whitespace collapsed (inside a cell, line breaks become spaces)."""
    return _SPACES.sub(" ", normalize_checkboxes(text).replace("\r", " ").replace("\n", " ")).strip()


# What pandas-based converters (markitdown) write into a sheet's empty cells and headers.
_EMPTY_MARKERS = re.compile(r"^(?:nan|NaN|None|NaT|<NA>|Unnamed: \d+)$")


def row_from_texts(texts: list[str], tabular: bool) -> Row:
    """A row of cells at column positions 0, 1, 2… (spreadsheets, CSV, tables)."""
    return _row_from_texts(tuple(texts), tabular)


# Memoized: a form's label and option rows are the same in every form of a batch.
@lru_cache(maxsize=32768)
def _row_from_texts(texts: tuple[str, ...], tabular: bool) -> Row:
    return Row([Cell(_EMPTY_MARKERS.sub("", clean_cell(t)), float(i), float(i + 1)) for i, t in enumerate(texts)], tabular)
