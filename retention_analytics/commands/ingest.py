"""`ingest CAMINHO... [--origin ORIGEM]` and `reparse`: put forms into the case store.

ingest reads files, folders and .zip archives, shows a progress bar on stderr, then prints the
summary (new, duplicate, superseded, rejected with the reason per file); exit code 1 when anything
was rejected, 0 otherwise. reparse rebuilds every case from the stored documents with the current
parser. Both go through Store (one transaction per batch); this module must not write SQL.
"""

from __future__ import annotations

import argparse
import sys

from ._common import CommandError, ProgressBar, open_db


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="importa formulários para o banco de casos",
        description=(
            "Importa formulários (arquivos, pastas e .zip) para o banco de casos. Arquivos já importados "
            "são ignorados; um formulário novo com o mesmo Nº do protocolo substitui o anterior, que fica "
            "como histórico. Sai com código 1 se algum arquivo for rejeitado."
        ),
    )
    ingest.add_argument("paths", nargs="+", metavar="CAMINHO", help="arquivos, pastas ou .zip")
    ingest.add_argument(
        "--origin", default="cli", metavar="ORIGEM", help="de onde vieram os arquivos, guardado no lote (padrão: cli)"
    )
    ingest.set_defaults(func=run_ingest)

    reparse = subparsers.add_parser(
        "reparse",
        help="relê todos os documentos guardados com o leitor atual",
        description="Reconstrói todos os casos a partir dos documentos guardados, com a versão atual do leitor.",
    )
    reparse.set_defaults(func=run_reparse)


def run_ingest(args: argparse.Namespace) -> int:
    from ..forms.sources import iter_documents

    store = open_db(args)
    print(f"Banco de dados: {store.path}", file=sys.stderr)
    documents = list(iter_documents(args.paths))
    if not documents:
        raise CommandError(
            "Nenhum formulário encontrado em " + ", ".join(args.paths)
            + " (aceitos: .txt, .md, .csv, .xlsx, .docx, .pdf e .zip)."
        )
    with ProgressBar("Lendo formulários") as bar:
        summary = store.ingest(documents, origin=args.origin, progress=bar)
    print(summary.text())
    _evaluate_alerts(store, summary)
    return 1 if summary.rejected else 0


def _evaluate_alerts(store, summary) -> None:
    """The alert rules after the batch is stored (alerts.after_import); a failure is reported on
    stderr and changes neither the import nor its exit code."""
    from ..alerts import after_import

    fired, error = after_import(store, summary)
    if error:
        print(f"aviso: {error}", file=sys.stderr)
    elif fired:
        print(f"Alertas novos: {len(fired)} (veja `alerts list` ou a página inicial do painel).")


def run_reparse(args: argparse.Namespace) -> int:
    store = open_db(args, must_exist=True)
    print(f"Banco de dados: {store.path}", file=sys.stderr)
    with ProgressBar("Relendo documentos") as bar:
        summary = store.reparse(progress=bar)
    print(summary.text())
    return 0
