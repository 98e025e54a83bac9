"""Targets per operator, alert rules and the alerts they fired: their rows in the store.

    set_target(store, "ODONTOLIFE", retention_rate=0.4, closed_within_60=0.7, by="chefe")
    add_rule(store, "caso_aberto_ha_dias", 90, ["gestora@operadora.com.br"], operator="ODONTOLIFE")
    fire(store, [NewAlert(rule_id, "caso_aberto_ha_dias", "k123", ...)], now)   # once per subject
    pending_mail(store); mark_mailed(store, [1, 2], now)

Targets change numbers on the pages (the delta against the target), so setting one bumps the data
version like any write; rules and alerts do not (no summary reads them: the pages read them
straight from here). Every write is one transaction; values are bound parameters.

What an alert means and when it fires is alerts.py's job (docs/metrics.md, "Metas e alertas");
this module must not evaluate anything, import streamlit or format numbers for people.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..text import key
from .store import StoreError

if TYPE_CHECKING:
    from .store import Store

# The kinds of rule, their Portuguese names and what their number means (docs/metrics.md).
RULE_KINDS: dict[str, str] = {
    "retencao_abaixo_da_meta": "Retenção abaixo da meta",
    "caso_aberto_ha_dias": "Caso aberto há mais de N dias",
    "nova_lacuna": "Nova cidade com lacuna de cobertura",
    "aviso_pendente": "Desligamento sem aviso perto do prazo",
}
THRESHOLD_LABELS: dict[str, str] = {
    "retencao_abaixo_da_meta": "últimas tentativas finalizadas",
    "caso_aberto_ha_dias": "dias em aberto",
    "nova_lacuna": "(sem número)",
    "aviso_pendente": "dias antes do prazo do aviso",
}
DEFAULT_THRESHOLDS: dict[str, int] = {
    "retencao_abaixo_da_meta": 20,
    "caso_aberto_ha_dias": 90,
    "nova_lacuna": 0,
    "aviso_pendente": 10,
}
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class TargetError(StoreError):
    """A target or rule that cannot be stored, worded for users."""


def _now(now: dt.datetime | None = None) -> dt.datetime:
    return (now or dt.datetime.now()).replace(microsecond=0)


def _share(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TargetError(f"{what}: {value!r} não é um número. Use uma fração entre 0 e 1 (ex.: 0.4 para 40%).") from None
    if math.isnan(number) or not 0 <= number <= 1:
        raise TargetError(f"{what}: {value!r} está fora de 0 a 1. Use uma fração (ex.: 0.4 para 40%).")
    return number


# --------------------------------------------------------------------------- targets
def set_target(store: "Store", operator: str, retention_rate: float | None = None,
               closed_within_60: float | None = None, by: str | None = None,
               now: dt.datetime | None = None) -> str:
    """Set (or replace) an operator's targets; None leaves that number without a target. Returns
    the operator key. Both None removes the operator's targets."""
    operator_key = key(operator or "")
    if not operator_key:
        raise TargetError("Informe a operadora (o nome como escrito nos formulários).")
    retention = _share(retention_rate, "Meta de retenção")
    closed = _share(closed_within_60, "Meta de finalizados em até 60 dias")
    with store._transaction() as con:
        if retention is None and closed is None:
            con.execute("delete from operator_targets where operator_key = ?", [operator_key])
        else:
            con.execute(
                """
                insert into operator_targets (operator_key, operator, retention_rate, closed_within_60, set_by, set_at)
                values (?, ?, ?, ?, ?, ?)
                on conflict (operator_key) do update set operator = excluded.operator,
                    retention_rate = excluded.retention_rate, closed_within_60 = excluded.closed_within_60,
                    set_by = excluded.set_by, set_at = excluded.set_at
                """,
                [operator_key, operator.strip(), retention, closed, by, _now(now)],
            )
    return operator_key


def targets(store: "Store", allowed_operators: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """Every target (operator_key, operator, retention_rate, closed_within_60, set_by, set_at),
    by operator name; only `allowed_operators` when given."""
    with store.connect() as con:
        result = con.execute("select * from operator_targets order by operator, operator_key")
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, r)) for r in result.fetchall()]
    return [r for r in rows if allowed_operators is None or r["operator_key"] in allowed_operators]


