"""`synth --cases N [--seed S] [--db ARQUIVO]`: a demonstration store of N synthetic cases, in bulk.

For load tests and benchmarks at national scale (a million cases in seconds): the cases are drawn
with the demo corpus's distributions (retention_analytics.demo.synth) and written straight into
the store in one transaction, without form files or documents. The store is marked is_demo=true
and its data_version bumped, so the app says it shows invented data and recomputes.

It must never destroy real data: like `demo`, it replaces only a database that is itself a
demonstration (or has no documents), and refuses one holding real documents.
"""

from __future__ import annotations

import argparse
import sys
import time

from ._common import CommandError, db_path, pt_float, pt_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="gera um banco de demonstração com N casos sintéticos (em massa, sem formulários)",
        description=(
            "Gera N casos fictícios com as distribuições da demonstração e grava-os direto no banco, "
            "em massa (sem arquivos de formulário). Para testes de carga: um milhão de casos em segundos. "
            "Recusa um banco que já tenha formulários reais."
        ),
    )
    parser.add_argument("--cases", type=int, required=True, metavar="N", help="número de casos")
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="semente: mesma semente, mesmos casos (padrão: 42)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.cases < 1:
        raise CommandError("--cases precisa ser pelo menos 1.")
    from ..demo.synth import synthesize
    from ..store import open_store
    from .demo import check_db, remove_db

    path = db_path(args)
    check_db(path)  # before anything is deleted: a database with real documents stays untouched
    remove_db(path)
    started = time.perf_counter()
    tables = synthesize(args.cases, args.seed)
    drawn = time.perf_counter()
    store = open_store(path)
    store.bulk_insert_cases(tables, origin="demo", is_demo=True)
    written = time.perf_counter()
    cases = tables["cases"]
    current = cases.filter(cases["is_current"]).num_rows
    print(f"Banco de dados: {store.path}", file=sys.stderr)
    print(
        f"Casos sintéticos: {pt_int(current)} casos atuais e {pt_int(cases.num_rows - current)} versões anteriores, "
        f"{pt_int(tables['case_contacts'].num_rows)} contatos, {pt_int(tables['case_reasons'].num_rows)} motivos, "
        f"{pt_int(tables['case_actions'].num_rows)} ações."
    )
    seconds = written - started
    print(
        f"Gerados em {pt_float(drawn - started)} s e gravados em {pt_float(written - drawn)} s "
        f"({pt_int(round(cases.num_rows / seconds))} casos/s). Banco marcado como demonstração."
    )
    return 0
