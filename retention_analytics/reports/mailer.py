"""Sending e-mail: `send_message(smtp_url, sender, recipients, subject, body, attachments)`.

The SMTP server is one URL (`--smtp` or RETENTION_SMTP_URL):
- `smtp://host:25` — plain SMTP (a relay on the same machine or network);
- `smtp+starttls://user@host:587` — STARTTLS, then login as `user`;
- `smtps://user@host:465` — TLS from the first byte, then login.
The password comes from RETENTION_SMTP_PASSWORD (or, discouraged, the URL itself); it is never
taken from the command line and never written to a log or an error message (`redact`).
Server certificates are verified; RETENTION_SMTP_CA names an extra CA file (a company's own CA).

Reports use it for their PDFs and the alerts reuse it. It must not build messages' content (the
callers do) nor read the store.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

SMTP_URL_ENV = "RETENTION_SMTP_URL"
SMTP_PASSWORD_ENV = "RETENTION_SMTP_PASSWORD"
SMTP_FROM_ENV = "RETENTION_SMTP_FROM"
SMTP_CA_ENV = "RETENTION_SMTP_CA"
TIMEOUT = 30  # seconds for the connection and each command

_SCHEMES = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


class MailError(Exception):
    """The message could not be sent: a Portuguese sentence without the password. `maybe_sent`:
    the connection broke while the message was being handed over, so the server may have it (a
    scheduled send then must not try again: at most once)."""

    def __init__(self, message: str, maybe_sent: bool = False):
        super().__init__(message)
        self.maybe_sent = maybe_sent


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    user: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never the password, even in a traceback
        return f"SmtpServer({redact_url(self.url)!r})"

    @property
    def url(self) -> str:
        scheme = {v[0]: k for k, v in _SCHEMES.items()}[self.security]
        who = f"{self.user}@" if self.user else ""
        return f"{scheme}://{who}{self.host}:{self.port}"


def redact_url(url: str) -> str:
    """`url` without any password in it: smtp://ana:segredo@host → smtp://ana:***@host."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return url.replace(parts.netloc, f"{parts.username}:***@{netloc[-1]}", 1)


def parse_smtp_url(url: str | None) -> SmtpServer:
    """The server of `url` (or RETENTION_SMTP_URL), with the password from RETENTION_SMTP_PASSWORD
    when set (it wins over one in the URL)."""
    url = (url or os.environ.get(SMTP_URL_ENV) or "").strip()
    if not url:
        raise MailError(
            "Nenhum servidor de e-mail definido: passe --smtp smtp://servidor:porta (ou "
            f"smtp+starttls://usuario@servidor:587) ou defina {SMTP_URL_ENV}."
        )
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise MailError(
            f"Endereço do servidor de e-mail inválido: {redact_url(url)!r}. Use smtp://servidor:porta, "
            "smtp+starttls://usuario@servidor:587 ou smtps://usuario@servidor:465."
        )
    security, default_port = _SCHEMES[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise MailError(f"Porta inválida no endereço do servidor de e-mail {redact_url(url)!r}.") from None
    user = unquote(parts.username) if parts.username else None
    password = os.environ.get(SMTP_PASSWORD_ENV) or (unquote(parts.password) if parts.password else None)
    if password and not user:
        raise MailError("Há senha do servidor de e-mail, mas falta o usuário: use smtp+starttls://usuario@servidor:587.")
    if user and security == "plain":
        raise MailError(
            "O servidor de e-mail pede login, mas o endereço é smtp:// (sem criptografia): a senha iria em texto "
            "aberto. Use smtp+starttls://usuario@servidor:587 ou smtps://usuario@servidor:465."
        )
    if user and not password:
        raise MailError(f"Falta a senha do servidor de e-mail: defina {SMTP_PASSWORD_ENV}.")
    return SmtpServer(parts.hostname, port, security, user, password)


def default_sender() -> str:
    return os.environ.get(SMTP_FROM_ENV) or f"Painel de Retenção <painel@{socket.getfqdn() or 'localhost'}>"


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca = os.environ.get(SMTP_CA_ENV)
    if ca:
        context.load_verify_locations(cafile=ca)
    return context


def build_message(sender: str, recipients: Sequence[str], subject: str, body: str,
                  attachments: Sequence[tuple[str, bytes, str]] = ()) -> EmailMessage:
    """The message: plain-text body in UTF-8, each attachment (file name, bytes, MIME type)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="painel-retencao")
    message.set_content(body)
    for name, data, mime in attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message


def send_message(smtp_url: str | None, sender: str | None, recipients: Sequence[str], subject: str, body: str,
                 attachments: Sequence[tuple[str, bytes, str]] = ()) -> str:
    """Send one message to `recipients` through the server of `smtp_url` (None: RETENTION_SMTP_URL).
    Returns its Message-ID. Raises MailError (in Portuguese, without the password) when it was not
    accepted for every recipient."""
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        raise MailError("Nenhum destinatário para o e-mail.")
    bad = [r for r in recipients if "@" not in r or any(c in r for c in "\r\n,;<> ")]
    if bad:
        raise MailError(f"Endereço de e-mail inválido: {', '.join(bad)}.")
    server = parse_smtp_url(smtp_url)
    message = build_message(sender or default_sender(), recipients, subject, body, attachments)
    where = f"{server.host}:{server.port}"
    handing_over = False
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT, context=_tls_context())
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if server.security == "starttls":
                client.starttls(context=_tls_context())
                client.ehlo()
            if server.user:
                client.login(server.user, server.password or "")
            handing_over = True
            refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"O servidor de e-mail {where} recusou o usuário ou a senha de {server.user}.") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"O servidor de e-mail {where} recusou os destinatários: {', '.join(exc.recipients)}.") from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"O servidor de e-mail {where} não oferece STARTTLS ou login; confira o endereço.") from None
    except ssl.SSLError as exc:
        raise MailError(f"Falha de TLS com o servidor de e-mail {where}: {exc.reason or exc}.") from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:  # a refusal: nothing was accepted
        raise MailError(f"O servidor de e-mail {where} recusou a mensagem: {exc}.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"Não foi possível enviar o e-mail pelo servidor {where}: {type(exc).__name__}: "
                        f"{getattr(exc, 'strerror', None) or exc}.", maybe_sent=handing_over) from None
    if refused:
        raise MailError(f"O servidor de e-mail {where} recusou: {', '.join(refused)}.")
    return str(message["Message-ID"])
