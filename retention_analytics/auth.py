"""Who may use the dashboard and what each person may see: users, roles, operators, passwords.

Users live in a local TOML file (`data/users.toml`, or the path in RETENTION_USERS), managed with
`python -m retention_analytics users add|list|remove|passwd`:

    [users."maria"]
    role = "gestor"                       # admin, gestor or analista
    operators = ["ODONTOLIFE", "Uniodonto"]
    email = "maria@operadora.com.br"      # optional: the e-mail an OpenID Connect login maps to
    analyst = "Maria Souza"               # optional: her name as analyst on the forms (Fila de trabalho)
    password_hash = "$2b$12$…"            # bcrypt; absent for users who only log in by OIDC

Roles (README, "Segurança e privacidade"):
- admin: every operator; may switch on "Mostrar dados pessoais" (audited) and download original
  documents; imports anything.
- gestor: only the operators listed for them; imports forms of those operators only.
- analista: only the operators listed for them; read-only (no import).

The access restriction becomes `Filters.restrict_to(user.operators)`, which every SQL query of
the dashboard carries (filters.py), so it holds whatever the URL or the sidebar say.

This module must not import streamlit or open the database, and must never return, print or log a
password or a hash outside this file (`User` keeps the hash out of its repr).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .filters import Filters
from .text import key

ROLES: tuple[str, ...] = ("admin", "gestor", "analista")
ROLE_LABELS: dict[str, str] = {"admin": "administrador", "gestor": "gestor", "analista": "analista"}

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_USERS_PATH = REPO_ROOT / "data" / "users.toml"

# The user the app logs in by itself when there is no users file and nothing real to protect
# (make run on a fresh machine opens straight into the demo).
DEMO_USERNAME = "demo"

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5 refuses) anything past 72 bytes
BCRYPT_ROUNDS = 12

# Login throttling, per user name, in this process: after MAX_FAILURES wrong passwords in a row the
# name is locked for LOCKOUT_SECONDS (slows down guessing without locking anyone out for long).
MAX_FAILURES = 5
LOCKOUT_SECONDS = 60.0

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AuthError(Exception):
    """A problem with the users file or a user operation, worded for users (Portuguese)."""


@dataclass(frozen=True)
class User:
    """Someone logged in. `operators` are operator names as written in the users file; `scope`
    gives their grouping keys (text.key), the values `Filters.restrict_to` takes."""

    username: str
    role: str
    operators: tuple[str, ...] = ()
    email: str | None = None
    password_hash: str | None = field(default=None, repr=False, compare=False)
    via: str = "senha"  # "senha", "oidc" or "local" (the automatic demo user)
    # The analyst this user is on the forms ("Analista"), as written there: the work queue
    # (pages/9_Fila_de_trabalho.py) shows an analista only the cases of this name.
    analyst: str | None = None

    @property
    def analyst_key(self) -> str | None:
        """The grouping key of `analyst` (text.key, as in cases.analyst_key); None when unset."""
        return key(self.analyst) or None if self.analyst else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def sees_everything(self) -> bool:
        return self.role == "admin"

    @property
    def may_import(self) -> bool:
        return self.role in ("admin", "gestor")

    @property
    def may_reveal(self) -> bool:
        """May see personal data unmasked (each view is audited)."""
        return self.role == "admin"

    @property
    def scope(self) -> frozenset[str] | None:
        """Operator keys this user may see; None = every operator."""
        if self.sees_everything:
            return None
        return frozenset(k for k in (key(o) for o in self.operators) if k)

    def restrict(self, filters: Filters) -> Filters:
        """`filters` limited to what this user may see (a no-op for admins)."""
        scope = self.scope
        return filters if scope is None else filters.restrict_to(scope)

    def may_see_operator(self, operator: str | None) -> bool:
        scope = self.scope
        return scope is None or (bool(operator) and key(operator) in scope)

    def describe(self) -> str:
        """"maria (gestor: ODONTOLIFE, Uniodonto)" — for the sidebar and the audit log."""
        role = ROLE_LABELS.get(self.role, self.role)
        if self.sees_everything:
            return f"{self.username} ({role})"
        operators = ", ".join(self.operators) or "nenhuma operadora"
        return f"{self.username} ({role}: {operators})"


DEMO_USER = User(DEMO_USERNAME, "admin", via="local")


# --------------------------------------------------------------------------- the users file
def users_path(path: str | os.PathLike | None = None) -> Path:
    """The users file: `path`, else RETENTION_USERS, else data/users.toml in the repository."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get("RETENTION_USERS")
    return Path(env).expanduser() if env else DEFAULT_USERS_PATH


def normalize_username(name: str) -> str:
    text = (name or "").strip().lower()
    if not _USERNAME.match(text):
        raise AuthError(
            f"Nome de usuário inválido: {name!r}. Use de 1 a 64 letras minúsculas, números, ponto, hífen, "
            "sublinhado ou @, começando por letra ou número."
        )
    return text


