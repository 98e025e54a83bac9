"""`demo --cases N --seed S [--out PASTA] [--db ARQUIVO]`: a demonstration database from invented forms.

Writes the demo corpus (retention_analytics.demo.write_corpus) into a folder, then ingests those
files through the same Store.ingest path as real forms (origin 'demo') and marks the database
is_demo=true so the app can say it is showing invented data.

It must never destroy real data: the output folder is only wiped when it is the default one or was
written by this command before (marker file), and an existing database is only replaced when it is
itself a demonstration; a database with real documents makes the command stop with an error.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from ._common import CommandError, ProgressBar, db_path, pt_int

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
    """Refuse a database holding real documents; an earlier demonstration (or an empty one) may go."""
    if not path.exists():
        return
    from ..store import Store

    store = Store(path)
    if store.is_demo():
        return
    with store.connect() as con:
        try:
            documents = con.execute("select count(*) from documents").fetchone()[0]
        except Exception:  # noqa: BLE001 - not our schema: treat it as someone else's data
            documents = None
    if documents == 0:
        return
    raise CommandError(
        f"O banco {path} já tem dados reais ({pt_int(documents) if documents is not None else '?'} documentos). "
        "Para a demonstração use outro arquivo, por exemplo: --db data/demo.duckdb"
    )


def remove_db(path: Path) -> None:
    for stale in (path, Path(f"{path}.wal")):
        stale.unlink(missing_ok=True)


def run(args: argparse.Namespace) -> int:
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
    # Marked before ingesting: should the import fail halfway, the file is still known to be a
    # demonstration and the next `demo` may replace it.
    store.set_meta("is_demo", "true")
    print(f"Banco de dados: {store.path}", file=sys.stderr)
    with ProgressBar("Importando formulários") as bar:
        summary = store.ingest(iter_documents(files), origin="demo", progress=bar)
    print(summary.text(max_listed=10))
    print(f"\nDemonstração pronta: {pt_int(len(files))} formulários em {out}, banco {store.path}.")
    return 0
