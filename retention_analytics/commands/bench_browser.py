"""`bench-browser [--cases 3000,1000000] [--rounds N] [--restarts N] [--quick] [--json ARQUIVO]`.

Times every page in headless Chromium against the server `make run` starts, next to a bare
Streamlit page (the framework's floor), and ends with
`summary: filter change N.N× bare, page switch N.N× bare, 1M/3k N.N`.
The work is done by retention_analytics.bench.browser; this module only parses the options.
It must not touch the user's database (--db is ignored here).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ._common import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench-browser",
        help="mede no navegador (Chromium) a primeira carga, a troca de página e a troca de filtro",
        description=(
            "Sobe o servidor como o `make run` e uma página mínima do Streamlit ao lado, e mede no Chromium, "
            "para cada página, a primeira carga, a troca de página pelo menu e a escolha de um filtro, até a "
            "página assentar. Imprime uma tabela, grava JSON e termina com a linha `summary: …`."
        ),
    )
    parser.add_argument("--cases", default="3000,1000000", metavar="N,N,…",
                        help="tamanhos: 3000 é a demonstração do `make run`, os outros bancos sintéticos "
                             "(padrão: 3000,1000000)")
    parser.add_argument("--rounds", type=int, default=5, metavar="N",
                        help="rodadas por página; vale a mediana (padrão: 5)")
    parser.add_argument("--restarts", type=int, default=5, metavar="N",
                        help="inícios do servidor para medir a primeira página após o início (padrão: 5)")
    parser.add_argument("--quick", action="store_true",
                        help="para desenvolvimento: 2 rodadas e 1 início (alguns minutos)")
    parser.add_argument("--json", default=None, metavar="ARQUIVO",
                        help="onde gravar o JSON (padrão: artifacts/bench-browser.json)")
    parser.add_argument("--cache-dir", default=None, metavar="PASTA", help="pasta dos bancos (padrão: data/bench)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench import browser
    from ..store.store import REPO_ROOT

    try:
        sizes = sorted({int(part.replace("_", "").replace(".", "")) for part in args.cases.split(",") if part.strip()})
    except ValueError as exc:
        raise CommandError(f"--cases espera números separados por vírgula, como 3000,1000000 ({exc}).") from exc
    if not sizes or min(sizes) < 100:
        raise CommandError("--cases precisa de tamanhos de pelo menos 100 casos.")
    rounds, restarts = (2, 1) if args.quick else (args.rounds, args.restarts)
    if rounds < 1 or restarts < 1:
        raise CommandError("--rounds e --restarts precisam ser pelo menos 1.")
    cache = Path(args.cache_dir).expanduser() if args.cache_dir else REPO_ROOT / "data" / "bench"
    try:
        report = browser.run(sizes, rounds, restarts, cache)
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    out = Path(args.json).expanduser() if args.json else REPO_ROOT / "artifacts" / "bench-browser.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(browser.table(report))
    print(f"\nJSON: {out}")
    print(browser.summary_line(report))
    return 0
