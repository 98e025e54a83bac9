"""How one stored form reads on the Casos page: header values as text, every checkbox of the form
with its mark, contacts in order, versions, and markdown escaping.

`metrics.case_detail` gives the form (personal data already masked) with only the checked items
of each list, as labels; the page shows the form as it was filled, so these helpers lay the
vocabularies (vocab.py) out again and mark what was checked (☒) and what was not (☐).

It must not import streamlit, query the database or unmask anything: it formats what it is given
(masking again what a caller forgot to mask, unless told `reveal=True` for an audited unmasked view).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .. import formatting as fmt
from .. import privacy
from ..fields import BY_KEY, HEADER
from ..filters import OPEN_STATUS, STATUS_LABELS
from ..record import HEADER_LABELS
from ..text import fold
from ..vocab import ACTIONS, OUTCOMES, REASONS, SECTORS, Term, requester_label

CHECKED = "☒"
UNCHECKED = "☐"

PERSON_TYPES = {"J": "J (pessoa jurídica)", "F": "F (pessoa física)"}
# How each header field is shown: from the field registry (fields.py).
_DATES = {f.key for f in HEADER if f.shown_as == "date"}
_INTEGERS = {f.key for f in HEADER if f.shown_as == "integer"}
_MONEY = {f.key for f in HEADER if f.shown_as == "money"}

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(value: Any) -> str:
    """Text shown literally in st.markdown: masks like "***.459.696-**" must not turn into bold."""
    text = fmt.MISSING if fmt.is_missing(value) or value == "" else str(value)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("\n", "  \n")


_INLINE_SPECIALS = re.compile(r"([\\`*_{}\[\]()#|<>~$])")


def inline_md(value: Any) -> str:
    """Text from outside (file names, reasons quoting a form, names) inside a markdown sentence:
    links, images, HTML, emphasis and LaTeX made literal; periods and hyphens left as they are, so
    "lote.zip:form-1.xlsx" reads (and is found by tests) as written."""
    text = "" if value is None else str(value)
    return _INLINE_SPECIALS.sub(r"\\\1", text).replace("\n", " ")


def yes_no(value: Any) -> str:
    if value is None or fmt.is_missing(value):
        return fmt.MISSING
    return "SIM" if value else "NÃO"


def header_value(field: str, record: dict[str, Any], reveal: bool = False) -> str:
    """One header field as people read it (pt-BR dates, money and numbers; "—" when blank)."""
    value = record.get(field)
    if field in _DATES:
        return fmt.date(value)
    if field in _INTEGERS:
        return fmt.integer(value)
    if field in _MONEY:
        return fmt.money(value)
    if field == "days_to_close":
        return fmt.days(value)
    if field == "accepts_other_plans":
        return yes_no(value)
    if field == "person_type":
        return PERSON_TYPES.get(value, value) if value else fmt.MISSING
    if field == "requested_by":
        if not value:
            return fmt.MISSING
        return requester_label(value)
    if field == "city" and value and not record.get("city_official"):
        return f"{value} (não encontrada no IBGE)"
    mask = BY_KEY[field].mask if field in BY_KEY else None  # the registry says which fields are personal
    if mask in ("cpf", "cnpj") and value and "*" not in str(value) and not reveal:
        # metrics.case_detail masks these already (a mask has "*"); this only guards against a
        # caller handing over an unmasked record. Masking a mask again would erase it to "***".
        value = (privacy.mask_cpf if mask == "cpf" else privacy.mask_cnpj)(value)
    if mask == "text" and value and not reveal:
        value = privacy.mask_text(value)  # free text: masking twice leaves it as it was
    return fmt.MISSING if fmt.is_missing(value) or value == "" else str(value)


def header_fields(record: dict[str, Any], reveal: bool = False) -> list[tuple[str, str]]:
    """(Portuguese label, value text) for every header field, in the form's order."""
    return [(label, header_value(field, record, reveal)) for field, label in HEADER_LABELS.items()]


def status_label(record: dict[str, Any]) -> str:
    """The case's status: its outcome when closed, else "Em aberto" (metrics.md, "Cases")."""
    if record.get("is_closed"):
        return STATUS_LABELS.get(record.get("outcome"), str(record.get("outcome")))
    return STATUS_LABELS[OPEN_STATUS]


