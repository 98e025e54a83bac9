"""`stats [--json]`: what the case store holds, in Portuguese with pt-BR numbers.

Reads through Store.stats() (read-only); it must not compute metrics (retention rates and the like
belong to `metrics`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json

from ._common import open_db, pt_float, pt_int

# Per stored form, superseded versions included; Qualidade dos dados' "Formulários com avisos"
# counts only the current cases (the demo command's summary prints that one).
_STATUS = (("ok", "lidos sem avisos"), ("ok_with_warnings", "lidos com avisos, contando versões substituídas"),
           ("rejected", "rejeitados"))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "stats", help="resume o conteúdo do banco de casos", description="Resume o conteúdo do banco de casos."
    )
    parser.add_argument("--json", action="store_true", help="imprime os números em JSON")
    parser.set_defaults(func=run)


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{pt_float(size / 1024)} KB"
    return f"{pt_float(size / 1024 / 1024)} MB"


def render(stats: dict) -> str:
    from ..vocab import label

    docs = stats["documents_by_status"]
    demo = " (demonstração)" if stats["is_demo"] else ""
    lines = [
        f"Banco de dados: {stats['db_path']}{demo} — {_size(stats['db_size_bytes'])}",
        f"Formulários: {pt_int(stats['documents_total'])} ("
        + ", ".join(f"{pt_int(docs[key])} {text}" for key, text in _STATUS)
        + ")",
        f"Casos atuais: {pt_int(stats['current_cases'])}",
        "Origem: "
        f"{pt_int(stats['provenance']['demo_documents'])} formulários de demonstração, "
        f"{pt_int(stats['provenance']['real_documents'])} reais"
        + (" — o painel pede login" if stats["provenance"]["real_documents"] or stats["provenance"]["real_cases"] else ""),
        f"Versões anteriores guardadas (mesmo protocolo): {pt_int(stats['superseded_versions'])}",
    ]
    if stats["cases_by_outcome"]:
        lines.append("Casos por status:")
        outcomes = sorted(stats["cases_by_outcome"].items(), key=lambda kv: (kv[0] is None, -kv[1]))
        for code, n in outcomes:
            lines.append(f"  {label('outcome', code) if code else 'Sem status marcado'}: {pt_int(n)}")
    first, last = stats["date_range"]
    lines.append(f"Período dos casos (data de referência): {_date(first)} a {_date(last)}")
    operators = stats["operators"]
    lines.append(f"Operadoras: {pt_int(len(operators))}")
    for op in operators[:15]:
        lines.append(f"  {op['name']}: {pt_int(op['cases'])}")
    if len(operators) > 15:
        lines.append(f"  … e mais {pt_int(len(operators) - 15)}")
    last_ingest = stats["last_ingest_at"]
    when = f", a última em {last_ingest.strftime('%d/%m/%Y %H:%M')}" if last_ingest else ""
    lines.append(f"Importações: {pt_int(stats['batches'])}{when}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    stats = open_db(args, must_exist=True).stats()
    if args.json:
        stats = dict(stats, cases_by_outcome={k or "": v for k, v in stats["cases_by_outcome"].items()})
        print(json.dumps(stats, ensure_ascii=False, default=str, indent=2))
    else:
        print(render(stats))
    return 0
