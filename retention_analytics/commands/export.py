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
import sys
from pathlib import Path

from ..metrics.tables import TABLES
from ._common import add_filter_arguments, filters_from_args, open_db

# Every exportable table of the catalogue (metrics.TABLES), in its order: a table added there
# is exportable here with no edit.
TABLE_CHOICES = tuple(TABLES)


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
    add_filter_arguments(parser, what="exporta")
    parser.add_argument("--labels", action="store_true",
                        help="a versão para pessoas, igual ao download da tela (csv/xlsx): só as colunas da tela, "
                             "cabeçalhos em português, números com as casas decimais da tela; sem ela, as chaves "
                             "em inglês e todas as colunas, para programas")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import export, metrics

    store = open_db(args, must_exist=True)
    filters, names = filters_from_args(args, store)
    df = metrics.compute(args.table, store, filters)
    description = filters.describe(names=names)
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
