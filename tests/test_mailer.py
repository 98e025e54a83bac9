"""E-mail (reports/mailer.py and `report --email`) against a real SMTP server on localhost (aiosmtpd):
plain SMTP, STARTTLS with login (a certificate made for the test), the password never on the
command line nor in what is printed, and Portuguese refusals."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from retention_analytics.cli import main
from retention_analytics.reports import mailer

PASSWORD = "s3nha-do-relay"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it accepted (and who logged in)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list = []
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        if isinstance(auth_data, LoginPassword) and auth_data.password.decode() == PASSWORD:
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def _certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """STARTTLS required before AUTH, AUTH required before MAIL; the client trusts the test's CA."""
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=inbox.authenticate, auth_required=True, auth_require_tls=True)
    controller.start()
    monkeypatch.setenv(mailer.SMTP_CA_ENV, str(cert))
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_report_email_sends_the_pdf_with_a_portuguese_summary(real_db, smtp_server, tmp_path, capsys):
    inbox, url = smtp_server
    assert main(["--db", str(real_db), "report", "--page", "Visão geral", "--from", "2024-01-01", "--to", "2024-12-31",
                 "--email", "diretoria@operadora.invalid", "--email", "gestora@operadora.invalid",
                 "--smtp", url, "--sender", "Painel <painel@operadora.invalid>"]) == 0
    assert "enviado a diretoria@operadora.invalid, gestora@operadora.invalid" in capsys.readouterr().err
    (message,) = inbox.messages
    assert inbox.envelopes[0].rcpt_tos == ["diretoria@operadora.invalid", "gestora@operadora.invalid"]
    assert message["Subject"] == "Painel de Retenção · Relatório: Visão geral"
    body = message.get_body(("plain",)).get_content()
    assert "Filtros: Período: 2024" in body and "Taxa de retenção:" in body and "contra o período anterior" in body
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename().startswith("relatorio_visao_geral_") and attachment.get_filename().endswith(".pdf")
    assert attachment.get_content().startswith(b"%PDF")
    assert not list(tmp_path.glob("*.pdf"))  # e-mailed only: no file left behind unless --output


def test_starttls_and_login_with_the_password_from_the_environment_only(tls_server, monkeypatch, capsys):
    inbox, port = tls_server
    monkeypatch.setenv(mailer.SMTP_PASSWORD_ENV, PASSWORD)
    mailer.send_message(f"smtp+starttls://relatorios@127.0.0.1:{port}", "painel@operadora.invalid",
                        ["ana@operadora.invalid"], "Teste", "Olá", [("a.pdf", b"%PDF-1.4", "application/pdf")])
    assert inbox.logins == ["relatorios"]
    assert inbox.messages[0]["Subject"] == "Teste"


def test_a_wrong_password_is_a_sentence_that_never_shows_it(tls_server, monkeypatch, real_db, capsys):
    inbox, port = tls_server
    monkeypatch.setenv(mailer.SMTP_PASSWORD_ENV, "senha-errada-123")
    assert main(["--db", str(real_db), "report", "--email", "ana@operadora.invalid",
                 "--smtp", f"smtp+starttls://relatorios@127.0.0.1:{port}"]) == 2
    out = capsys.readouterr()
    assert "recusou o usuário ou a senha de relatorios" in out.err
    assert "senha-errada-123" not in out.err + out.out
    assert not inbox.messages


def test_without_starttls_the_server_refuses_and_nothing_is_sent(tls_server, monkeypatch):
    inbox, port = tls_server
    with pytest.raises(mailer.MailError):
        mailer.send_message(f"smtp://127.0.0.1:{port}", "painel@operadora.invalid", ["ana@operadora.invalid"],
                            "Teste", "Olá")
    assert not inbox.messages


@pytest.mark.parametrize("url, env, expected", [
    ("smtp://relay.interno:2525", {}, ("relay.interno", 2525, "plain", None, None)),
    ("smtp://relay.interno", {}, ("relay.interno", 25, "plain", None, None)),
    ("smtp+starttls://ana@mail.empresa.com.br", {mailer.SMTP_PASSWORD_ENV: "senha-x"},
     ("mail.empresa.com.br", 587, "starttls", "ana", "senha-x")),
    ("smtps://ana%40empresa.com.br@mail.empresa.com.br:465", {mailer.SMTP_PASSWORD_ENV: "senha-y"},
     ("mail.empresa.com.br", 465, "tls", "ana@empresa.com.br", "senha-y")),
])
def test_smtp_urls(url, env, expected, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    server = mailer.parse_smtp_url(url)
    assert (server.host, server.port, server.security, server.user, server.password) == expected
    assert server.password is None or server.password not in repr(server)


@pytest.mark.parametrize("url, message", [
    ("", "Nenhum servidor de e-mail definido"),
    ("http://relay", "Endereço do servidor de e-mail inválido"),
    ("smtp://ana@relay", "a senha iria em texto aberto"),
    ("smtp+starttls://ana@relay:587", "Falta a senha do servidor de e-mail"),
    ("smtp+starttls://ana:segredo@relay:abc", "Porta inválida"),
])
def test_bad_smtp_urls_are_portuguese_and_hide_passwords(url, message, monkeypatch):
    monkeypatch.delenv(mailer.SMTP_URL_ENV, raising=False)
    monkeypatch.delenv(mailer.SMTP_PASSWORD_ENV, raising=False)
    with pytest.raises(mailer.MailError) as error:
        mailer.parse_smtp_url(url)
    assert message in str(error.value) and "segredo" not in str(error.value)


def test_the_smtp_url_can_come_from_the_environment(smtp_server, monkeypatch):
    inbox, url = smtp_server
    monkeypatch.setenv(mailer.SMTP_URL_ENV, url)
    mailer.send_message(None, None, ["ana@operadora.invalid"], "Assunto com acentuação", "Corpo em português: ç ã é")
    assert inbox.messages[0]["Subject"] == "Assunto com acentuação"
    assert "ç ã é" in inbox.messages[0].get_body(("plain",)).get_content()