# --------------------------------------------------------------------------- rules
def parse_recipients(recipients: Iterable[str] | str) -> list[str]:
    """E-mail addresses from a list or a text separated by commas, semicolons or spaces; raises
    TargetError naming the first one that is not an address."""
    if isinstance(recipients, str):
        recipients = re.split(r"[,;\s]+", recipients)
    out: list[str] = []
    for raw in recipients:
        address = (raw or "").strip().lower()
        if not address:
            continue
        if not _EMAIL.match(address):
            raise TargetError(f"“{raw}” não é um endereço de e-mail (ex.: gestora@operadora.com.br).")
        if address not in out:
            out.append(address)
    return out


@dataclass(frozen=True)
class Rule:
    rule_id: int
    kind: str
    operator_key: str | None
    threshold: int
    recipients: tuple[str, ...]
    active: bool
    created_by: str | None
    created_at: dt.datetime

    @property
    def label(self) -> str:
        return RULE_KINDS.get(self.kind, self.kind)


def add_rule(store: "Store", kind: str, threshold: int | None, recipients: Iterable[str] | str = (),
             operator: str | None = None, by: str | None = None, now: dt.datetime | None = None) -> int:
    """Store a new rule; returns its id. `operator` None: every operator."""
    if kind not in RULE_KINDS:
        raise TargetError(f"Tipo de alerta desconhecido: {kind!r} (use {', '.join(RULE_KINDS)}).")
    number = DEFAULT_THRESHOLDS[kind] if threshold is None else threshold
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise TargetError(f"O número da regra deve ser inteiro, não {threshold!r}.") from None
    if kind != "nova_lacuna" and number < 1:
        raise TargetError(f"O número da regra ({THRESHOLD_LABELS[kind]}) deve ser ao menos 1.")
    addresses = parse_recipients(recipients)
    operator_key = key(operator) if operator else None
    with store._transaction(bump_version=False) as con:
        rule_id = con.execute("select nextval('alert_rule_id_seq')").fetchone()[0]
        con.execute(
            "insert into alert_rules (rule_id, kind, operator_key, threshold, recipients, active, created_by, created_at) "
            "values (?, ?, ?, ?, ?, true, ?, ?)",
            [rule_id, kind, operator_key or None, number, ", ".join(addresses), by, _now(now)],
        )
    return int(rule_id)


def remove_rule(store: "Store", rule_id: int) -> bool:
    """Switch a rule off (its alerts stay, as history); False when there is no such rule."""
    with store._transaction(bump_version=False) as con:
        found = con.execute("select count(*) from alert_rules where rule_id = ?", [int(rule_id)]).fetchone()[0]
        if found:
            con.execute("update alert_rules set active = false where rule_id = ?", [int(rule_id)])
    return bool(found)


def rules(store: "Store", active_only: bool = True) -> list[Rule]:
    with store.connect() as con:
        rows = con.execute(
            "select rule_id, kind, operator_key, threshold, recipients, active, created_by, created_at "
            "from alert_rules where active or not $active_only order by rule_id",
            {"active_only": active_only},
        ).fetchall()
    return [Rule(int(r[0]), r[1], r[2], int(r[3]), tuple(a for a in (r[4] or "").split(", ") if a), bool(r[5]),
                 r[6], r[7]) for r in rows]


# --------------------------------------------------------------------------- alerts
@dataclass(frozen=True)
class NewAlert:
    """An alert a rule raises now; stored only if (rule_id, subject_key) never fired before."""

    rule_id: int
    kind: str
    subject_key: str
    message: str
    operator_key: str | None = None
    case_id: int | None = None
    city_id: str | None = None


ALERT_COLUMNS = ("alert_id", "rule_id", "kind", "subject_key", "operator_key", "case_id", "city_id", "message",
                 "fired_at", "mailed_at", "resolved_at")


