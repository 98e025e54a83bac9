"""`alerts rules add|list|remove`, `alerts evaluate`, `alerts list`: the alert rules and their alerts.

    python -m retention_analytics alerts rules add --kind caso_aberto_ha_dias --days 90 --to gestora@op.com.br
    python -m retention_analytics alerts evaluate        # what `report run-due` and every import do
    python -m retention_analytics alerts list

Rules live in the database (store/alerting.py); what each kind means is in alerts.py and
docs/metrics.md ("Metas e alertas"). Sending the e-mails is `report run-due`'s job (reports/mailer.py);
`alerts list` shows which were mailed. This module must not write SQL.
"""

from __future__ import annotations

import argparse
import datetime as dt

from ._common import CommandError, open_db, pt_int


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..store.alerting import RULE_KINDS

    parser = subparsers.add_parser(
        "alerts",
        help="regras de alerta e alertas disparados",
        description="Regras de alerta (com destinatários), a avaliação delas e os alertas disparados.",
    )
    actions = parser.add_subparsers(dest="alerts_action", metavar="AÇÃO", title="ações", required=True)
    rules = actions.add_parser("rules", help="regras de alerta")
    rule_actions = rules.add_subparsers(dest="rules_action", metavar="AÇÃO", title="ações", required=True)
    add = rule_actions.add_parser("add", help="cadastra uma regra")
    add.add_argument("--kind", required=True, choices=tuple(RULE_KINDS), metavar="TIPO",
                     help="tipo: " + "; ".join(f"{k} ({v})" for k, v in RULE_KINDS.items()))
    add.add_argument("--n", "--days", "--cases", dest="threshold", type=int, default=None, metavar="N",
                     help="o número da regra: tentativas (retenção, padrão 20), dias em aberto (padrão 90) ou "
                          "dias antes do prazo do aviso (padrão 10)")
    add.add_argument("--operator", default=None, metavar="OPERADORA", help="só esta operadora (padrão: todas)")
    add.add_argument("--to", action="append", default=[], metavar="E-MAIL", help="destinatário (pode repetir)")
    add.set_defaults(func=run_rule_add)
    listing = rule_actions.add_parser("list", help="lista as regras ativas")
    listing.set_defaults(func=run_rule_list)
    remove = rule_actions.add_parser("remove", help="desativa uma regra (os alertas dela ficam no histórico)")
    remove.add_argument("rule_id", type=int, metavar="NÚMERO")
    remove.set_defaults(func=run_rule_remove)
    evaluate = actions.add_parser("evaluate", help="avalia as regras agora e grava os alertas novos")
    evaluate.set_defaults(func=run_evaluate)
    shown = actions.add_parser("list", help="lista os alertas disparados, do mais novo ao mais antigo")
    shown.add_argument("--limit", type=int, default=50, metavar="N", help="quantos (padrão: 50)")
    shown.set_defaults(func=run_list)


def _describe(rule) -> str:
    from ..store.alerting import THRESHOLD_LABELS

    number = "" if rule.kind == "nova_lacuna" else f", N = {pt_int(rule.threshold)} {THRESHOLD_LABELS[rule.kind]}"
    where = rule.operator_key or "todas as operadoras"
    to = ", ".join(rule.recipients) or "sem destinatários (só no painel)"
    return f"#{rule.rule_id} {rule.label}{number} · {where} · para: {to}"


def run_rule_add(args: argparse.Namespace) -> int:
    from ..store import alerting

    store = open_db(args, must_exist=True)
    try:
        rule_id = alerting.add_rule(store, args.kind, args.threshold, args.to, operator=args.operator, by="terminal")
    except alerting.TargetError as exc:
        raise CommandError(str(exc)) from None
    rule = next(r for r in alerting.rules(store) if r.rule_id == rule_id)
    print(f"Regra cadastrada: {_describe(rule)}")
    return 0


def run_rule_list(args: argparse.Namespace) -> int:
    from ..store import alerting

    store = open_db(args, must_exist=True)
    found = alerting.rules(store)
    if not found:
        print("Nenhuma regra de alerta. Cadastre com `alerts rules add --kind TIPO`.")
    for rule in found:
        print(_describe(rule))
    return 0


def run_rule_remove(args: argparse.Namespace) -> int:
    from ..store import alerting

    store = open_db(args, must_exist=True)
    if not alerting.remove_rule(store, args.rule_id):
        raise CommandError(f"Nenhuma regra de número {args.rule_id} (veja `alerts rules list`).")
    print(f"Regra #{args.rule_id} desativada; os alertas dela continuam no histórico.")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from .. import alerts

    store = open_db(args, must_exist=True)
    new = alerts.evaluate_alerts(store, dt.datetime.now())
    print(f"{pt_int(len(new))} {'alerta novo' if len(new) == 1 else 'alertas novos'}.")
    for alert in reversed(new):
        print(f"- {alert['message']}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from .. import formatting as fmt
    from ..store import alerting

    store = open_db(args, must_exist=True)
    found = alerting.recent_alerts(store, limit=max(1, args.limit))
    if not found:
        print("Nenhum alerta disparado.")
    for alert in found:
        mailed = f"enviado em {fmt.datetime(alert['mailed_at'])}" if alert["mailed_at"] else "não enviado"
        print(f"{fmt.datetime(alert['fired_at'])} · {mailed} · {alert['message']}")
    return 0
