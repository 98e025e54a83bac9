"""`export TABELA --format csv|xlsx|json [filtros]`: one summary table of the dashboard, from the store.

The table is computed by the same function as the page and the page's download
(`metrics.compute`), under the filters given here (operators and analysts by name, matched with
text.key; UFs; a city by name; status; period). json prints an array of row objects with the
English column names (numbers as numbers) to stdout; csv goes to stdout or --output; xlsx needs a
file (--output, or the Portuguese download name in the current folder). csv and xlsx carry the
machine keys and every column by default (for automation); `--labels` gives the people's version,
the same file as the page's download.

The CLI is an administrator's tool run on the server (whoever runs it can read the database file
anyway), so it exports every operator by default; `--user NOME` (or RETENTION_USER) applies that
dashboard user's operator restriction, to produce exactly a gestor's view. Personal data is masked
as on screen.

It must not define metrics or formats itself (metrics and export do) nor write to the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ._common import CommandError, open_db

TABLE_CHOICES = (
    "effectiveness_operator",
    "effectiveness_analyst",
    "reasons",
    "reason_categories",
    "reasons_controllable",
    "reasons_quarterly",
    "reasons_operator_category",
    "closure_times",
    "closure_distribution",
    "closure_boxes_operator",
    "closure_boxes_analyst",
    "sla",
    "open_by_age_band",
    "oldest_open_cases",
    "coverage_uf",
    "coverage_city",
    "coverage_gaps",
    "compliance",
    "compliance_sole_provider_cities",
    "actions",
    "requested_by",
    "monthly_outcomes",
    "monthly_outcomes_grid",
    "kpis",
    "cases",
    "quality_warnings",
    "quality_warning_messages",
    "quality_blank_fields",
    "quality_unmatched_cities",
    "quality_superseded",
    "quality_rejected",
    "work_queue",
    "work_queue_terminations",
)
_STATUS = ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "aberto")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"data inválida {text!r} (use AAAA-MM-DD)") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="exporta uma tabela do painel (csv, xlsx ou json)",
        description=(
            "Exporta uma tabela do painel com os mesmos números da tela. json: uma lista de objetos "
            "com os nomes de coluna em inglês, na saída padrão."
        ),
    )
    parser.add_argument("table", choices=TABLE_CHOICES, metavar="TABELA",
                        help="tabela: " + ", ".join(TABLE_CHOICES))
    parser.add_argument("--format", choices=("csv", "xlsx", "json"), default="csv",
                        help="formato (padrão: csv)")
    parser.add_argument("--output", "-o", metavar="ARQUIVO", default=None,
                        help="arquivo de saída (padrão: saída padrão para csv/json; nome do download para xlsx)")
    parser.add_argument("--operator", action="append", default=[], metavar="OPERADORA",
                        help="operadora (nome como escrito nos formulários; pode repetir)")
    parser.add_argument("--uf", action="append", default=[], metavar="UF", help="UF (pode repetir)")
    parser.add_argument("--city", action="append", default=[], metavar="CIDADE",
                        help='cidade: "Nome", "Nome/UF" ou "Nome (UF)" (pode repetir)')
    parser.add_argument("--analyst", action="append", default=[], metavar="ANALISTA",
                        help="analista (pode repetir)")
    parser.add_argument("--status", action="append", default=[], choices=_STATUS, metavar="STATUS",
                        help="status: " + ", ".join(_STATUS) + " (pode repetir)")
    parser.add_argument("--requested-by", action="append", default=[], metavar="DEMANDANTE",
                        help="demandado por (ex.: operadora, prestador; pode repetir)")
    parser.add_argument("--from", dest="start", type=_date, default=None, metavar="AAAA-MM-DD",
                        help="início do período (inclusive)")
    parser.add_argument("--to", dest="end", type=_date, default=None, metavar="AAAA-MM-DD",
                        help="fim do período (inclusive)")
    parser.add_argument("--period-basis", choices=("referencia", "final"), default="referencia",
                        help="data do período: referencia (início do caso, padrão) ou final (data final)")
    parser.add_argument("--user", default=None, metavar="USUÁRIO",
                        help="exporta só o que este usuário do painel pode ver (as operadoras dele); "
                             "padrão: RETENTION_USER, ou tudo (a linha de comando é uma ferramenta do administrador)")
    parser.add_argument("--labels", action="store_true",
                        help="a versão para pessoas, igual ao download da tela (csv/xlsx): só as colunas da tela, "
                             "cabeçalhos em português, números com as casas decimais da tela; sem ela, as chaves "
                             "em inglês e todas as colunas, para programas")
    parser.set_defaults(func=run)


def _user_scope(args: argparse.Namespace):
    """The users-file user whose view to export (--user or RETENTION_USER), or None for everything.

    The CLI runs on the server with direct access to the database file, so it is an administrator's
    tool; --user is for producing a gestor's own extract with exactly their restriction."""
    import os

    from .. import auth

    name = args.user or os.environ.get("RETENTION_USER")
    if not name:
        return None
    try:
        users = auth.load_users()
        user = users.get(auth.normalize_username(name))
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    if user is None:
        raise CommandError(f"Usuário {name!r} não encontrado no arquivo de usuários {auth.users_path()}.")
    return user


