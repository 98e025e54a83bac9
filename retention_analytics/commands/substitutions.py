"""`substitutions import ARQUIVO [--user NOME]` and `substitutions template [ARQUIVO]`: the
substitution records of terminations (Conformidade ANS) from the operator's credentialing system.

import reads the file (store/substitutions.py: CSV with `;` or XLSX, DD/MM/AAAA dates), matches
every row to a current terminated case and stores all of them in one transaction, or none: every
line that cannot be read or matched is printed, and the exit code is 2. `--user` (or
RETENTION_USER) restricts the matching to that user's operators, as the app does. template writes
the file to fill in. This module must not write SQL.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ._common import CommandError, open_db, pt_int


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "substitutions",
        help="importa registros de substituição de prestadores desligados (Conformidade ANS)",
        description=(
            "Registros de substituição dos desligamentos: saída da rede, aviso aos beneficiários e o "
            "prestador substituto, vindos do sistema de credenciamento. O formulário original nunca é alterado."
        ),
    )
    actions = parser.add_subparsers(dest="substitutions_action", metavar="AÇÃO", title="ações", required=True)
    imported = actions.add_parser("import", help="importa um arquivo .csv (;) ou .xlsx de substituições")
    imported.add_argument("path", metavar="ARQUIVO")
    imported.add_argument("--user", default=None, metavar="NOME",
                          help="restringe às operadoras desse usuário (padrão: RETENTION_USER)")
    imported.set_defaults(func=run_import)
    template = actions.add_parser("template", help="grava o modelo do arquivo (CSV com ;)")
    template.add_argument("path", nargs="?", default="modelo_substituicoes.csv", metavar="ARQUIVO")
    template.set_defaults(func=run_template)


def run_import(args: argparse.Namespace) -> int:
    from ..store.substitutions import SubstitutionFileError, read_substitutions

    path = Path(args.path).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Não foi possível ler {path}: {exc.strerror}. Confira o caminho.") from None
    allowed = None
    username = args.user or os.environ.get("RETENTION_USER")
    if username:
        from .. import auth

        user = auth.load_users().get(username.strip().lower())
        if user is None:
            raise CommandError(f"Usuário {username} não encontrado no arquivo de usuários.")
        if not user.may_import:
            raise CommandError(f"O usuário {user.username} ({user.role}) não pode importar.")
        allowed = user.scope
    store = open_db(args, must_exist=True)
    try:
        rows = read_substitutions(path.name, data)
        stored = store.add_substitutions(rows, source="importacao", entered_by=username or "terminal",
                                         allowed_operators=allowed)
    except SubstitutionFileError as exc:
        print(f"erro: {path.name}: {exc}", file=sys.stderr)
        return 2
    store.record_audit(username or "terminal", "importar_substituicoes", page="substitutions import",
                       target=path.name, detail=f"{stored} registros")
    print(f"Substituições importadas de {path.name}: {pt_int(stored)} registros, numa só transação.")
    return 0


def run_template(args: argparse.Namespace) -> int:
    from ..store.substitutions import template_csv

    path = Path(args.path).expanduser()
    if path.exists():
        raise CommandError(f"{path} já existe; escolha outro nome.")
    path.write_bytes(template_csv())
    print(f"Modelo gravado em {path}: preencha uma linha por desligamento (datas DD/MM/AAAA, células vazias = não sabido).")
    return 0
