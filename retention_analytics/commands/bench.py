"""`bench-ingest [--forms N] [--seed S]`: forms per second, per file format, through the real path.

Generates a demo corpus in a temporary folder, then for each format (file extension) times parsing
(Store.parse_documents) and writing (Store.write_batch) into a temporary database, and prints a
table. Touches neither the user's database nor data/.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from ._common import CommandError, ProgressBar, pt_float, pt_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench-ingest",
        help="mede a velocidade de leitura e importação por formato",
        description="Gera formulários fictícios numa pasta temporária e mede formulários por segundo, por formato.",
    )
    parser.add_argument("--forms", type=int, default=300, metavar="N", help="número de casos a gerar (padrão: 300)")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="semente do gerador (padrão: 7)")
    parser.set_defaults(func=run)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)])


def run(args: argparse.Namespace) -> int:
    if args.forms < 1:
        raise CommandError("--forms precisa ser pelo menos 1.")
    try:
        from ..demo import write_corpus
    except ImportError as exc:
        raise CommandError(f"O gerador de demonstração não está disponível ({exc}).") from exc
    from ..forms.sources import extension, iter_documents
    from ..store import open_store

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp) / "forms"
        with ProgressBar("Gerando formulários") as bar:
            files = write_corpus(folder, args.forms, args.seed, progress=bar)
        by_format: dict[str, list[Path]] = defaultdict(list)
        for path in files:
            by_format[extension(path.name) or "(sem extensão)"].append(path)

        rows: list[list[str]] = []
        totals = [0, 0.0, 0.0, 0]
        for fmt in sorted(by_format):
            documents = list(iter_documents(by_format[fmt]))
            store = open_store(Path(tmp) / f"bench{fmt.replace('.', '_')}.duckdb")
            with ProgressBar(f"Lendo {fmt}") as bar:
                started = time.perf_counter()
                parsed = store.parse_documents(documents, progress=bar)
                parsed_at = time.perf_counter()
            summary = store.write_batch(parsed, origin="bench")
            written_at = time.perf_counter()
            parse_s, write_s = parsed_at - started, written_at - parsed_at
            n = len(documents)
            rows.append(
                [fmt, pt_int(n), pt_float(parse_s, 2), pt_float(write_s, 2), pt_float(n / (parse_s + write_s)),
                 pt_int(summary.rejected)]
            )
            totals = [totals[0] + n, totals[1] + parse_s, totals[2] + write_s, totals[3] + summary.rejected]
        n, parse_s, write_s, rejected = totals
        rows.append(["todos", pt_int(n), pt_float(parse_s, 2), pt_float(write_s, 2),
                     pt_float(n / (parse_s + write_s) if parse_s + write_s else 0.0), pt_int(rejected)])
    print(_table(["Formato", "Formulários", "Leitura (s)", "Gravação (s)", "Formulários/s", "Rejeitados"], rows))
    print("\nUm processo, um núcleo; a gravação é um lote por formato.")
    return 0
