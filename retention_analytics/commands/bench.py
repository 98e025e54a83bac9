"""`bench-ingest [--forms N] [--formats F,…] [--workers W] [--json ARQUIVO]`: forms per second per
format, through the path `ingest` takes.

For each format it writes N forms of that one format (the same generated cases rendered in it,
with the demo corpus's templates and defects) into a temporary folder and ingests the folder the
way `ingest PASTA` does (`Store.ingest`: hashes, duplicate check, parsing, one write
transaction) into a fresh temporary database, twice: with one parsing process, and with W (one
per core by default). A last row ingests a mixed folder (every format, as `demo` writes it).
"Per core" is forms per second divided by the parsing processes, so it is the speed each core
adds. PDF forms are slow to make and read, so at most 200 of them are used.

Prints a table and a summary line for the text forms (txt, md, csv); writes the numbers as
JSON (default artifacts/bench-ingest.json). Touches neither the user's database nor data/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..store.prepare import POOL_THRESHOLD
from ._common import CommandError, ProgressBar, pt_float, pt_int

REPO_ROOT = Path(__file__).resolve().parents[2]
# Formats as the demo renders them; the three text layouts are all .txt files.
TEXT_FORMATS = ("txt", "txt_brackets", "txt_parens", "md", "csv")
PDF_LIMIT = 200


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench-ingest",
        help="mede a velocidade de leitura e importação por formato",
        description=(
            "Gera formulários fictícios numa pasta temporária, um lote por formato, e mede formulários por "
            "segundo ao importá-los como o `ingest` faz: com um processo de leitura e com um por núcleo."
        ),
    )
    parser.add_argument("--forms", type=int, default=1000, metavar="N",
                        help="formulários por formato (padrão: 1000; PDF no máximo 200)")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="semente do gerador (padrão: 7)")
    parser.add_argument("--formats", default=None, metavar="F,…",
                        help="formatos a medir, separados por vírgula (padrão: todos: xlsx,csv,docx,pdf,md,txt,"
                             "txt_brackets,txt_parens)")
    parser.add_argument("--workers", type=int, default=None, metavar="W",
                        help="processos de leitura da segunda medida (padrão: um por núcleo, como o ingest)")
    parser.add_argument("--json", default=None, metavar="ARQUIVO",
                        help="onde gravar os números (padrão: artifacts/bench-ingest.json)")
    parser.set_defaults(func=run)


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)])


def _formats(raw: str | None) -> list[str]:
    from ..demo import FORMATS

    if raw is None:
        return list(FORMATS)
    chosen = [f.strip() for f in raw.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise CommandError(f"Formato desconhecido: {', '.join(unknown) or '(nenhum)'}. Use: {', '.join(FORMATS)}.")
    return chosen


def run(args: argparse.Namespace) -> int:
    if args.forms < 1:
        raise CommandError("--forms precisa ser pelo menos 1.")
    try:
        from ..demo import EXTENSIONS, generate_corpus, render, write_corpus
    except ImportError as exc:
        raise CommandError(f"O gerador de demonstração não está disponível ({exc}).") from exc
    from ..bench.runner import loadavg, machine
    from ..store.prepare import worker_count

    formats = _formats(args.formats)
    workers = max(1, args.workers) if args.workers else worker_count()
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        root = Path(tmp)
        forms = generate_corpus(args.forms, args.seed)
        folders: dict[str, Path] = {}
        for fmt in formats:
            chosen = forms[: min(len(forms), PDF_LIMIT)] if fmt == "pdf" else forms
            folder = folders[fmt] = root / fmt
            folder.mkdir()
            with ProgressBar(f"Gerando {fmt}") as bar:
                for done, form in enumerate(chosen, start=1):
                    stem = form.file_name.rsplit(".", 1)[0]
                    (folder / f"{stem}{EXTENSIONS[fmt]}").write_bytes(render(form.record, fmt, form.defects, form.template))
                    bar(done, len(chosen), stem)
        with ProgressBar("Gerando a pasta mista") as bar:
            write_corpus(root / "todos", args.forms, args.seed, progress=bar)
        folders["todos (misto)"] = root / "todos"

        for number, (label, folder) in enumerate(folders.items()):
            measured: dict[int, dict[str, Any]] = {}
            for processes in sorted({1, workers}):
                result = _measure_fresh(root / f"bench-{number}-{processes}.duckdb", label, folder, processes)
                # A batch too small for the pool was measured twice the same way: keep the first.
                measured.setdefault(result["processes"], result)
            results += measured.values()

    rows = [
        [r["format"], pt_int(r["forms"]), pt_int(r["processes"]), pt_float(r["parse_s"], 2), pt_float(r["write_s"], 2),
         pt_float(r["forms_per_s"]), pt_float(r["per_core"]), pt_int(r["rejected"])]
        for r in results
    ]
    print(_table(["Formato", "Formulários", "Processos", "Leitura (s)", "Gravação (s)", "Formulários/s",
                  "Por núcleo/s", "Rejeitados"], rows))
    print(f"\nCada linha importa uma pasta inteira como o `ingest PASTA`: leitura com 1 ou {pt_int(workers)} "
          "processo(s), gravação numa transação. Por núcleo = formulários/s ÷ processos de leitura.")
    summary = _text_summary(results)
    if summary:
        print(summary)
    scaling = _machine_scaling(workers) if workers > 1 else None
    if scaling is not None:
        print(f"Esta máquina, com {pt_int(workers)} processos ocupados, roda cada um a {pt_float(100 * scaling, 0)}% da "
              "velocidade de um processo sozinho (laço de Python puro, sem banco nem arquivos): é o teto do "
              "ganho por núcleo ao ler em paralelo.")
    out = Path(args.json).expanduser() if args.json else REPO_ROOT / "artifacts" / "bench-ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(), "loadavg": loadavg(),
        "forms_per_format": args.forms, "seed": args.seed, "workers": workers, "results": results,
        "machine_scaling": scaling,
    }, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"Números gravados em {out}.")
    return 0


def _measure_fresh(db: Path, label: str, folder: Path, processes: int) -> dict[str, Any]:
    """_measure in a new Python process: like a real `ingest` run, it starts with nothing in the
    parser's memo caches (this process has seen these very forms)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_measure, db, label, folder, processes).result()


