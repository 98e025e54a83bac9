"""`backup [DESTINO]` and `restore ARQUIVO [--sim]`: a consistent copy of the database, and back.

backup copies the DuckDB file under the store's write lock after a checkpoint (store/backup.py),
by default to data/backups/<banco>-AAAA-MM-DD-HHMMSS.duckdb, and checks the copy. restore checks
the backup first, keeps the current database as <banco>.bak and swaps the files; it asks before
replacing (or takes --sim). Both are server-side admin tools; this module must not write SQL.
"""

from __future__ import annotations

import argparse
import sys

from ._common import CommandError, db_path, open_db, pt_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="copia o banco de dados com segurança (consistente, mesmo com o app aberto)",
        description=(
            "Copia o banco de dados para DESTINO (padrão: data/backups/<banco>-AAAA-MM-DD-HHMMSS.duckdb). "
            "A cópia espera importações em andamento terminarem e é conferida antes de ganhar o nome final."
        ),
    )
    parser.add_argument("destination", nargs="?", default=None, metavar="DESTINO", help="arquivo do backup")
    parser.set_defaults(func=run_backup)

    restore = subparsers.add_parser(
        "restore",
        help="substitui o banco de dados por um backup (o atual fica como .bak)",
        description=(
            "Confere o backup e substitui o banco de dados por ele; o banco atual é guardado como "
            "<banco>.bak. Rode com ninguém importando formulários."
        ),
    )
    restore.add_argument("source", metavar="ARQUIVO", help="o backup a restaurar")
    restore.add_argument("--sim", action="store_true", help="não pergunta antes de substituir")
    restore.set_defaults(func=run_restore)


def _describe(facts: dict) -> str:
    demo = ", demonstração" if facts.get("is_demo") else ""
    return f"{pt_int(facts['documents'])} documento(s), {pt_int(facts['current_cases'])} caso(s) atuais{demo}"


def run_backup(args: argparse.Namespace) -> int:
    from ..store.backup import backup

    store = open_db(args, must_exist=True)
    facts = backup(store, args.destination)
    print(f"Backup gravado em {facts['path']}: {_describe(facts)}.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from ..store import Store
    from ..store.backup import inspect_backup, restore

    facts = inspect_backup(args.source)
    target = db_path(args)
    print(f"Backup {args.source}: {_describe(facts)}.", file=sys.stderr)
    if not args.sim:
        if not sys.stdin.isatty():
            raise CommandError("Confirme com --sim para substituir o banco de dados sem perguntar.")
        answer = input(f"Substituir {target} por este backup? O atual fica como {target.name}.bak [s/N] ")
        if answer.strip().lower() not in {"s", "sim", "y", "yes"}:
            print("Nada foi alterado.")
            return 1
    facts = restore(Store(target), args.source)
    previous = f" O banco anterior foi guardado em {facts['previous']}." if facts.get("previous") else ""
    print(f"Banco de dados {target} restaurado a partir de {args.source}: {_describe(facts)}.{previous}")
    return 0