def _user_from(name: str, entry: Any) -> User:
    if not isinstance(entry, Mapping):
        raise AuthError(f"No arquivo de usuários, “{name}” deveria ser uma seção [users.\"{name}\"].")
    role = str(entry.get("role", "")).strip().lower()
    if role not in ROLES:
        raise AuthError(f"Usuário “{name}”: papel {role!r} desconhecido (use {', '.join(ROLES)}).")
    operators = entry.get("operators", [])
    if isinstance(operators, str):
        operators = [operators]
    if not isinstance(operators, list) or not all(isinstance(o, str) for o in operators):
        raise AuthError(f"Usuário “{name}”: “operators” deve ser uma lista de nomes de operadora.")
    email = entry.get("email")
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email.strip())):
        raise AuthError(f"Usuário “{name}”: e-mail inválido.")
    password_hash = entry.get("password_hash")
    if password_hash is not None and not (isinstance(password_hash, str) and password_hash.startswith("$2")):
        raise AuthError(f"Usuário “{name}”: “password_hash” não é um hash bcrypt (use `users passwd`).")
    analyst = entry.get("analyst")
    if analyst is not None and (not isinstance(analyst, str) or not key(analyst)):
        raise AuthError(f"Usuário “{name}”: “analyst” deve ser o nome do analista como escrito nos formulários.")
    return User(
        username=name,
        role=role,
        operators=tuple(o.strip() for o in operators if o.strip()),
        email=email.strip().lower() if email else None,
        password_hash=password_hash,
        analyst=analyst.strip() if analyst else None,
    )


def load_users(path: str | os.PathLike | None = None) -> dict[str, User]:
    """Every user of the file, by user name; {} when the file does not exist.

    Raises AuthError for a file that exists but cannot be read: the app then refuses every login
    rather than guess (fail closed).
    """
    file = users_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise AuthError(f"Não foi possível ler o arquivo de usuários {file} ({exc.strerror}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AuthError(f"O arquivo de usuários {file} não é TOML válido ({exc}).") from None
    section = data.get("users", {})
    if not isinstance(section, Mapping):
        raise AuthError(f"O arquivo de usuários {file} deve ter seções [users.\"nome\"].")
    users: dict[str, User] = {}
    for raw_name, entry in section.items():
        name = normalize_username(str(raw_name))
        users[name] = _user_from(name, entry)
    return users


def _toml_string(value: str) -> str:
    # JSON string syntax is a valid TOML basic string (same escapes, \uXXXX for control characters).
    return json.dumps(value, ensure_ascii=False)


def dumps_users(users: Mapping[str, User]) -> str:
    lines = [
        "# Usuários do Painel de Retenção. Edite com `python -m retention_analytics users …`:",
        "# as senhas são guardadas só como hash bcrypt. Papéis: admin, gestor, analista.",
        "",
    ]
    for name in sorted(users):
        user = users[name]
        lines.append(f"[users.{_toml_string(name)}]")
        lines.append(f"role = {_toml_string(user.role)}")
        lines.append("operators = [" + ", ".join(_toml_string(o) for o in user.operators) + "]")
        if user.email:
            lines.append(f"email = {_toml_string(user.email)}")
        if user.analyst:
            lines.append(f"analyst = {_toml_string(user.analyst)}")
        if user.password_hash:
            lines.append(f"password_hash = {_toml_string(user.password_hash)}")
        lines.append("")
    return "\n".join(lines)


def save_users(users: Mapping[str, User], path: str | os.PathLike | None = None) -> Path:
    """Write the users file atomically (temp file + rename), readable only by its owner."""
    file = users_path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".users-", suffix=".toml", dir=file.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(dumps_users(users))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)  # hashes are not passwords, but nobody else needs to read them
        os.replace(temp, file)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return file


# --------------------------------------------------------------------------- passwords
def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"A senha precisa ter pelo menos {MIN_PASSWORD_LENGTH} caracteres.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AuthError(f"A senha pode ter no máximo {MAX_PASSWORD_BYTES} bytes (cerca de 70 caracteres).")


def hash_password(password: str, rounds: int | None = None) -> str:
    import bcrypt

    check_new_password(password)
    cost = rounds or int(os.environ.get("RETENTION_BCRYPT_ROUNDS") or BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=max(4, min(cost, 16)))).decode("ascii")


# A valid hash nobody's password matches: checking a password against it takes as long as a real
# check, so a wrong user name and a wrong password cannot be told apart by the time they take.
_DUMMY_HASH = "$2b$12$Jsh6mtLLQ2sA4pd5GCD0HeKKw6/mVaxBESAyXFtsz8ljXedS0n5Oe"


def _password_matches(password: str, password_hash: str | None) -> bool:
    import bcrypt

    data = password.encode("utf-8")
    if len(data) > MAX_PASSWORD_BYTES:
        data = data[:MAX_PASSWORD_BYTES]  # never a valid password (they are checked on creation)
        password_hash = None
    try:
        ok = bcrypt.checkpw(data, (password_hash or _DUMMY_HASH).encode("ascii"))
    except ValueError:
        return False
    return ok and password_hash is not None


