"""`audit [--user U] [--action A] [--limit N] [--json]`: who saw personal data, and when.

Lists the store's audit log (newest first): every view of unmasked personal data, every download
while unmasked, every download of an original document, and logins. Reads only (Store.audit_entries);
it must not change or delete events.
"""

from __future__ import annotations

import argparse
import json

from ._common import open_db


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="lista o registro de auditoria (dados pessoais vistos, downloads, logins)",
        description="Lista o registro de auditoria do banco, do mais recente ao mais antigo.",
    )
    parser.add_argument("--user", default=None, metavar="NOME", help="só os eventos deste usuário")
    parser.add_argument("--action", default=None, metavar="AÇÃO",
                        help="só esta ação (ver_dados_pessoais, exportar_dados_pessoais, baixar_original, login, login_recusado)")
    parser.add_argument("--limit", type=int, default=100, metavar="N", help="quantos eventos (padrão: 100)")
    parser.add_argument("--json", action="store_true", help="um objeto JSON por evento, por linha")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_db(args, must_exist=True)
    entries = store.audit_entries(limit=args.limit, username=args.user, action=args.action)
    if args.json:
        for entry in entries:
            print(json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in entry.items()},
                             ensure_ascii=False))
        return 0
    if not entries:
        print("Nenhum evento no registro de auditoria.")
        return 0
    for e in entries:
        when = e["logged_at"].strftime("%d/%m/%Y %H:%M:%S") if e["logged_at"] else "—"
        parts = [when, e["username"] + (f" ({e['role']})" if e.get("role") else ""), e["action"]]
        for label, name in (("página", "page"), ("alvo", "target"), ("filtros", "filters"), ("detalhe", "detail")):
            if e.get(name):
                parts.append(f"{label}: {e[name]}")
        print(" · ".join(parts))
    return 0