def fire(store: "Store", new: list[NewAlert], now: dt.datetime | None = None,
         resolve: Iterable[tuple[int, str]] = ()) -> list[dict[str, Any]]:
    """Store the alerts not fired before (one transaction; a subject already fired by the same
    rule is skipped, so running twice fires nothing twice) and mark the `resolve` (rule_id,
    subject_key) pairs resolved. Returns the rows stored now."""
    when = _now(now)
    resolve = list(resolve)
    if not new and not resolve:
        return []
    with store._transaction(bump_version=False) as con:
        for rule_id, subject in resolve:
            con.execute("update alerts set resolved_at = ? where rule_id = ? and subject_key = ? and resolved_at is null",
                        [when, int(rule_id), subject])
        stored: list[int] = []
        for alert in new:
            row = con.execute(
                """
                insert into alerts (alert_id, rule_id, kind, subject_key, operator_key, case_id, city_id, message, fired_at)
                values (nextval('alert_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (rule_id, subject_key) do nothing
                returning alert_id
                """,
                [alert.rule_id, alert.kind, alert.subject_key, alert.operator_key, alert.case_id, alert.city_id,
                 alert.message, when],
            ).fetchone()
            if row:
                stored.append(int(row[0]))
        return _select(con, "where list_contains($ids, alert_id)", {"ids": stored}) if stored else []


def _select(con: Any, where: str, params: dict[str, Any], limit: int | None = None) -> list[dict[str, Any]]:
    # `where` is one of this module's constant clauses; values are bound.
    sql = (f"select {', '.join(ALERT_COLUMNS)} from alerts {where} order by fired_at desc, alert_id desc"  # noqa: S608
           + (" limit $limit" if limit is not None else ""))
    if limit is not None:
        params = {**params, "limit": int(limit)}
    result = con.execute(sql, params)
    return [dict(zip(ALERT_COLUMNS, r)) for r in result.fetchall()]


def fired_subjects(store: "Store") -> dict[int, dict[str, dt.datetime | None]]:
    """rule_id → {subject_key: resolved_at} of every alert fired so far."""
    with store.connect() as con:
        rows = con.execute("select rule_id, subject_key, resolved_at from alerts").fetchall()
    out: dict[int, dict[str, dt.datetime | None]] = {}
    for rule_id, subject, resolved in rows:
        out.setdefault(int(rule_id), {})[subject] = resolved
    return out


def recent_alerts(store: "Store", allowed_operators: frozenset[str] | None = None,
                  since: dt.datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest alerts first; only those of `allowed_operators` when given (an alert of no
    operator, such as a city's, is shown only to those who see every operator), only those fired
    after `since` when given."""
    clauses, params = ["true"], {}
    if allowed_operators is not None:
        clauses.append("list_contains($allowed, operator_key)")
        params["allowed"] = sorted(allowed_operators) or [""]
    if since is not None:
        clauses.append("fired_at > $since")
        params["since"] = since
    with store.connect() as con:
        return _select(con, "where " + " and ".join(clauses), params, limit)


def pending_mail(store: "Store") -> list[dict[str, Any]]:
    """Alerts not mailed yet, each with its rule's `recipients` (a tuple of addresses), oldest first."""
    by_rule = {r.rule_id: r for r in rules(store, active_only=False)}
    with store.connect() as con:
        rows = _select(con, "where mailed_at is null", {})
    rows.reverse()
    for row in rows:
        rule = by_rule.get(int(row["rule_id"]))
        row["recipients"] = rule.recipients if rule else ()
    return rows


def mark_mailed(store: "Store", alert_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Record that these alerts were mailed (only those not marked yet); returns how many."""
    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        return 0
    with store._transaction(bump_version=False) as con:
        rows = con.execute(
            "update alerts set mailed_at = $when where list_contains($ids, alert_id) and mailed_at is null "
            "returning alert_id",
            {"ids": ids, "when": _now(now)},
        )
        return len(rows.fetchall())


def unmark_mailed(store: "Store", alert_ids: Iterable[int]) -> None:
    """Undo `mark_mailed` for alerts whose e-mail could not be sent (they go out next time)."""
    ids = sorted({int(i) for i in alert_ids})
    if ids:
        with store._transaction(bump_version=False) as con:
            con.execute("update alerts set mailed_at = null where list_contains($ids, alert_id)", {"ids": ids})
