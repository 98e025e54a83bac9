"""`users add|list|remove|passwd`: the people who may log in to the dashboard, and what they see.

The users file (auth.py: data/users.toml, RETENTION_USERS or --users) holds each user's role,
operators, optional e-mail (for OpenID Connect) and a bcrypt hash of the password. Passwords are
typed twice without echo, or read from stdin with --password-stdin (scripts); they are never
accepted as an argument (it would stay in the shell history and in `ps`).

It must never print a password or a hash, and must not touch the case database.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ._common import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "users",
        help="gerencia os usuários do painel (login, papéis, operadoras)",
        description=(
            "Gerencia o arquivo de usuários do painel (padrão: data/users.toml ou RETENTION_USERS). "
            "Papéis: admin (tudo, inclusive dados pessoais sem máscara, com auditoria), gestor (só as "
            "operadoras atribuídas; importa formulários delas) e analista (só as operadoras atribuídas; "
            "só consulta)."
        ),
    )
    parser.add_argument("--users", metavar="ARQUIVO", default=None, help="arquivo de usuários (padrão: RETENTION_USERS ou data/users.toml)")
    actions = parser.add_subparsers(dest="users_action", metavar="AÇÃO", title="ações", required=True)

    listing = actions.add_parser("list", help="lista os usuários (nunca mostra senhas)")
    listing.set_defaults(func=run_list)

    add = actions.add_parser("add", help="cadastra um usuário")
    add.add_argument("username", metavar="NOME")
    add.add_argument("--role", required=True, choices=("admin", "gestor", "analista"), help="papel do usuário")
    add.add_argument("--operator", action="append", default=[], metavar="OPERADORA",
                     help="operadora que o usuário pode ver (pode repetir; obrigatório para gestor e analista)")
    add.add_argument("--email", default=None, metavar="E-MAIL", help="e-mail usado no login OpenID Connect (opcional)")
    add.add_argument("--password-stdin", action="store_true", help="lê a senha da entrada padrão (uma linha)")
    add.add_argument("--no-password", action="store_true",
                     help="sem senha local: o usuário só entra pelo provedor OpenID Connect (exige --email)")
    add.set_defaults(func=run_add)

    add.add_argument("--analyst", default=None, metavar="NOME",
                     help="o nome do usuário como analista nos formulários (a Fila de trabalho dele)")
    analyst = actions.add_parser("analyst", help="liga um usuário ao seu nome de analista nos formulários")
    analyst.add_argument("username", metavar="NOME")
    analyst.add_argument("analyst", nargs="?", default=None, metavar="ANALISTA",
                         help="o nome como escrito nos formulários (vazio: desfaz a ligação)")
    analyst.set_defaults(func=run_analyst)
    remove = actions.add_parser("remove", help="remove um usuário")
    remove.add_argument("username", metavar="NOME")
    remove.set_defaults(func=run_remove)

    passwd = actions.add_parser("passwd", help="troca a senha de um usuário")
    passwd.add_argument("username", metavar="NOME")
    passwd.add_argument("--password-stdin", action="store_true", help="lê a senha da entrada padrão (uma linha)")
    passwd.set_defaults(func=run_passwd)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("Sem terminal para digitar a senha: use --password-stdin e envie a senha pela entrada padrão.")
    first = getpass.getpass("Senha: ")
    second = getpass.getpass("Repita a senha: ")
    if first != second:
        raise CommandError("As senhas digitadas não conferem. Nada foi alterado.")
    return first


def _load(args: argparse.Namespace):
    from .. import auth

    try:
        return auth.load_users(args.users)
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None


def _save(args: argparse.Namespace, users) -> str:
    from .. import auth

    return str(auth.save_users(users, args.users))


def run_list(args: argparse.Namespace) -> int:
    from .. import auth

    users = _load(args)
    path = auth.users_path(args.users)
    if not users:
        print(f"Nenhum usuário em {path}. Cadastre um administrador: users add NOME --role admin")
        return 0
    print(f"Usuários em {path}:")
    for name in sorted(users):
        user = users[name]
        operators = "todas" if user.sees_everything else (", ".join(user.operators) or "nenhuma")
        login = []
        if user.password_hash:
            login.append("senha")
        if user.email:
            login.append(f"OIDC {user.email}")
        analyst = f"  · analista: {user.analyst}" if user.analyst else ""
        print(f"  {name:<20} {auth.ROLE_LABELS[user.role]:<14} operadoras: {operators}  · login: {', '.join(login) or 'nenhum'}"
              + analyst)
    return 0


def run_add(args: argparse.Namespace) -> int:
    from .. import auth

    users = _load(args)
    if args.no_password and not args.email:
        raise CommandError("Sem senha, o usuário precisa de --email para entrar pelo OpenID Connect.")
    password = None if args.no_password else _read_password(args.password_stdin)
    try:
        user = auth.add_user(users, args.username, args.role, args.operator, args.email, password,
                             analyst=args.analyst)
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    path = _save(args, users)
    print(f"Usuário {user.describe()} cadastrado em {path}.")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from .. import auth

    users = _load(args)
    try:
        user = auth.remove_user(users, args.username)
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    path = _save(args, users)
    print(f"Usuário {user.username} removido de {path}.")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from .. import auth

    users = _load(args)
    try:
        name = auth.normalize_username(args.username)
        if name not in users:
            raise auth.AuthError(f"Usuário “{name}” não encontrado.")
        password = _read_password(args.password_stdin)
        auth.set_password(users, name, password)
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    path = _save(args, users)
    print(f"Senha de {name} trocada em {path}.")
    return 0


def run_analyst(args: argparse.Namespace) -> int:
    from .. import auth

    users = _load(args)
    try:
        user = auth.set_analyst(users, args.username, args.analyst)
    except auth.AuthError as exc:
        raise CommandError(str(exc)) from None
    path = _save(args, users)
    if user.analyst:
        print(f"Usuário {user.username} ligado ao analista “{user.analyst}” em {path}.")
    else:
        print(f"Usuário {user.username} sem analista ligado, em {path}.")
    return 0
