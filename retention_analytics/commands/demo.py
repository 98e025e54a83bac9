"""`demo --cases N --seed S [--out PASTA] [--db ARQUIVO]` and `demo --remove`: the demonstration.

Writes the demo corpus (retention_analytics.demo.write_corpus) into a folder, then ingests those
files through the same Store.ingest path as real forms, marked as the demo generator's
(`demo=True`: each document and case says so, see store/schema.sql), so the app can say it shows
invented data and log a local user in without a password while nothing real is there. It ends
with the database's counts named the way the app names them.

`--remove` deletes every demo document and case in one transaction and says how many; real ones
are never touched.

It must never destroy real data: the output folder is only wiped when it is the default one or was
written by this command before (marker file), and an existing database is only replaced when all it
holds is a demonstration; a database with any real row makes the command stop with an error.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ._common import CommandError, ProgressBar, db_path, pt_float, pt_int

MARKER = ".corpus_de_demonstracao"  # hidden: list_paths skips dot-files, so it is never ingested


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="gera formulários fictícios e um banco de demonstração",
        description=(
            "Gera formulários fictícios (todos os formatos aceitos) e importa-os num banco marcado como "
            "demonstração. Não mistura dados reais: recusa um banco que já tenha formulários reais."
        ),
    )
    parser.add_argument("--cases", type=int, default=3000, metavar="N", help="número de casos (padrão: 3000)")
    parser.add_argument("--seed", type=int, default=42, metavar="S", help="semente: mesma semente, mesmos arquivos (padrão: 42)")
    parser.add_argument("--out", default=None, metavar="PASTA", help="pasta dos formulários gerados (padrão: data/demo_forms)")
    parser.add_argument(
        "--remove", action="store_true",
        help="apaga do banco todos os formulários e casos de demonstração (nunca um real) e diz quantos",
    )
    parser.set_defaults(func=run)


def default_out_dir() -> Path:
    from ..store.store import REPO_ROOT

    return REPO_ROOT / "data" / "demo_forms"


def check_out_dir(out: Path, is_default: bool) -> None:
    """Refuse to wipe a folder this command did not write (checked before anything is deleted)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise CommandError(f"{out} existe e não é uma pasta; escolha outra com --out.")
    ours = is_default or (out / MARKER).exists()
    if not ours and any(out.iterdir()):
        raise CommandError(
            f"A pasta {out} não está vazia e não foi criada pelo comando demo; escolha uma pasta nova com --out."
        )


def recreate_out_dir(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / MARKER).write_text("Formulários fictícios gerados por `python -m retention_analytics demo`.\n", encoding="utf-8")


def check_db(path: Path) -> None:
    """Refuse a database holding any real row (or one we cannot read: it may be someone's data);
    an earlier demonstration, or an empty database, may be replaced."""
    if not path.exists():
        return
    from ..store import Store, StoreError

    store = Store(path)
    try:
        store.ensure_schema()  # an older file: its rows get their provenance first
        provenance = store.provenance()
    except StoreError as exc:
        raise CommandError(f"{exc} A demonstração não foi gerada; use outro arquivo, por exemplo: --db data/demo.duckdb") from None
    if not provenance.has_real:
        return
    real = provenance.real_documents or provenance.real_cases
    mixed = " e também a demonstração (remova-a com `demo --remove`)" if provenance.has_demo else ""
    raise CommandError(
        f"O banco {path} já tem dados reais ({pt_int(real)} formulários){mixed}. "
        "Para a demonstração use outro arquivo, por exemplo: --db data/demo.duckdb"
    )


def remove_db(path: Path) -> None:
    for stale in (path, Path(f"{path}.wal")):
        stale.unlink(missing_ok=True)


def headline(store) -> str:
    """The database's counts as the app names them: "3.102 formulários, 3.000 casos, 102 versões
    substituídas, 0 rejeitados; 412 formulários com avisos" — the last one is what Qualidade dos
    dados shows (current cases whose form had warnings), computed by the same metric."""
    from ..filters import Filters
    from ..metrics import quality

    stats = store.stats()
    with store.connect() as con:
        summary = quality(con, Filters(), limit=0)["summary"].iloc[0]
    return (
        f"{pt_int(stats['documents_total'])} formulários, {pt_int(stats['current_cases'])} casos, "
        f"{pt_int(stats['superseded_versions'])} versões substituídas, "
        f"{pt_int(stats['documents_by_status']['rejected'])} rejeitados; "
        f"{pt_int(int(summary['forms_with_warnings']))} formulários com avisos (como em Qualidade dos dados)"
    )


def run_remove(args: argparse.Namespace) -> int:
    from ..store import Store, StoreError

    path = db_path(args)
    if not path.exists():
        raise CommandError(f"O banco de dados {path} não existe; não há demonstração para remover.")
    store = Store(path)
    try:
        store.ensure_schema()
        removed = store.remove_demo()
        left = store.provenance()
    except StoreError as exc:
        raise CommandError(f"{exc} Nada foi apagado.") from None
    if not removed.has_demo:
        print(f"O banco {store.path} não tem demonstração; nada foi apagado.")
        return 0
    cases = removed.demo_cases - removed.demo_superseded
    print(
        f"Demonstração removida de {store.path}: {pt_int(removed.demo_documents)} formulários, {pt_int(cases)} casos "
        f"e {pt_int(removed.demo_superseded)} versões substituídas apagados, numa só transação."
    )
    real = left.real_documents or left.real_cases
    if real:
        print(f"Continuam no banco {pt_int(real)} formulários reais; o painel pede login para mostrá-los.")
    else:
        print("O banco está vazio. Importe os formulários reais com `ingest PASTA` ou pela página Importar.")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.remove:
        return run_remove(args)
    if args.cases < 1:
        raise CommandError("--cases precisa ser pelo menos 1.")
    try:
        from ..demo import write_corpus
    except ImportError as exc:
        raise CommandError(f"O gerador de demonstração não está disponível ({exc}).") from exc
    from ..forms.sources import iter_documents
    from ..store import open_store

    out = Path(args.out).expanduser() if args.out else default_out_dir()
    path = db_path(args)
    # Everything is checked before anything is deleted.
    check_out_dir(out, is_default=args.out is None)
    check_db(path)
    remove_db(path)
    recreate_out_dir(out)

    with ProgressBar("Gerando formulários") as bar:
        files = write_corpus(out, args.cases, args.seed, progress=bar)

    store = open_store(path)
    print(f"Banco de dados: {store.path}", file=sys.stderr)
    with ProgressBar("Importando formulários") as bar:
        summary = store.ingest(iter_documents(files), origin="demo", progress=bar, demo=True)
    rejected = [r for r in summary.results if r.status == "rejected"]
    for result in rejected[:10]:
        print(f"  rejeitado: {result.name}: {result.reason}")
    print(f"Demonstração pronta em {pt_float(summary.seconds)} s: {headline(store)}.")
    print(f"Formulários em {out}; banco {store.path}.")
    return 0
