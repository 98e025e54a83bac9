"""`bench-ingest [--forms N] [--seed S] [--workers W]`: forms per second, per file format, through the real path.

Generates a demo corpus in a temporary folder, then for each format (file extension) times parsing
(the store's parse half, in a pool of W processes as `ingest` uses for large batches; W defaults
to one per core) and writing (Store.write_batch, one transaction) into a temporary database, and
prints a table with forms per second and per second per core. A last row ingests every format in
one batch, as `ingest PASTA` does. Touches neither the user's database nor data/.
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
    parser.add_argument("--workers", type=int, default=None, metavar="W",
                        help="processos de leitura (padrão: um por núcleo, como o ingest)")
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
    from ..store.prepare import POOL_THRESHOLD, parse_documents, worker_count

    workers = max(1, args.workers) if args.workers else worker_count()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        folder = Path(tmp) / "forms"
        with ProgressBar("Gerando formulários") as bar:
            files = write_corpus(folder, args.forms, args.seed, progress=bar)
        by_format: dict[str, list[Path]] = defaultdict(list)
        for path in files:
            by_format[extension(path.name) or "(sem extensão)"].append(path)

        def measure(label: str, paths: list[Path]) -> list[str]:
            documents = list(iter_documents(paths))
            store = open_store(Path(tmp) / f"bench{label.replace('.', '_').replace(' ', '_')}.duckdb")
            with ProgressBar(f"Lendo {label}") as bar:
                started = time.perf_counter()
                # The parse half as Store.ingest runs it: a pool of `workers` processes from
                # POOL_THRESHOLD forms on (smaller batches are parsed in this process).
                parsed = parse_documents(documents, progress=bar, workers=workers)
                parsed_at = time.perf_counter()
            summary = store.write_batch(parsed, origin="bench")
            written_at = time.perf_counter()
            parse_s, write_s = parsed_at - started, written_at - parsed_at
            n = len(documents)
            used = workers if workers > 1 and n >= POOL_THRESHOLD else 1
            rate = n / (parse_s + write_s) if parse_s + write_s else 0.0
            return [label, pt_int(n), pt_int(used), pt_float(parse_s, 2), pt_float(write_s, 2), pt_float(rate),
                    pt_float(rate / used), pt_int(summary.rejected)]

        rows = [measure(fmt, by_format[fmt]) for fmt in sorted(by_format)]
        rows.append(measure("todos (um lote)", files))
    print(_table(["Formato", "Formulários", "Processos", "Leitura (s)", "Gravação (s)", "Formulários/s",
                  "Por núcleo/s", "Rejeitados"], rows))
    print(f"\nLeitura em {pt_int(workers)} processo(s) a partir de {pt_int(POOL_THRESHOLD)} formulários por lote "
          "(menos que isso, no próprio processo); a gravação é uma transação por lote. Por núcleo = formulários/s "
          "÷ processos de leitura.")
    return 0
