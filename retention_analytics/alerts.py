"""Alert rules evaluated against the store, and the e-mail that tells their recipients.

    new = evaluate_alerts(store, now)          # after each import, and by `report run-due`
    subject, body = compose_mail(new)          # pt-BR, for mailer.send_message
    for mail in outbox(store): ...             # unmailed alerts grouped by recipients
    deliver(store, send, now)                  # claim, send, and never send one twice

The four kinds (docs/metrics.md, "Metas e alertas"), each over one operator or every operator:
- retencao_abaixo_da_meta: the retention rate over the operator's last N attempts is below its
  target (only once N attempts exist). One alert per episode: none again until the rate is back
  at the target (the episode is then resolved), then a new one if it falls again.
- caso_aberto_ha_dias: an open case older than N days (today − reference date). Once per case.
- nova_lacuna: a city where the operator's terminations took every listed CRO (the coverage gap
  of metrics.md, over all periods). Once per operator and city.
- aviso_pendente: a termination with no notice recorded when its notice deadline (exit date − 30
  days) is N days away or less, passed included. Once per case.

Each alert is stored once per (rule, subject) (store/alerting.fire), with `mailed_at` null until
mailed; every alert names its operator, so a gestor sees only their operators' alerts, on the
home page and by e-mail (`outbox` leaves out what a recipient who is a restricted user may not read). The texts
name operators, protocols and cities, never a dentist, a CPF or a phone.

It must not import streamlit or send mail itself (reports/mailer.py does: `deliver` takes the
sending function).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import formatting as fmt
from .filters import Filters
from .metrics import coverage_city, compliance, operator_targets, retention_last_n, work_queue
from .store import alerting
from .store.alerting import RULE_KINDS, NewAlert, Rule

if TYPE_CHECKING:
    from .store import IngestSummary, Store

APP_NAME = "Painel de Retenção"
MAX_LINES_PER_KIND = 50  # an e-mail lists at most this many alerts of one kind, then "e mais N"


def _place(city: Any, uf: Any) -> str:
    parts = [str(v) for v in (city, uf) if not fmt.is_missing(v)]
    return " – ".join(parts) if parts else "cidade não informada"


def _protocol(row: Any) -> str:
    number = getattr(row, "protocol_number", None)
    return str(number) if not fmt.is_missing(number) else f"caso {int(row.case_id)}"


def _subject_of_case(row: Any) -> str:
    number = getattr(row, "protocol_number", None)
    return f"protocolo:{number}" if not fmt.is_missing(number) else f"caso:{int(row.case_id)}"


def _operators(rule: Rule, known: Iterable[str]) -> list[str]:
    return [rule.operator_key] if rule.operator_key else sorted(set(known))


# --------------------------------------------------------------------------- evaluation
@dataclass
class _Facts:
    """What the rules read, computed once per evaluation on one read-only connection."""

    targets: pd.DataFrame
    retention: dict[int, pd.DataFrame]
    queue: pd.DataFrame
    compliance: pd.DataFrame
    gaps: dict[str, pd.DataFrame]
    operators: list[str]


def _facts(store: "Store", active: list[Rule], today: dt.date) -> _Facts:
    with store.connect() as con:
        operators = [r[0] for r in con.execute(
            "select operator_key from operator_names where operator_key is not null order by 1").fetchall()]
        kinds = {r.kind for r in active}
        targets = operator_targets(con, Filters())
        retention = {n: retention_last_n(con, Filters(), n=n)
                     for n in sorted({r.threshold for r in active if r.kind == "retencao_abaixo_da_meta"})}
        queue = work_queue(con, Filters(), as_of=today) if "caso_aberto_ha_dias" in kinds else pd.DataFrame()
        rows = compliance(con, Filters(), as_of=today) if "aviso_pendente" in kinds else pd.DataFrame()
        gaps: dict[str, pd.DataFrame] = {}
        if "nova_lacuna" in kinds:
            wanted = set()
            for rule in (r for r in active if r.kind == "nova_lacuna"):
                wanted |= set(_operators(rule, operators))
            for operator in sorted(wanted):
                cities = coverage_city(con, Filters(operators=(operator,)))
                gaps[operator] = cities[cities["gap"]]
    return _Facts(targets, retention, queue, rows, gaps, operators)


def _retention_rule(rule: Rule, facts: _Facts, fired: dict[str, Any]) -> tuple[list[NewAlert], list[str]]:
    goals = facts.targets.set_index("operator_key")["target_retention_rate"] if not facts.targets.empty else {}
    window = facts.retention.get(rule.threshold, pd.DataFrame())
    by_operator = {r.operator_key: r for r in window.itertuples()} if not window.empty else {}
    new, resolve = [], []
    for operator in _operators(rule, facts.operators):
        goal = goals.get(operator) if len(goals) else None
        row = by_operator.get(operator)
        if goal is None or fmt.is_missing(goal) or row is None or int(row.attempts) < rule.threshold:
            continue  # no target, or not yet N attempts: nothing to say
        episodes = {s: r for s, r in fired.items() if s.split("#")[0] == operator}
        open_episode = next((s for s, resolved in episodes.items() if resolved is None), None)
        if float(row.retention_rate) < float(goal):
            if open_episode is None:
                new.append(NewAlert(
                    rule.rule_id, rule.kind, f"{operator}#{len(episodes) + 1}",
                    f"{row.operator}: retenção de {fmt.percent(row.retention_rate)} nas últimas "
                    f"{fmt.integer(row.attempts)} tentativas finalizadas ({fmt.date(row.first_finished_on)} a "
                    f"{fmt.date(row.last_finished_on)}), abaixo da meta de {fmt.percent(goal)}.",
                    operator_key=operator, case_id=int(row.newest_case_id)))
        elif open_episode is not None:
            resolve.append(open_episode)
    return new, resolve


def _open_case_rule(rule: Rule, facts: _Facts) -> list[NewAlert]:
    queue = facts.queue
    if queue.empty:
        return []
    scope = set(_operators(rule, facts.operators))
    late = queue[queue["age_days"].notna() & (queue["age_days"] > rule.threshold) & queue["operator_key"].isin(scope)]
    return [
        NewAlert(rule.rule_id, rule.kind, _subject_of_case(r),
                 f"Caso {_protocol(r)} ({r.operator}, {_place(r.city, r.uf)}"
                 + (f", analista {r.analyst}" if not fmt.is_missing(r.analyst) else "")
                 + f") está em aberto há {fmt.integer(r.age_days)} dias (desde {fmt.date(r.reference_date)}).",
                 operator_key=r.operator_key, case_id=int(r.case_id))
        for r in late.itertuples()
    ]


def _gap_rule(rule: Rule, facts: _Facts, names: dict[str, str]) -> list[NewAlert]:
    out = []
    for operator in _operators(rule, facts.operators):
        for r in facts.gaps.get(operator, pd.DataFrame()).itertuples():
            listed = "" if fmt.is_missing(r.listed_cros) else f" de {fmt.integer(r.listed_cros)}"
            lives = "" if fmt.is_missing(r.lives) else f"; {fmt.integer(r.lives)} vidas na cidade"
            out.append(NewAlert(
                rule.rule_id, rule.kind, f"{operator}|{r.city_id}",
                f"Nova lacuna de cobertura em {_place(r.city, r.uf)} ({names.get(operator, operator)}): "
                f"{fmt.integer(r.cros_lost)}{listed} CROs divulgados perdidos{lives}.",
                operator_key=operator, city_id=str(r.city_id)))
    return out


def _notice_rule(rule: Rule, facts: _Facts) -> list[NewAlert]:
    rows = facts.compliance
    if rows.empty:
        return []
    scope = set(_operators(rule, facts.operators))
    due = rows[(rows["notice_status"] == "sem_aviso") & rows["days_to_notice_due"].notna()
               & (rows["days_to_notice_due"] <= rule.threshold) & rows["operator_key"].isin(scope)]
    out = []
    for r in due.itertuples():
        left = int(r.days_to_notice_due)
        when = ("vence hoje" if left == 0 else f"faltam {fmt.integer(left)} dias" if left > 0
                else f"venceu há {fmt.integer(-left)} dias")
        out.append(NewAlert(
            rule.rule_id, rule.kind, _subject_of_case(r),
            f"Desligamento {_protocol(r)} ({r.operator}, {_place(r.city, r.uf)}) sem aviso aos beneficiários: "
            f"o aviso deve sair até {fmt.date(r.notice_due)} ({when}); saída da rede em {fmt.date(r.exit_date)}.",
            operator_key=r.operator_key, case_id=int(r.case_id)))
    return out


def evaluate_alerts(store: "Store", now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Evaluate every active rule at `now` (default: now) and store the alerts not fired before;
    returns those new alerts (rows of store/alerting.ALERT_COLUMNS, newest first). Running it
    again fires nothing twice. Nothing to do (no database, no rule): []."""
    when = (now or dt.datetime.now()).replace(microsecond=0)
    if not store.path.exists():
        return []
    active = alerting.rules(store)
    if not active:
        return []
    facts = _facts(store, active, when.date())
    names = (dict(zip(facts.targets["operator_key"], facts.targets["operator"])) if not facts.targets.empty else {})
    if not facts.queue.empty:
        names |= dict(zip(facts.queue["operator_key"], facts.queue["operator"]))
    with store.connect() as con:
        names |= dict(con.execute("select operator_key, operator_name from operator_names").fetchall())
    fired = alerting.fired_subjects(store)
    new: list[NewAlert] = []
    resolve: list[tuple[int, str]] = []
    for rule in active:
        if rule.kind == "retencao_abaixo_da_meta":
            found, ended = _retention_rule(rule, facts, fired.get(rule.rule_id, {}))
            new += found
            resolve += [(rule.rule_id, s) for s in ended]
        elif rule.kind == "caso_aberto_ha_dias":
            new += _open_case_rule(rule, facts)
        elif rule.kind == "nova_lacuna":
            new += _gap_rule(rule, facts, names)
        elif rule.kind == "aviso_pendente":
            new += _notice_rule(rule, facts)
    already = {(rid, s) for rid, subjects in fired.items() for s in subjects}
    new = [a for a in new if (a.rule_id, a.subject_key) not in already]
    return alerting.fire(store, new, when, resolve=resolve)


