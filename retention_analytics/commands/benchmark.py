"""`bench [--cases 10000,100000,1000000] [--seed S] [--json ARQUIVO] [--repeats N] [--cold-repeats N]`: every page's speed per size.

Builds (or reuses, from data/bench/) a synthetic store per size, times each page's summaries in SQL
(cold and warm, default and narrow filters), each page whole in the app (AppTest), the app's peak
memory and the same summaries in plain pandas, prints a table, writes JSON and ends with
`summary: min speedup vs pandas N.N×, max page time ratio largest/smallest N.N`.
The work is done by retention_analytics.bench.runner; this module only parses the options.
It must not touch the user's database (--db is ignored here).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="mede o tempo de cada página com 10 mil a 1 milhão de casos sintéticos",
        description=(
            "Gera (ou reaproveita de data/bench/) um banco sintético por tamanho e mede cada página: as consultas "
            "em SQL (a frio e a quente, sem filtro e com uma operadora + uma UF), a página inteira no app, a memória "
            "do app e as mesmas tabelas calculadas em pandas. Imprime uma tabela, grava JSON e termina com a linha "
            "`summary: …`."
        ),
    )
    parser.add_argument("--cases", default="10000,100000,1000000", metavar="N,N,…",
                        help="tamanhos, separados por vírgula (padrão: 10000,100000,1000000)")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="semente dos dados sintéticos (padrão: 7)")
    parser.add_argument("--json", default=None, metavar="ARQUIVO", help="onde gravar o JSON (padrão: artifacts/bench.json)")
    parser.add_argument("--repeats", type=int, default=5, metavar="N", help="execuções a quente por página (padrão: 5)")
    parser.add_argument("--cold-repeats", type=int, default=3, metavar="N",
                        help="execuções a frio por página; vale a mediana (padrão: 3)")
    parser.add_argument("--cache-dir", default=None, metavar="PASTA", help="pasta dos bancos sintéticos (padrão: data/bench)")
    parser.add_argument("--only", default="sql,app,pandas", metavar="TIPOS",
                        help="o que medir, entre sql, app e pandas (padrão: todos)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench import runner
    from ..store.store import REPO_ROOT

    try:
        sizes = [int(part.replace("_", "").replace(".", "")) for part in args.cases.split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--cases espera números separados por vírgula, como 10000,100000 ({exc}).") from exc
    if not sizes or min(sizes) < 100:
        raise CommandError("--cases precisa de tamanhos de pelo menos 100 casos.")
    kinds = tuple(k.strip() for k in args.only.split(",") if k.strip())
    if not set(kinds) <= set(runner.WORKERS):
        raise CommandError(f"--only aceita {', '.join(sorted(runner.WORKERS))}.")
    if args.repeats < 1 or args.cold_repeats < 1:
        raise CommandError("--repeats e --cold-repeats precisam ser pelo menos 1.")
    cache = Path(args.cache_dir).expanduser() if args.cache_dir else REPO_ROOT / "data" / "bench"
    report = runner.run(sorted(set(sizes)), args.seed, cache, warm_runs=args.repeats, kinds=kinds,
                        cold_runs=args.cold_repeats)
    out = Path(args.json).expanduser() if args.json else REPO_ROOT / "artifacts" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(runner.table(report))
    print(f"\nJSON: {out}")
    print(runner.summary_line(report))
    return 0
