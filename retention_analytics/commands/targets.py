"""`targets set|list`: the targets per operator (retention rate, share closed within 60 days).

    python -m retention_analytics targets set --operator ODONTOLIFE --retention 0.4 --closed-60 0.7
    python -m retention_analytics targets list
    python -m retention_analytics targets set --operator ODONTOLIFE --clear

The pages show each result against its target (docs/metrics.md, "Metas e alertas"). The CLI is the
administrator's tool on the server; the app's form ("Metas e alertas" page) is for admins only.
Shares are fractions (0.4 = 40%) or percentages with a % sign ("40%"). This module must not write SQL.
"""

from __future__ import annotations

import argparse

from ._common import CommandError, open_db


def _share(text: str) -> float:
    raw = (text or "").strip().replace(",", ".")
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"valor inválido {text!r} (use 0.4 ou 40%)") from None
    value = value / 100 if percent else value
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"valor fora de 0 a 1: {text!r} (use 0.4 ou 40%)")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "targets",
        help="metas por operadora (taxa de retenção, finalizados em até 60 dias)",
        description="Metas por operadora, mostradas nos indicadores e gráficos do painel contra o resultado.",
    )
    actions = parser.add_subparsers(dest="targets_action", metavar="AÇÃO", title="ações", required=True)
    setter = actions.add_parser("set", help="define (ou troca) as metas de uma operadora")
    setter.add_argument("--operator", required=True, metavar="OPERADORA",
                        help="a operadora, com o nome como escrito nos formulários")
    setter.add_argument("--retention", type=_share, default=None, metavar="META",
                        help="meta da taxa de retenção (0.4 ou 40%%)")
    setter.add_argument("--closed-60", dest="closed_60", type=_share, default=None, metavar="META",
                        help="meta da parcela de casos finalizados em até 60 dias (0.7 ou 70%%)")
    setter.add_argument("--clear", action="store_true", help="remove as metas da operadora")
    setter.set_defaults(func=run_set)
    listing = actions.add_parser("list", help="lista as metas")
    listing.set_defaults(func=run_list)


def run_set(args: argparse.Namespace) -> int:
    from .. import formatting as fmt
    from ..store import alerting

    if args.clear and (args.retention is not None or args.closed_60 is not None):
        raise CommandError("Use --clear sozinho, ou informe as metas com --retention e --closed-60.")
    if not args.clear and args.retention is None and args.closed_60 is None:
        raise CommandError("Informe ao menos uma meta: --retention 0.4 e/ou --closed-60 0.7 (ou --clear).")
    store = open_db(args, must_exist=True)
    with store.connect() as con:
        known = {k for (k,) in con.execute("select operator_key from operator_names").fetchall()}
    from ..text import key

    if key(args.operator) not in known:
        raise CommandError(f"Nenhum caso da operadora “{args.operator}” no banco. Confira o nome "
                           "(como escrito nos formulários; `stats` lista as operadoras).")
    alerting.set_target(store, args.operator, args.retention, args.closed_60, by="terminal")
    if args.clear:
        print(f"Metas de {args.operator} removidas.")
    else:
        parts = []
        if args.retention is not None:
            parts.append(f"retenção {fmt.percent(args.retention)}")
        if args.closed_60 is not None:
            parts.append(f"finalizados em até 60 dias {fmt.percent(args.closed_60)}")
        print(f"Metas de {args.operator}: " + "; ".join(parts) + ".")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from .. import formatting as fmt
    from ..store import alerting

    store = open_db(args, must_exist=True)
    rows = alerting.targets(store)
    if not rows:
        print("Nenhuma meta definida. Use `targets set --operator NOME --retention 0.4 --closed-60 0.7`.")
        return 0
    for row in rows:
        retention = fmt.percent(row["retention_rate"]) if row["retention_rate"] is not None else "sem meta"
        closed = fmt.percent(row["closed_within_60"]) if row["closed_within_60"] is not None else "sem meta"
        print(f"{row['operator']}: retenção {retention}; finalizados em até 60 dias {closed} "
              f"(definida por {row['set_by'] or 'desconhecido'} em {fmt.datetime(row['set_at'])})")
    return 0