def checklist(terms: tuple[Term, ...], checked_labels: list[str]) -> list[tuple[bool, str]]:
    """Every option of a vocabulary as (checked, label), in the form's order; a checked label the
    vocabulary does not know (an old code) is added at the end rather than lost."""
    wanted = {fold(label) for label in checked_labels}
    out = [(fold(t.label) in wanted or fold(t.code) in wanted, t.label) for t in terms]
    known = {fold(t.label) for t in terms} | {fold(t.code) for t in terms}
    out += [(True, label) for label in checked_labels if fold(label) not in known]
    return out


def outcome_checklist(record: dict[str, Any]) -> list[tuple[bool, str]]:
    """The three status boxes as filled on the form (an open case may still have one checked)."""
    return [(record.get("outcome") == t.code, t.label) for t in OUTCOMES]


def action_checklist(record: dict[str, Any]) -> list[tuple[bool, str]]:
    return checklist(ACTIONS, list(record.get("actions") or []))


def reason_checklist(record: dict[str, Any]) -> list[tuple[bool, str]]:
    return checklist(REASONS, list(record.get("reasons") or []))


def sector_checklist(record: dict[str, Any]) -> list[tuple[bool, str]]:
    return checklist(SECTORS, list(record.get("sectors") or []))


def protocol_checklist(record: dict[str, Any]) -> list[tuple[bool, str]]:
    value = record.get("protocol_required")
    return [(value is True, "SIM"), (value is False, "NÃO")]


def box(checked: bool, label: str) -> str:
    """One checkbox line in markdown: checked ones in bold so they stand out in long lists."""
    return f"{CHECKED} **{md(label)}**" if checked else f"{UNCHECKED} {md(label)}"


def contacts(record: dict[str, Any], reveal: bool = False) -> list[dict[str, str]]:
    """The contacts in order as {title, date, note} texts, notes masked (unless `reveal`)."""
    out = []
    for contact in sorted(record.get("contacts") or [], key=lambda c: c.get("number") or 0):
        out.append(
            {
                "title": f"{contact.get('number')}º contato",
                "date": fmt.date(contact.get("date")) if contact.get("date") else "sem data",
                "note": (contact.get("note") if reveal else privacy.mask_text(contact.get("note"))) or "",
            }
        )
    return out


def file_name(source: str | None) -> str:
    """The file's own name: "lote.zip:pasta/form.xlsx" and "/srv/forms/form.xlsx" → "form.xlsx"."""
    if not source:
        return fmt.MISSING
    return re.split(r"[/\\:]", str(source))[-1] or str(source)


def reading_line(record: dict[str, Any]) -> str | None:
    """How the form was read, for people: "Lido por OCR (2 páginas; confiança média 87%)" and "Veio
    anexado ao e-mail de j***@x.com.br, 12/03/2024, assunto “…”"; None for a form read from text
    with no e-mail around it. Markdown-escaped."""
    reading = record.get("reading") or {}
    parts = []
    if reading.get("method") == "ocr":
        confidence = [v for v in (reading.get("confidence") or {}).values() if isinstance(v, (int, float))]
        pages = reading.get("pages")
        details = [f"{fmt.integer(pages)} página(s)"] if isinstance(pages, int) and pages else []
        if confidence:
            details.append(f"confiança média {fmt.percent(sum(confidence) / len(confidence), 0)}")
        parts.append("Lido por OCR (imagem escaneada ou fotografada" + (f"; {'; '.join(details)}" if details else "")
                     + "): confira os valores com aviso no original.")
    message = reading.get("message") or {}
    if message:
        sender, subject, when = message.get("from"), message.get("subject"), _when(message.get("date"))
        described = ", ".join(x for x in (f"de {md(sender)}" if sender else "", md(when) if when else "",
                                            f"assunto “{md(subject)}”" if subject else "") if x)
        parts.append(f"Veio anexado a um e-mail{(' ' + described) if described else ''}.")
    return " ".join(parts) or None


def _when(iso: Any) -> str | None:
    """An e-mail's ISO date as people read it: "12/03/2024 10:05"; as written when not ISO."""
    if not iso:
        return None
    try:
        return fmt.datetime(dt.datetime.fromisoformat(str(iso)))
    except ValueError:
        return str(iso)