def _match_keys(given: list[str], options, what: str) -> tuple[str, ...]:
    from ..text import key

    known = dict(zip(options["value"], options["label"]))
    out = []
    for name in given:
        wanted = key(name)
        if wanted not in known:
            listed = ", ".join(sorted(known.values())[:20]) or "nenhum"
            raise CommandError(f"{what} {name!r} não encontrado(a) nos casos. Conhecidos: {listed}.")
        out.append(wanted)
    return tuple(out)


def _match_cities(given: list[str], options) -> tuple[str, ...]:
    import re

    from ..text import key

    out = []
    for raw in given:
        text = raw.strip()
        if text in set(options["value"]):
            out.append(text)
            continue
        uf = None
        match = re.fullmatch(r"(.+?)\s*(?:/|-|\()\s*([A-Za-z]{2})\)?", text)
        if match:
            text, uf = match.group(1), match.group(2).upper()
        found = [
            value
            for value, label, city_uf in zip(options["value"], options["label"], options["uf"])
            if key(re.sub(r"\s*\([A-Z]{2}\)$", "", str(label))) == key(text) and (uf is None or city_uf == uf)
        ]
        if not found:
            raise CommandError(f"Cidade {raw!r} não encontrada nos casos. Use \"Nome/UF\", ex.: \"João Monlevade/MG\".")
        out.extend(found)
    return tuple(out)


def run(args: argparse.Namespace) -> int:
    from .. import export, metrics
    from ..brazil import UFS
    from ..filters import Filters

    bad_ufs = [uf for uf in args.uf if uf.strip().upper() not in UFS]
    if bad_ufs:
        raise CommandError(f"UF inválida: {', '.join(bad_ufs)}.")
    store = open_db(args, must_exist=True)
    user = _user_scope(args)
    scope = user.restrict(Filters()) if user else Filters()
    options = metrics.filter_options(store, scope)
    filters = Filters(
        operators=_match_keys(args.operator, options["operators"], "Operadora"),
        analysts=_match_keys(args.analyst, options["analysts"], "Analista"),
        ufs=tuple(args.uf),
        cities=_match_cities(args.city, options["cities"]),
        outcomes=tuple(args.status),
        requested_by=tuple(args.requested_by),
        start=args.start,
        end=args.end,
        period_basis="finished" if args.period_basis == "final" else "reference",
    )
    if user is not None:
        filters = user.restrict(filters)  # part of every query's where(): nothing else leaks
    df = metrics.compute(args.table, store, filters)
    description = filters.describe(names=options["names"])
    data = export.export_bytes(df, args.table, args.format, description,
                               header="labels" if args.labels else "names")

    output = args.output
    if output is None and args.format == "xlsx":
        output = export.download_name(args.table, "xlsx")
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return 0
    path = Path(output).expanduser()
    path.write_bytes(data)
    print(f"{len(df)} linha(s) de “{export.table_title(args.table)}” gravada(s) em {path}", file=sys.stderr)
    return 0