def after_import(store: "Store", summary: "IngestSummary", now: dt.datetime | None = None
                 ) -> tuple[list[dict[str, Any]], str | None]:
    """The import path's hook (CLI ingest, the Importar page): evaluate the rules when the batch
    stored a case. Returns (new alerts, None), or ([], the reason in Portuguese) when the
    evaluation failed: the import itself is already committed and stays so."""
    if not summary.new:
        return [], None
    try:
        return evaluate_alerts(store, now), None
    except Exception as exc:  # noqa: BLE001 - the forms are stored; a failed evaluation must not say otherwise
        return [], (f"Os formulários foram importados, mas os alertas não puderam ser avaliados agora "
                    f"({type(exc).__name__}: {exc}). Eles serão avaliados na próxima importação ou em `report run-due`.")


# --------------------------------------------------------------------------- e-mail
def compose_mail(alerts: list[dict[str, Any]]) -> tuple[str, str]:
    """(subject, body) in Portuguese for these alerts, grouped by kind, oldest first within each."""
    count = len(alerts)
    subject = f"{APP_NAME}: {fmt.integer(count)} {'alerta novo' if count == 1 else 'alertas novos'}"
    lines = ["Olá,", "",
             f"O {APP_NAME} registrou {fmt.integer(count)} {'alerta novo' if count == 1 else 'alertas novos'}:"]
    for kind, title in RULE_KINDS.items():
        mine = sorted((a for a in alerts if a.get("kind") == kind), key=lambda a: (a.get("fired_at") or dt.datetime.min,
                                                                               a.get("alert_id") or 0))
        if not mine:
            continue
        lines += ["", f"{title} ({fmt.integer(len(mine))}):"]
        lines += [f"- {a['message']}" for a in mine[:MAX_LINES_PER_KIND]]
        if len(mine) > MAX_LINES_PER_KIND:
            lines.append(f"- e mais {fmt.integer(len(mine) - MAX_LINES_PER_KIND)} (veja a página inicial do painel).")
    first = min((a.get("fired_at") for a in alerts if a.get("fired_at")), default=None)
    lines += ["", "Os alertas também aparecem na página inicial do painel (Visão geral)."
              + (f" Primeiro alerta desta mensagem: {fmt.datetime(first)}." if first else ""),
              "", "Mensagem automática do Painel de Retenção; as regras de alerta são definidas por um administrador "
                  "na página Metas e alertas."]
    return subject, "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Outgoing:
    """One e-mail to send: its recipients, the text, and the alerts it tells."""

    recipients: tuple[str, ...]
    subject: str
    body: str
    alert_ids: tuple[int, ...]