def _measure(db: Path, label: str, folder: Path, processes: int) -> dict[str, Any]:
    from ..forms.sources import iter_documents
    from ..store import open_store

    os.environ["RETENTION_WORKERS"] = str(processes)  # this process only: it ends after this call
    documents = list(iter_documents([folder]))
    store = open_store(db)
    with ProgressBar(f"Importando {label} ({processes} proc.)") as bar:
        started = time.perf_counter()
        summary = store.ingest(documents, origin="bench", progress=bar)
        seconds = time.perf_counter() - started
    n = len(documents)
    rate = n / seconds if seconds else 0.0
    # Below POOL_THRESHOLD forms `ingest` parses in its own process whatever the setting.
    processes = processes if n >= POOL_THRESHOLD else 1
    return {
        "format": label, "forms": n, "processes": processes, "parse_s": summary.parse_seconds or 0.0,
        "write_s": summary.write_seconds or 0.0, "seconds": seconds, "forms_per_s": rate,
        "per_core": rate / processes, "rejected": summary.rejected,
    }


def _text_summary(results: list[dict[str, Any]]) -> str:
    """One line: forms per second per core on the text formats, with one process and with all."""
    parts = []
    text_results = [r for r in results if r["format"] in TEXT_FORMATS]
    for processes in sorted({r["processes"] for r in text_results}):
        chosen = [r for r in text_results if r["processes"] == processes]
        forms = sum(r["forms"] for r in chosen)
        seconds = sum(r["seconds"] for r in chosen)
        parts.append(f"{pt_float(forms / seconds / processes)}/s por núcleo com {pt_int(processes)} processo(s)")
    return "Formulários de texto (txt, md, csv): " + "; ".join(parts) + "." if parts else ""


def _cpu_loop(n: int) -> float:
    started = time.perf_counter()
    table: dict[int, str] = {}
    for i in range(n):  # dict stores and small strings: the kind of work parsing does
        table[i % 1000] = str(i)
    return time.perf_counter() - started


def _machine_scaling(workers: int, n: int = 3_000_000) -> float:
    """How fast each of `workers` busy processes runs compared with one alone (1.0 = perfect
    cores; a virtual machine whose cores share a physical one gives less). Best of three."""
    with mp.get_context("spawn").Pool(workers) as pool:  # all processes started up front
        pool.map(_cpu_loop, [1000] * workers, chunksize=1)
        alone = min(pool.apply(_cpu_loop, (n,)) for _ in range(3))
        together = min(max(pool.map(_cpu_loop, [n] * workers, chunksize=1)) for _ in range(3))
    return alone / together
