"""Scheduled reports (reports/schedules.py, store/report_schedules.py, `report run-due`) against a real
SMTP server on localhost: a weekly report reaches each recipient once, a gestor's copy holds only
their operators, and a run killed in the middle of sending (SIGKILL, a real subprocess) sends
nothing twice."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from retention_analytics import auth, metrics
from retention_analytics.auth import User
from retention_analytics.cli import main
from retention_analytics.filters import Filters
from retention_analytics.reports import schedules
from retention_analytics.store import open_store
from retention_analytics.store import report_schedules as rs

REPO = Path(__file__).resolve().parents[1]
NOW = "2024-04-03T07:00:00"  # a Wednesday: the last full week is 25–31/03/2024, the last month 03/2024


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.on_message = None  # called after a message is kept, before the server answers 250
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001 - aiosmtpd's hook
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.on_message:
            self.on_message()
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp():
    inbox = Inbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def setup(real_db, tmp_path, monkeypatch):
    """A copy of the real database (schedules are written), a users file with an admin and a gestor
    of one operator, both with e-mail."""
    db = tmp_path / "banco.duckdb"
    shutil.copy(real_db, db)
    store = open_store(db)
    names = list(metrics.filter_options(store, Filters())["operators"]["label"])
    users = {
        "diretora": User("diretora", "admin", (), email="diretora@operadora.invalid"),
        "gestora": User("gestora", "gestor", (names[0],), email="gestora@operadora.invalid"),
        "semcontato": User("semcontato", "gestor", (names[0],)),
    }
    path = tmp_path / "users.toml"
    auth.save_users(users, path)
    monkeypatch.setenv("RETENTION_USERS", str(path))
    return store, names, path


def attachment_text(message, tmp_path: Path) -> str:
    (attachment,) = list(message.iter_attachments())
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / attachment.get_filename()
    path.write_bytes(attachment.get_content())
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_periods():
    today = dt.date(2024, 4, 3)
    assert schedules.last_full_week(today) == (dt.date(2024, 3, 25), dt.date(2024, 3, 31))
    assert schedules.last_full_week(dt.date(2024, 4, 1)) == (dt.date(2024, 3, 25), dt.date(2024, 3, 31))
    weekly = rs.Schedule(1, "x", "Visão geral", "semanal", ("a",), Filters())
    monthly = rs.Schedule(2, "y", "mensal", "mensal", ("a",), Filters())
    assert schedules.due_period(weekly, today) == (dt.date(2024, 3, 25), dt.date(2024, 3, 31))
    assert schedules.due_period(monthly, today) == (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def test_a_weekly_report_reaches_each_recipient_once_and_a_gestor_sees_only_their_operators(setup, smtp, tmp_path,
                                                                                            capsys):
    store, names, _ = setup
    inbox, url = smtp
    rs.add_schedule(store, "Conformidade da semana", "Conformidade ANS", "semanal",
                    ["diretora", "gestora", "semcontato", "ninguem"], Filters(), "diretora")
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", url, "--now", NOW]) == 1  # two not sent
    err = capsys.readouterr().err
    assert "não enviado: “Conformidade da semana” (25/03/2024 a 31/03/2024) para semcontato: usuário sem e-mail" in err
    assert "para ninguem: usuário não existe mais" in err
    assert len(inbox.to("diretora@operadora.invalid")) == 1 and len(inbox.to("gestora@operadora.invalid")) == 1
    message = inbox.to("gestora@operadora.invalid")[0]
    assert "25/03/2024 a 31/03/2024" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Relatório agendado “Conformidade da semana” (semanal)" in body
    text = attachment_text(message, tmp_path)
    assert "Período: 25/03/2024 a 31/03/2024" in text
    admin_text = attachment_text(inbox.to("diretora@operadora.invalid")[0], tmp_path / "diretora")
    assert any(other in admin_text for other in names[1:])  # the week has other operators' terminations…
    for other in names[1:]:
        assert other not in text  # …that the gestor's copy never shows
    # Again: nothing new to send.
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", url, "--now", NOW]) == 0
    assert len(inbox.messages) == 2
    statuses = {(d.recipient, d.status) for d in rs.list_deliveries(store)}
    assert statuses == {("diretora", "enviado"), ("gestora", "enviado"), ("semcontato", "falhou"), ("ninguem", "falhou")}


def test_a_refused_send_is_tried_again_on_the_next_run(setup, smtp, capsys):
    store, _, _ = setup
    inbox, url = smtp
    rs.add_schedule(store, "Semana", "Conformidade ANS", "semanal", ["diretora"], Filters(ufs=("MG",)), "diretora")
    closed = f"smtp://127.0.0.1:{_closed_port()}"
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", closed, "--now", NOW]) == 1
    assert "Não foi possível enviar o e-mail" in capsys.readouterr().err
    assert rs.list_deliveries(store) == []  # nothing went out: the claim was released
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", url, "--now", NOW]) == 0
    assert len(inbox.to("diretora@operadora.invalid")) == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed when the with ends: nothing listens there


def test_a_run_killed_while_sending_sends_nothing_twice(setup, smtp, tmp_path):
    store, _, users_file = setup
    inbox, url = smtp
    rs.add_schedule(store, "Semana A", "Conformidade ANS", "semanal", ["diretora", "gestora"], Filters(), "diretora")
    rs.add_schedule(store, "Semana B", "Conformidade ANS", "semanal", ["gestora"], Filters(ufs=("MG", "SP")), "diretora")
    env = {k: v for k, v in os.environ.items() if k not in ("RETENTION_DB", "RETENTION_DEBUG")}
    env.update(PYTHONPATH=str(REPO), RETENTION_USERS=str(users_file))
    command = [sys.executable, "-m", "retention_analytics", "--db", str(store.path), "report", "run-due",
               "--smtp", url, "--now", NOW]

    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill() -> None:  # the first message is in the server: the sender dies before it hears 250
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    inbox.on_message = kill
    try:
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    inbox.on_message = None
    assert process.returncode == -signal.SIGKILL
    assert len(inbox.messages) == 1
    first = inbox.messages[0]["To"]

    # The next runs send what the killed one did not, and the interrupted one never again.
    for _ in range(2):
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert len(inbox.to("diretora@operadora.invalid")) == 1
    assert len(inbox.to("gestora@operadora.invalid")) == 2  # one per schedule
    assert len(inbox.messages) == 3
    interrupted = [d for d in rs.list_deliveries(store) if d.status == "enviando"]
    assert len(interrupted) == 1 and interrupted[0].recipient == {"diretora@operadora.invalid": "diretora",
                                                                  "gestora@operadora.invalid": "gestora"}[first]


def test_run_due_also_mails_the_alerts_once(setup, smtp, capsys):
    from retention_analytics.store import alerting

    store, _, _ = setup
    inbox, url = smtp
    alerting.add_rule(store, "caso_aberto_ha_dias", 30, ["coordenacao@operadora.invalid"])
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", url]) == 0
    assert "e-mail(s) de alerta enviado(s)" in capsys.readouterr().err
    mails = inbox.to("coordenacao@operadora.invalid")
    assert len(mails) == 1 and mails[0].get_body(("plain",)).get_content().strip()
    assert main(["--db", str(store.path), "report", "run-due", "--smtp", url]) == 0
    assert len(inbox.to("coordenacao@operadora.invalid")) == 1  # never twice
