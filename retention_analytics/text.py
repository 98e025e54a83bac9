"""Text normalization and pt-BR value parsing shared by every layer.

`fold` is the one definition of "equal regardless of case, accents, punctuation and spacing" used
for label matching and for grouping keys. The `parse_*` functions turn what people type on a form
("26/03/2024", "R$ 1.234,56", "341 dia(s)", "12.345") into Python values, returning None when the
text is not such a value, never raising: deciding what a bad value means is the caller's job.

It must not import anything from the rest of the package.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Indel

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def _accent_table() -> dict[int, str]:
    """Latin letters with accents (U+0080–U+024F) → what strip_accents makes of them."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x250):
        char = chr(code)
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if plain != char:
            table[code] = plain
    return table


_ACCENTS = _accent_table()


def strip_accents(text: str) -> str:
    if text.isascii():
        return text  # nothing to strip (most words of a form): skip the decomposition
    # Fast path: Portuguese text only has accents of the Latin table; a long note is translated
    # in one C call instead of being decomposed and filtered character by character. Same result:
    # NFKD works character by character, and every replacement is already decomposed.
    translated = text.translate(_ACCENTS)
    if translated.isascii():
        return translated
    decomposed = unicodedata.normalize("NFKD", translated)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    folded = strip_accents(text).lower().replace("º", "o").replace("ª", "a")
    return _NON_ALNUM.sub(" ", folded).strip()


def fold(text: str | None) -> str:
    """Lower case, no accents, punctuation as single spaces: "Régras  Técnicas!" → "regras tecnicas"."""
    if not text:
        return ""
    return _fold(text)


def key(text: str | None) -> str:
    """Grouping key: `fold` without spaces, so "Odonto Life" = "ODONTOLIFE" = "OdontoLife"."""
    return fold(text).replace(" ", "")


def slug(text: str | None) -> str:
    """Lower-case slug with underscores: "Operadora" → "operadora", "Prestador X" → "prestador_x"."""
    return fold(text).replace(" ", "_")


def collapse(text: str | None) -> str | None:
    """Whitespace collapsed to single spaces; None for None or blank."""
    if text is None:
        return None
    collapsed = _SPACES.sub(" ", str(text)).strip()
    return collapsed or None


def similar_among(query: str, choices: list[str], cutoff: float) -> list[int]:
    """Indexes of the `choices` whose similarity to `query` is at least `cutoff` (one C loop)."""
    return [index for _, _, index in process.extract(query, choices, scorer=Indel.normalized_similarity, score_cutoff=cutoff, limit=None)]


@lru_cache(maxsize=65536)
def similarity(a: str, b: str) -> float:
    """2·matches / total length (difflib's ratio), computed by rapidfuzz: label matching runs
    it thousands of times per form, and forms repeat the same strings, hence the cache."""
    return Indel.normalized_similarity(a, b)


_MONTHS = {
    "jan": 1, "fev": 2, "mar": 3, "abr": 4, "mai": 5, "jun": 6,
    "jul": 7, "ago": 8, "set": 9, "out": 10, "nov": 11, "dez": 12,
}
_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_LONG = re.compile(r"^(\d{1,2})\s+de\s+([a-zç]+)\.?\s+de\s+(\d{4})$")
# Excel stores dates as days since 1899-12-30; a CSV saved without formats shows that number.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# A form converted on a machine set to US English (LibreOffice's default) writes "05/10/24" for
# 10 May and "R$ 1,234.56": the extraction detects that per document and parses in that locale.
_US_LOCALE: contextvars.ContextVar[bool] = contextvars.ContextVar("us_locale", default=False)


@contextlib.contextmanager
def us_locale(enabled: bool) -> Iterator[None]:
    token = _US_LOCALE.set(enabled)
    try:
        yield
    finally:
        _US_LOCALE.reset(token)


def is_us_locale() -> bool:
    return _US_LOCALE.get()


_SLASH_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/\d{2,4}\b")


def guess_us_locale(texts: list[str]) -> bool:
    """True when the dates in `texts` are month-first (some second field > 12, no first field > 12)."""
    day_first = month_first = 0
    # One pass over all the texts (a date never spans two of them: the pattern has no spaces).
    for a, b in _SLASH_DATE.findall("\n".join(texts)):
        if int(a) > 12 >= int(b):
            day_first += 1
        elif int(b) > 12 >= int(a):
            month_first += 1
    return month_first > 0 and day_first == 0


class InvalidDate(ValueError):
    """Looks like a date but is not one (31/02/2024)."""


