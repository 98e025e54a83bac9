"""Masking of personal data before it leaves the store for a screen, a download or the CLI.

The forms carry CPF, CNPJ, phone numbers and e-mail addresses (in contact notes and general
notes). Lists, case details and exports show them masked so a manager can still tell two
records apart (middle digits kept) without exposing the person: CPF "***.459.696-**", CNPJ
"**.222.333/****-**" (numeric or alphanumeric), phones "(**) *****-**21", e-mails "j***@gmail.com".

Functions take and return plain strings (None stays None) and never raise. This module must not
query the database or import streamlit; it is the only place that decides what a mask looks like.
"""

from __future__ import annotations

import re

_DOC_CHARS = re.compile(r"[^0-9A-Za-z]")

# CNPJ: 14 characters, the first 12 may be letters (alphanumeric CNPJ, valid from July 2026),
# the last two (check digits) are digits. Written with or without its mask.
_CNPJ_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Za-z]{2}\.?[0-9A-Za-z]{3}\.?[0-9A-Za-z]{3}\s?/?\s?[0-9A-Za-z]{4}\s?-?\s?\d{2}(?![0-9A-Za-z])"
)
_CPF_IN_TEXT = re.compile(r"(?<![\d/.,-])\d{3}\.?\d{3}\.?\d{3}\s?-?\s?\d{2}(?![\d/])")
# Brazilian phones: optional +55, optional area code (with or without parentheses), 8 or 9 digits
# split by a hyphen, dot or space, or written together.
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w/.,])(?:\+?\s?55[\s.-]?)?(?:\(\s?0?\d{2}\s?\)\s?|0?\d{2}[\s.-]?)?(?:9\s)?\d{4,5}[\s.-]?\d{4}(?![\w/])"
)
_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_cpf(cpf: str | None) -> str | None:
    """"12345969601" or "123.459.696-01" → "***.459.696-**"; anything not 11 digits → "***"."""
    if cpf is None:
        return None
    chars = _DOC_CHARS.sub("", str(cpf))
    if not chars:
        return None if not str(cpf).strip() else "***"
    if len(chars) != 11 or not chars.isdigit():
        return "***"
    return f"***.{chars[3:6]}.{chars[6:9]}-**"


def mask_cnpj(cnpj: str | None) -> str | None:
    """"11222333000181" → "**.222.333/****-**"; alphanumeric "12ABC34501DE35" → "**.ABC.345/****-**".

    Keeps the 3rd to 8th characters (the middle of the company root); anything that is not a
    14-character CNPJ → "***".
    """
    if cnpj is None:
        return None
    chars = _DOC_CHARS.sub("", str(cnpj)).upper()
    if not chars:
        return None if not str(cnpj).strip() else "***"
    if len(chars) != 14 or not chars[-2:].isdigit():
        return "***"
    return f"**.{chars[2:5]}.{chars[5:8]}/****-**"


def _mask_digits_keep_last(text: str, keep: int = 2) -> str:
    digits = sum(ch.isdigit() for ch in text)
    out, seen = [], 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_phones(text: str | None) -> str | None:
    """Every phone number in `text` with all but its last two digits replaced by "*"."""
    if text is None:
        return None

    def repl(match: re.Match[str]) -> str:
        found = match.group(0)
        if sum(ch.isdigit() for ch in found) < 8:
            return found
        return _mask_digits_keep_last(found)

    return _PHONE_IN_TEXT.sub(repl, str(text))


def mask_emails(text: str | None) -> str | None:
    """Every e-mail address in `text` as its first character, "***" and its domain: "j***@gmail.com"."""
    if text is None:
        return None
    return _EMAIL_IN_TEXT.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", str(text))


def mask_documents(text: str | None) -> str | None:
    """CPFs and CNPJs written inside free text, masked as `mask_cpf` / `mask_cnpj` do."""
    if text is None:
        return None

    def cnpj(match: re.Match[str]) -> str:
        chars = _DOC_CHARS.sub("", match.group(0))
        # A run of 14 letters or a word is not a CNPJ: require at least 8 digits.
        if len(chars) != 14 or sum(ch.isdigit() for ch in chars) < 8:
            return match.group(0)
        return mask_cnpj(chars) or match.group(0)

    text = _CNPJ_IN_TEXT.sub(cnpj, str(text))
    return _CPF_IN_TEXT.sub(lambda m: mask_cpf(m.group(0)) or m.group(0), text)


def mask_text(text: str | None) -> str | None:
    """Free text (contact notes, general notes) with CPFs, CNPJs, e-mails and phones masked."""
    if text is None:
        return None
    text = str(text)
    # Each mask needs an "@" or at least 8 digits (a CPF has 11; a CNPJ and a phone, 8 or more):
    # text without them comes back as it is, without four regex scans (lists of file names and
    # warnings were ~40 ms of a page).
    if "@" not in text and sum(map(str.isdigit, text)) < 8:
        return text
    return mask_phones(mask_emails(mask_documents(text)))
