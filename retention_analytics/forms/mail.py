"""E-mails that carry forms: `.eml` (RFC 5322, read with the standard library) and Outlook `.msg`
(read with extract-msg).

`read_message(name, data) -> Message`: the message's date, sender and subject and its attachments
as (file name, bytes). sources.py turns each attachment into a Document, like a member of a .zip
("mensagem.eml:formulario.xlsx"), carrying the message's metadata so the record can keep it
(forms.attach_origin). Parts without a file name (the body) and pictures the HTML body shows
through their Content-ID (signature logos) are not forms and are skipped.

It must not parse forms, and never raises anything but FormReadError with a Portuguese message.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
from dataclasses import dataclass, field

from ..record import FormReadError

MAX_ATTACHMENTS = 200  # an e-mail with more attachments than this is not a form delivery


@dataclass(frozen=True)
class Message:
    date: str | None  # ISO 8601 with the sender's UTC offset, as the message says it
    sender: str | None
    subject: str | None
    attachments: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def origin(self) -> tuple[tuple[str, str | None], ...]:
        """The metadata as a frozen value, for Document.origin (and then the record's reading)."""
        return (("date", self.date), ("from", self.sender), ("subject", self.subject))


def read_message(name: str, data: bytes) -> Message:
    kind = ".msg" if name.lower().endswith(".msg") else ".eml"
    try:
        return _read_msg(data) if kind == ".msg" else _read_eml(data)
    except FormReadError as exc:
        raise FormReadError(f"{name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a hostile message must be a message, not a traceback
        raise FormReadError(
            f"{name}: não foi possível ler o e-mail {kind} ({type(exc).__name__}). "
            "Salve a mensagem de novo pelo programa de e-mail (Arquivo › Salvar como) ou salve só os anexos e envie-os."
        ) from None


def _text(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _read_eml(data: bytes) -> Message:
    if b"\x00" in data[:4096]:
        raise FormReadError("o arquivo .eml não é um e-mail em texto (tem bytes binários). Salve a mensagem de novo como .eml.")
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = [k.lower() for k in message.keys()]
    if not any(k in headers for k in ("from", "date", "subject", "message-id", "mime-version")):
        raise FormReadError("o arquivo .eml não tem cabeçalhos de e-mail (De, Data, Assunto). Salve a mensagem de novo como .eml.")
    date = None
    raw_date = message.get("Date")
    if raw_date:
        try:
            date = email.utils.parsedate_to_datetime(str(raw_date)).isoformat()
        except (TypeError, ValueError, IndexError):
            date = None  # an unreadable Date header is a missing date, not an unreadable e-mail
    attachments: list[tuple[str, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        # Phones send photos "inline" with a file name; a signature logo is inline too but is
        # referenced by the HTML body through its Content-ID.
        if not filename or disposition is None or (disposition == "inline" and part.get("Content-ID")):
            continue
        payload = part.get_payload(decode=True)
        if payload is None and part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            payload = inner[0].as_bytes() if isinstance(inner, list) and inner else None
        if payload is None:
            continue
        attachments.append((str(filename), bytes(payload)))
        if len(attachments) > MAX_ATTACHMENTS:
            raise FormReadError(f"o e-mail tem mais de {MAX_ATTACHMENTS} anexos; envie os formulários em lotes menores.")
    return Message(date, _text(message.get("From")), _text(message.get("Subject")), attachments)


def _read_msg(data: bytes) -> Message:
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FormReadError("o arquivo .msg não é uma mensagem do Outlook. Salve a mensagem de novo pelo Outlook (Arquivo › Salvar como › .msg).")
    import extract_msg  # imported here: only Outlook messages pay for it

    msg = extract_msg.openMsg(data, delayAttachments=False)
    try:
        date = msg.date
        iso = date.isoformat() if isinstance(date, dt.datetime) else None
        attachments: list[tuple[str, bytes]] = []
        for attachment in msg.attachments:
            filename = getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None)
            payload = getattr(attachment, "data", None)
            if getattr(attachment, "hidden", False) or not filename or not isinstance(payload, (bytes, bytearray)):
                continue  # inline pictures and attached Outlook items are not forms
            attachments.append((str(filename), bytes(payload)))
            if len(attachments) > MAX_ATTACHMENTS:
                raise FormReadError(f"o e-mail tem mais de {MAX_ATTACHMENTS} anexos; envie os formulários em lotes menores.")
        return Message(iso, _text(msg.sender), _text(msg.subject), attachments)
    finally:
        msg.close()

