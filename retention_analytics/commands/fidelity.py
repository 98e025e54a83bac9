"""`fidelity [--forms N] [--seed S] [--formats a,b] [--keep PASTA] [--json]`: field accuracy of the
parser per format over a corpus the project builds (forms/fidelity.py): demo forms as text PDF,
pdftotext raw and -layout, LibreOffice .xls/.ods and printed PDF, scans and phone photos.

Prints one line per format: files, fields right of fields compared, accuracy, seconds per file.
Formats whose tool is missing (pdftotext, LibreOffice, Tesseract) are reported as skipped. This
command must not touch the database; it writes only to a temporary folder (or --keep).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fidelity",
        help="acerto de campos do leitor por formato, num corpus gerado pelo projeto",
        description="Gera formulários de demonstração em cada formato (PDF, pdftotext, .xls/.ods, PDF impresso "
        "pelo LibreOffice, escaneados e fotografados), lê cada um e mostra a porcentagem de campos corretos.",
    )
    parser.add_argument("--forms", type=int, default=6, help="formulários por formato (padrão: 6)")
    parser.add_argument("--seed", type=int, default=11, help="semente do corpus (mesma semente, mesmos arquivos)")
    parser.add_argument("--formats", help="lista separada por vírgulas (padrão: todos; um nome errado lista os válidos)")
    parser.add_argument("--keep", metavar="PASTA", help="grava o corpus nesta pasta em vez de uma temporária")
    parser.add_argument("--json", action="store_true", help="imprime o resultado em JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..forms import fidelity

    formats = tuple(f.strip() for f in (args.formats or ",".join(fidelity.FORMATS)).split(",") if f.strip())
    unknown = [f for f in formats if f not in fidelity.FORMATS]
    if unknown or not formats or args.forms < 1:
        print(f"Formato desconhecido: {', '.join(unknown)}. Use: {', '.join(fidelity.FORMATS)}." if unknown
              else "Informe ao menos um formato e um formulário.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="retencao-fidelidade-") as temporary:
        folder = Path(args.keep) if args.keep else Path(temporary)
        print(f"Gerando o corpus ({args.forms} formulário(s) por formato) em {folder}…", file=sys.stderr)
        written = fidelity.build_corpus(folder, args.forms, args.seed, formats)

        def progress(done: int, total: int, name: str) -> None:
            print(f"\r  lendo {done}/{total}: {name:<48}", end="", file=sys.stderr, flush=True)

        scores = fidelity.score(folder, progress)
        print(file=sys.stderr)
    skipped = [f for f in formats if not written.get(f)]
    if args.json:
        out = {s.fmt: {"files": s.files, "fields": s.fields, "correct": s.correct, "accuracy": round(s.accuracy, 4),
                       "seconds_per_file": round(s.seconds / s.files, 2) if s.files else None, "errors": s.errors,
                       "absent": s.absent, "accuracy_of_present": round(s.accuracy_of_present, 4)}
               for s in scores.values()}
        print(json.dumps({"formats": out, "skipped": skipped}, ensure_ascii=False, indent=2))
        return 0
    print(f"{'formato':<30} {'arquivos':>8} {'campos certos':>15} {'acerto':>8} {'s/arquivo':>10}")
    for fmt in formats:
        score = scores.get(fmt)
        if score is None:
            continue
        right = f"{score.correct}/{score.fields}"
        print(f"{fmt:<30} {score.files:>8} {right:>15} {score.accuracy:>8.1%} {score.seconds / score.files:>10.2f}"
              + (f"  ({score.errors} ilegível(is))" if score.errors else "")
              + (f"  ({score.absent} campo(s) impresso(s) como ### e avisado(s); {score.accuracy_of_present:.1%} do que "
                 "o arquivo contém)" if score.absent else ""))
    if skipped:
        print(f"Pulados (ferramenta não instalada: pdftotext, LibreOffice ou Tesseract): {', '.join(skipped)}")
    return 0