def parse_date(text: str | None) -> dt.date | None:
    """A date as Brazilians write it; None if `text` is not a date at all.

    Raises InvalidDate when the text has a date's shape but no such day exists, so the caller can
    warn "31/02/2024 não é uma data válida" instead of silently dropping it.
    """
    if text is None:
        return None
    if isinstance(text, dt.datetime):
        return text.date()
    if isinstance(text, dt.date):
        return text
    raw = str(text).strip()
    if not raw:
        return None
    match = _DMY.match(raw)
    if match:
        day, month, year = (int(g) for g in match.groups())
        if _US_LOCALE.get():
            day, month = month, day
        if year < 100:
            year += 2000 if year < 70 else 1900
        return _make_date(year, month, day, raw)
    match = _YMD.match(raw)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, raw)
    match = _LONG.match(strip_accents(raw.lower()))
    if match and match.group(2)[:3] in _MONTHS:
        return _make_date(int(match.group(3)), _MONTHS[match.group(2)[:3]], int(match.group(1)), raw)
    if re.fullmatch(r"\d{5}(?:[.,]0+)?", raw):
        serial = int(float(raw.replace(",", ".")))
        if 30000 <= serial <= 60000:  # 1982..2064: only then is a bare number plausibly a date
            return _EXCEL_EPOCH + dt.timedelta(days=serial)
    return None


def _make_date(year: int, month: int, day: int, raw: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise InvalidDate(raw) from exc


def looks_like_date(text: str | None) -> bool:
    try:
        return parse_date(text) is not None
    except InvalidDate:
        return True


def parse_decimal(text: str | None) -> float | None:
    """pt-BR number: "0,40" → 0.4, "1.234,5" → 1234.5, "12.345" → 12345; None if not a number."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    raw = str(text).strip().replace("\u00a0", " ").replace(" ", "")
    if not raw:
        return None
    negative = raw.startswith("-") or (raw.startswith("(") and raw.endswith(")"))
    raw = raw.strip("-()+")
    if not re.fullmatch(r"[\d.,]+", raw) or not re.search(r"\d", raw):
        return None
    if "," in raw and "." in raw and raw.rfind(".") > raw.rfind(","):
        # "1,234.56": US separators (a form saved on an English-language machine).
        if not re.fullmatch(r"\d{1,3}(,\d{3})*\.\d+", raw):
            return None
        value = float(raw.replace(",", ""))
    elif "," in raw and _US_LOCALE.get():
        if not re.fullmatch(r"\d{1,3}(,\d{3})+", raw):
            return None
        value = float(raw.replace(",", ""))
    elif "," in raw:
        # Comma is the decimal separator; dots are thousands separators.
        integer, _, fraction = raw.rpartition(",")
        integer = integer.replace(".", "")
        if "," in integer or not integer.isdigit() and integer != "":
            return None
        value = float(f"{integer or 0}.{fraction}") if fraction.isdigit() else None
    elif raw.count(".") == 1 and not re.fullmatch(r"\d{1,3}\.\d{3}", raw):
        value = float(raw)  # "0.4" from a spreadsheet saved with a dot decimal
    else:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})*|\d+", raw):
            return None
        value = float(raw.replace(".", ""))
    if value is None:
        return None
    return -value if negative else value


def parse_int(text: str | None) -> int | None:
    """Integer as written: "12.345" → 12345, "16" → 16, "4.0" (from a spreadsheet) → 4, and
    "4,279" → 4279 (a count has no fraction: a comma between groups of three is a thousands
    separator from an English-language machine)."""
    if isinstance(text, str) and re.fullmatch(r"\s*\d{1,3}(,\d{3})+\s*", text):
        return int(text.replace(",", "").strip())
    value = parse_decimal(text)
    if value is None or value != int(value):
        return None
    return int(value)


def parse_money(text: str | None) -> float | None:
    """Reais: "R$ 1.234,56" → 1234.56, "R$ -" → 0.0 (accounting format's zero), "R$" alone → None."""
    if text is None:
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    raw = str(text).strip()
    had_currency = bool(re.match(r"^-?\s*R\s*\$", raw, re.I))
    body = re.sub(r"^(-?)\s*R\s*\$\s*", r"\1", raw, flags=re.I).strip()
    if had_currency and body in {"-", "–", "—"}:
        return 0.0
    return parse_decimal(body)


def parse_days(text: str | None) -> int | None:
    """"341 dia(s)" → 341, "341 dias" → 341, "341" → 341."""
    if text is None:
        return None
    raw = str(text).strip()
    match = re.fullmatch(r"(-?\d[\d.]*)\s*(?:dia\(s\)|dias?|d)?\.?", raw, re.I)
    if not match:
        return None
    return parse_int(match.group(1))
