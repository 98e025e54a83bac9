"""Scheduled reports: what is due and `run_due`, which sends it once (`report run-due`, from cron or a
systemd timer; README "Relatórios e alertas"), then evaluates the alert rules and mails their
alerts (alerts.py) through the same server.

A weekly schedule covers the last full week (Monday to Sunday) before the run, a monthly one the last
full calendar month. Each recipient is a dashboard user: their copy is built under the schedule's
filters plus their own operator restriction (auth.User.restrict), so a gestor's copy holds only their
operators; a user no longer in the users file, or without an e-mail, gets nothing (fail closed).
Every (schedule, period, recipient) is claimed in the store before the message goes out
(store/report_schedules.claim_delivery), so a run killed at any point never sends it twice; a
refusal by the server releases the claim for the next run.

It must not import streamlit nor lay out reports (build_report does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..store import report_schedules as rs
from . import ANALYSIS_PAGES, PACK_MONTHLY, build_report, last_full_month, summary_text
from .mailer import MailError, send_message


def last_full_week(today: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week before `today`'s week."""
    monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(days=7)
    return monday, monday + dt.timedelta(days=6)


def due_period(schedule: rs.Schedule, today: dt.date) -> tuple[dt.date, dt.date]:
    return last_full_week(today) if schedule.frequency == "semanal" else last_full_month(today)


def report_pages(schedule: rs.Schedule) -> tuple[str, ...]:
    return ANALYSIS_PAGES if schedule.report == PACK_MONTHLY else (schedule.report,)


def describe_report(report: str) -> str:
    return "Pacote mensal (todas as páginas de análise)" if report == PACK_MONTHLY else report


@dataclass
class Outcome:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    alerts_fired: int = 0
    alert_mails: int = 0

    def lines(self) -> list[str]:
        out = [f"enviado: {line}" for line in self.sent]
        out += [f"não enviado: {line}" for line in self.failed]
        if not self.sent and not self.failed:
            out.append("Nenhum relatório agendado a enviar agora.")
        if self.alerts_fired or self.alert_mails:
            out.append(f"alertas: {self.alerts_fired} novo(s), {self.alert_mails} e-mail(s) de alerta enviado(s)")
        return out


def run_alerts(store: Any, outcome: Outcome, *, smtp_url: str | None, sender: str | None,
               now: dt.datetime | None, users: Mapping[str, Any]) -> None:
    """The alert rules (alerts.py), evaluated now, and their unmailed alerts sent through the same
    server: `report run-due` is also the alerts' timer."""
    from .. import alerts

    outcome.alerts_fired = len(alerts.evaluate_alerts(store, now))

    def send(recipients: list[str], subject: str, body: str) -> None:
        send_message(smtp_url, sender, recipients, subject, body)

    try:
        outcome.alert_mails = alerts.deliver(store, send, now, users=users)
    except MailError as exc:
        outcome.failed.append(f"e-mail de alertas: {exc}")


def run_due(store: Any, *, smtp_url: str | None = None, sender: str | None = None, now: dt.datetime | None = None,
            users: Mapping[str, Any] | None = None) -> Outcome:
    """Send every active schedule's report for its latest full period to each recipient that has
    not had it yet. Returns what was sent and what was not (with why)."""
    from .. import auth, metrics

    today = (now or dt.datetime.now()).date()
    users = auth.load_users() if users is None else users
    outcome = Outcome()
    built: dict[tuple[Any, ...], Any] = {}  # one PDF per (pages, filters): recipients with the same view share it
    for schedule in rs.list_schedules(store, active_only=True):
        start, end = due_period(schedule, today)
        pages = report_pages(schedule)
        period = replace(schedule.filters, start=start, end=end)
        claimed = rs.claimed_recipients(store, schedule.schedule_id, start)
        for username in schedule.recipients:
            what = f"“{schedule.name}” ({start:%d/%m/%Y} a {end:%d/%m/%Y}) para {username}"
            if username in claimed:
                outcome.skipped.append(what)
                continue
            user = users.get(auth.normalize_username(username))
            if user is None or not user.email:
                why = "usuário não existe mais no arquivo de usuários" if user is None else "usuário sem e-mail"
                if rs.claim_delivery(store, schedule.schedule_id, start, end, username):
                    rs.fail_delivery(store, schedule.schedule_id, start, username, why)
                    outcome.failed.append(f"{what}: {why}")
                continue
            filters = user.restrict(period)
            view = (pages, filters)
            if view not in built:  # built before the claim: a run killed while building leaves no claim
                names = metrics.filter_options(store, filters.access_only())["names"]
                built[view] = build_report(store, filters, pages, names=names,
                                           pack=PACK_MONTHLY if schedule.report == PACK_MONTHLY else None)
            report = built[view]
            if not rs.claim_delivery(store, schedule.schedule_id, start, end, username):
                outcome.skipped.append(what)  # another run got there first
                continue
            subject = f"{report.title} · {start:%d/%m/%Y} a {end:%d/%m/%Y}"
            body = f"Relatório agendado “{schedule.name}” ({rs.FREQUENCIES[schedule.frequency].lower()}).\n\n"
            try:
                message_id = send_message(smtp_url, sender, [user.email], subject, body + summary_text(report),
                                          [(report.file_name, report.pdf, "application/pdf")])
            except MailError as exc:
                if exc.maybe_sent:  # the server may have it: never again for this period
                    rs.fail_delivery(store, schedule.schedule_id, start, username, str(exc))
                else:
                    rs.release_delivery(store, schedule.schedule_id, start, username)
                outcome.failed.append(f"{what}: {exc}")
                continue
            rs.finish_delivery(store, schedule.schedule_id, start, username, f"{user.email} · {message_id}")
            outcome.sent.append(f"{what} <{user.email}>")
    run_alerts(store, outcome, smtp_url=smtp_url, sender=sender, now=now, users=users)
    return outcome