_FAILURES: dict[str, tuple[int, float]] = {}
_FAILURES_GUARD = threading.Lock()


def locked_for(username: str) -> float:
    """Seconds this user name must still wait after too many wrong passwords (0 when none)."""
    with _FAILURES_GUARD:
        count, since = _FAILURES.get(username, (0, 0.0))
    if count < MAX_FAILURES:
        return 0.0
    return max(0.0, LOCKOUT_SECONDS - (time.monotonic() - since))


def authenticate(users: Mapping[str, User], username: str, password: str) -> User | None:
    """The user when the name and password match, else None (same answer and time either way)."""
    try:
        name = normalize_username(username)
    except AuthError:
        name = ""
    if name and locked_for(name) > 0:
        return None
    user = users.get(name)
    ok = _password_matches(password or "", user.password_hash if user else None)
    with _FAILURES_GUARD:
        if ok and user is not None:
            _FAILURES.pop(name, None)
        elif name:
            count, _ = _FAILURES.get(name, (0, 0.0))
            _FAILURES[name] = (count + 1, time.monotonic())
    return replace(user, via="senha") if ok and user is not None else None


# --------------------------------------------------------------------------- OpenID Connect
def user_for_identity(users: Mapping[str, User], claims: Mapping[str, Any]) -> User | None:
    """The user an OpenID Connect identity maps to, by e-mail (case-insensitive), or None.

    The identity provider vouches for the e-mail; the users file says what that person may see.
    An identity whose provider says the e-mail is not verified (`email_verified` false) maps to no
    one, and so does an e-mail listed for more than one user (ambiguous: fail closed).
    """
    email = str(claims.get("email") or "").strip().lower()
    if not email or not _EMAIL.match(email):
        return None
    verified = claims.get("email_verified")
    if verified is not None and verified is not True and str(verified).lower() != "true":
        return None
    found = [u for u in users.values() if u.email and u.email == email]
    if len(found) != 1:
        return None
    return replace(found[0], via="oidc")


# --------------------------------------------------------------------------- managing users
def add_user(users: dict[str, User], username: str, role: str, operators: Iterable[str] = (),
             email: str | None = None, password: str | None = None, rounds: int | None = None,
             analyst: str | None = None) -> User:
    name = normalize_username(username)
    if name in users:
        raise AuthError(f"O usuário “{name}” já existe. Use `users passwd` para trocar a senha ou remova-o antes.")
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise AuthError(f"Papel {role!r} desconhecido (use {', '.join(ROLES)}).")
    operators = tuple(o.strip() for o in operators if o and o.strip())
    if role != "admin" and not operators:
        raise AuthError(f"Um {role} precisa de ao menos uma operadora (--operator NOME).")
    if email is not None:
        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise AuthError(f"E-mail inválido: {email!r}.")
        if any(u.email == email for u in users.values()):
            raise AuthError(f"O e-mail {email} já pertence a outro usuário.")
    if password is None and email is None:
        raise AuthError("Informe uma senha ou um e-mail (para entrar pelo provedor OpenID Connect).")
    user = User(name, role, operators, email, hash_password(password, rounds) if password is not None else None)
    if analyst is not None:
        user = set_analyst({name: user}, name, analyst)
    users[name] = user
    return user


def set_analyst(users: dict[str, User], username: str, analyst: str | None) -> User:
    """Map a user to their analyst name on the forms (None or "" removes the mapping)."""
    name = normalize_username(username)
    if name not in users:
        raise AuthError(f"Usuário “{name}” não encontrado.")
    text = " ".join((analyst or "").split())
    if analyst and not key(text):
        raise AuthError(f"Nome de analista inválido: {analyst!r}. Use o nome como escrito nos formulários.")
    users[name] = replace(users[name], analyst=text or None)
    return users[name]


def set_password(users: dict[str, User], username: str, password: str, rounds: int | None = None) -> User:
    name = normalize_username(username)
    if name not in users:
        raise AuthError(f"Usuário “{name}” não encontrado.")
    users[name] = replace(users[name], password_hash=hash_password(password, rounds))
    return users[name]


def remove_user(users: dict[str, User], username: str) -> User:
    name = normalize_username(username)
    if name not in users:
        raise AuthError(f"Usuário “{name}” não encontrado.")
    if users[name].is_admin and sum(1 for u in users.values() if u.is_admin) == 1 and len(users) > 1:
        raise AuthError("Este é o único administrador; cadastre outro antes de removê-lo.")
    return users.pop(name)


__all__ = [
    "AuthError",
    "DEMO_USER",
    "ROLES",
    "User",
    "add_user",
    "authenticate",
    "hash_password",
    "load_users",
    "remove_user",
    "save_users",
    "set_analyst",
    "set_password",
    "user_for_identity",
    "users_path",
]
