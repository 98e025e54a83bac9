"""Scheduled reports and their deliveries in the store (tables report_schedules, report_deliveries of
schema.sql).

    add_schedule(store, name, report, frequency, recipients, filters, created_by) -> id
    list_schedules(store) / set_active(store, id, active) / delete_schedule(store, id)
    claim_delivery(store, id, start, end, recipient) -> bool   # its own transaction, before sending
    finish_delivery(...) / release_delivery(...) / fail_delivery(...)
    list_deliveries(store, limit)

A delivery is claimed in a committed transaction before the message is sent, so a run killed at
any point sends a (schedule, period, recipient) at most once. Writes here change no number of any
page, so they do not bump the data version (the app keeps its cached summaries).

It must not decide what is due nor build or send reports (reports/schedules.py does).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..filters import Filters

if TYPE_CHECKING:
    from .store import Store

FREQUENCIES = {"semanal": "Semanal", "mensal": "Mensal"}
STATUS_LABELS = {"enviando": "Interrompido durante o envio (não reenviado)", "enviado": "Enviado",
                 "falhou": "Não enviado"}


@dataclass(frozen=True)
class Schedule:
    schedule_id: int
    name: str
    report: str  # an analysis page's title, or "mensal" (the monthly pack)
    frequency: str  # "semanal" or "mensal"
    recipients: tuple[str, ...]  # usernames of the users file
    filters: Filters  # never a period nor an access restriction
    active: bool = True
    created_by: str | None = None
    created_at: dt.datetime | None = None


def _filters_json(filters: Filters) -> str:
    return json.dumps(filters.without_period().to_query_params(), ensure_ascii=False, sort_keys=True)


def _filters_of(text: str) -> Filters:
    try:
        return Filters.from_query_params(json.loads(text or "{}"))
    except (ValueError, TypeError):
        return Filters()


def add_schedule(store: "Store", name: str, report: str, frequency: str, recipients: Sequence[str],
                 filters: Filters, created_by: str | None) -> int:
    if frequency not in FREQUENCIES:
        raise ValueError(f"frequency must be one of {tuple(FREQUENCIES)}")
    recipients = sorted({r.strip() for r in recipients if r and r.strip()})
    if not recipients:
        raise ValueError("a schedule needs recipients")
    with store._transaction(bump_version=False) as con:
        (schedule_id,) = con.execute("select nextval('report_schedule_id_seq')").fetchone()
        con.execute(
            "insert into report_schedules (schedule_id, name, report, frequency, recipients, filters, active, "
            "created_by, created_at) values (?, ?, ?, ?, ?, ?, true, ?, ?)",
            [schedule_id, name.strip() or report, report, frequency, recipients, _filters_json(filters), created_by,
             dt.datetime.now().replace(microsecond=0)],
        )
    return int(schedule_id)


def list_schedules(store: "Store", active_only: bool = False) -> list[Schedule]:
    with store.connect() as con:
        rows = con.execute(
            "select schedule_id, name, report, frequency, recipients, filters, active, created_by, created_at "
            "from report_schedules " + ("where active " if active_only else "") + "order by schedule_id"
        ).fetchall()
    return [Schedule(int(r[0]), r[1], r[2], r[3], tuple(r[4] or ()), _filters_of(r[5]), bool(r[6]), r[7], r[8])
            for r in rows]


def set_active(store: "Store", schedule_id: int, active: bool) -> None:
    with store._transaction(bump_version=False) as con:
        con.execute("update report_schedules set active = ? where schedule_id = ?", [bool(active), schedule_id])


def delete_schedule(store: "Store", schedule_id: int) -> None:
    """The schedule and its delivery history."""
    with store._transaction(bump_version=False) as con:
        con.execute("delete from report_deliveries where schedule_id = ?", [schedule_id])
        con.execute("delete from report_schedules where schedule_id = ?", [schedule_id])


def claimed_recipients(store: "Store", schedule_id: int, start: dt.date) -> set[str]:
    """Who already has a delivery row (any status) for this schedule and period."""
    with store.connect() as con:
        rows = con.execute("select recipient from report_deliveries where schedule_id = ? and period_start = ?",
                           [schedule_id, start]).fetchall()
    return {r[0] for r in rows}


def claim_delivery(store: "Store", schedule_id: int, start: dt.date, end: dt.date, recipient: str) -> bool:
    """Record, committed, that this (schedule, period, recipient) is being sent. False when any
    run already did (sent, failed for good, or interrupted): then it must not be sent."""
    with store._transaction(bump_version=False) as con:
        seen = con.execute(
            "select count(*) from report_deliveries where schedule_id = ? and period_start = ? and recipient = ?",
            [schedule_id, start, recipient],
        ).fetchone()[0]
        if seen:
            return False
        con.execute(
            "insert into report_deliveries (schedule_id, period_start, period_end, recipient, status, claimed_at) "
            "values (?, ?, ?, ?, 'enviando', ?)",
            [schedule_id, start, end, recipient, dt.datetime.now().replace(microsecond=0)],
        )
    return True


def finish_delivery(store: "Store", schedule_id: int, start: dt.date, recipient: str, detail: str | None) -> None:
    with store._transaction(bump_version=False) as con:
        con.execute(
            "update report_deliveries set status = 'enviado', sent_at = ?, detail = ? "
            "where schedule_id = ? and period_start = ? and recipient = ?",
            [dt.datetime.now().replace(microsecond=0), detail, schedule_id, start, recipient],
        )


def fail_delivery(store: "Store", schedule_id: int, start: dt.date, recipient: str, detail: str) -> None:
    """Not sent, and not to be retried for this period (no such user, no e-mail address)."""
    with store._transaction(bump_version=False) as con:
        con.execute(
            "update report_deliveries set status = 'falhou', detail = ? "
            "where schedule_id = ? and period_start = ? and recipient = ?",
            [detail, schedule_id, start, recipient],
        )


def release_delivery(store: "Store", schedule_id: int, start: dt.date, recipient: str) -> None:
    """The server refused the message (nothing went out): the next run tries again."""
    with store._transaction(bump_version=False) as con:
        con.execute(
            "delete from report_deliveries where schedule_id = ? and period_start = ? and recipient = ? "
            "and status = 'enviando'",
            [schedule_id, start, recipient],
        )


@dataclass(frozen=True)
class Delivery:
    schedule_id: int
    schedule_name: str | None
    period_start: dt.date
    period_end: dt.date
    recipient: str
    status: str
    claimed_at: dt.datetime
    sent_at: dt.datetime | None
    detail: str | None


def list_deliveries(store: "Store", limit: int = 200) -> list[Delivery]:
    with store.connect() as con:
        rows = con.execute(
            "select d.schedule_id, s.name, d.period_start, d.period_end, d.recipient, d.status, d.claimed_at, "
            "d.sent_at, d.detail from report_deliveries d left join report_schedules s using (schedule_id) "
            "order by d.claimed_at desc, d.schedule_id, d.recipient limit ?",
            [int(limit)],
        ).fetchall()
    return [Delivery(*row) for row in rows]