def _allowed(recipient: str, operator_key: str | None, scopes: Mapping[str, frozenset[str] | None]) -> bool:
    """May `recipient` read an alert of `operator_key`? An address of a dashboard user who sees only
    some operators (users file `email`) gets only theirs; any other address is the admin's choice."""
    if recipient not in scopes:
        return True
    scope = scopes[recipient]
    return scope is None or (operator_key is not None and operator_key in scope)


def outbox(store: "Store", users: Mapping[str, Any] | None = None) -> list[Outgoing]:
    """The alerts not mailed yet, one e-mail per set of recipients. A recipient whose address is a
    gestor's or analista's in the users file (auth.py; `users`, default the users file) gets only
    the alerts of their operators, so an alert goes to the recipients of its rule allowed to read
    it, and each alert is in exactly one e-mail. Alerts of rules without recipients are only listed
    on the home page, never mailed. An unreadable users file raises (auth.AuthError): nothing is
    sent rather than sent to the wrong person."""
    if users is None:
        from .auth import load_users

        users = load_users()
    scopes = {u.email: u.scope for u in users.values() if getattr(u, "email", None)}
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for alert in alerting.pending_mail(store):
        allowed = tuple(r for r in alert["recipients"] if _allowed(r, alert["operator_key"], scopes))
        if allowed:
            groups.setdefault(allowed, []).append(alert)
    out = []
    for recipients, alerts in groups.items():
        subject, body = compose_mail(alerts)
        out.append(Outgoing(recipients, subject, body, tuple(int(a["alert_id"]) for a in alerts)))
    return out


def deliver(store: "Store", send: Callable[[list[str], str, str], None], now: dt.datetime | None = None,
            users: Mapping[str, Any] | None = None) -> int:
    """Send every e-mail of `outbox` with `send(recipients, subject, body)`; returns how many were
    sent. Each e-mail's alerts are marked mailed *before* it is sent and unmarked if sending raises,
    so a crash in between never sends the same alert twice (it may leave one unsent, marked: the
    home page still lists it). The first error is raised after the others were tried."""
    sent, error = 0, None
    for mail in outbox(store, users):
        if not alerting.mark_mailed(store, mail.alert_ids, now):
            continue  # another run claimed them first
        try:
            send(list(mail.recipients), mail.subject, mail.body)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - the next e-mail still goes; this one is retried next time
            alerting.unmark_mailed(store, mail.alert_ids)
            error = error or exc
    if error is not None:
        raise error
    return sent


__all__ = ["Outgoing", "after_import", "compose_mail", "deliver", "evaluate_alerts", "outbox"]
