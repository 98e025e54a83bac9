"""Login: who is using this browser session, asked once per session before any page draws data.

`require_user()` (called by the frame, ui/frame.py, on every run) returns the logged-in `auth.User`, or draws
the login screen and stops the run. Ways in, in order:

1. OpenID Connect, when `.streamlit/secrets.toml` has an `[auth]` section (st.login / st.user):
   the identity's e-mail is looked up in the users file, which gives the role and operators.
2. The local users file (auth.py) with bcrypt passwords: a small form.
3. No users file and no [auth]: the app logs in the local user "demo" (admin) by itself, but only
   while every document and case in the database is the demo generator's (or there is none yet),
   decided again on every run, and says so on screen. Demo or real is a property of each row
   (store/schema.sql), so one real form anywhere is enough to ask for a login. Every doubt fails
   closed: a database that is not ours, newer than this code, damaged, or any exception while
   deciding shows an error page and no data; with real data and no users, the page shows only the
   command that creates the first administrator.

The user lives under a plain session-state key (never a widget key, never the URL), so it cannot
be set from the browser. Tests log in by putting a `User` under `USER_KEY` before the first run
(`at.session_state[USER_KEY] = user`), the same thing a successful login does.

It must not compute metrics or read case data: it only asks the store whether it is a demo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from .. import auth
from ..auth import User
from ..store import Store, StoreBusyError, StoreError
from . import data
from .case_view import inline_md as md
from .state import USER_KEY

# [auth] keys that configure Streamlit itself rather than name a provider.
_AUTH_SHARED_KEYS = frozenset({"redirect_uri", "cookie_secret", "expose_tokens", "client_id", "client_secret",
                               "server_metadata_url", "client_kwargs"})


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


# --------------------------------------------------------------------------- OpenID Connect
def oidc_settings() -> Mapping[str, Any] | None:
    """The [auth] section of secrets.toml, or None when OpenID Connect is not configured."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - a broken secrets file means "not configured", not a crash
        return None
    return section if isinstance(section, Mapping) and section else None


def oidc_providers(settings: Mapping[str, Any]) -> list[str | None]:
    """[None] for one provider configured directly under [auth]; else the names of [auth.NOME]."""
    named = [k for k, v in settings.items() if k not in _AUTH_SHARED_KEYS and isinstance(v, Mapping)]
    if "client_id" in settings or not named:
        return [None]
    return sorted(named)


def _oidc_identity() -> dict[str, Any] | None:
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no identity rather than a traceback
        return None


# --------------------------------------------------------------------------- local demo mode
@dataclass(frozen=True)
class LocalAccess:
    """May the app log in the local "demo" user (no users file, no [auth])? `problem`: why it
    cannot tell, in Portuguese (then it shows that and no data)."""

    allowed: bool
    problem: str | None = None


def local_access() -> LocalAccess:
    """Only while there is nothing real to protect: no database yet, or every document and case
    the demo generator's. StoreBusyError goes up (the page says "ocupado"); anything else that goes
    wrong while deciding is a refusal."""
    try:
        s = data.store()
        if not s.path.exists():
            return LocalAccess(True)
        return LocalAccess(not data.provenance().has_real)
    except StoreBusyError:
        raise
    except StoreError as exc:
        return LocalAccess(False, str(exc))
    except Exception as exc:  # noqa: BLE001 - fail closed, whatever it was
        return LocalAccess(False, f"Erro inesperado ao ler o banco de dados ({type(exc).__name__}).")


def menu_allowed() -> bool:
    """May this run show the page menu before require_user decides? Someone is logged in and,
    for the local demo user, the database still holds nothing real (a real form imported since
    the last click closes the session: the screen then shows only what to do)."""
    user = current_user()
    if user is None:
        return False
    if user.via != "local":
        return True
    try:
        return local_access().allowed
    except Exception:  # noqa: BLE001 - busy or anything else: no menu; require_user says why
        return False


def local_mode_allowed() -> bool:
    return local_access().allowed


def first_admin_command() -> str:
    """The exact command that creates the first administrator, for the file this server reads."""
    users = auth.users_path()
    prefix = "" if users == auth.DEFAULT_USERS_PATH else f"RETENTION_USERS={users} "
    return f"{prefix}.venv/bin/python -m retention_analytics users add admin --role admin"


def _stop_without_data(access: LocalAccess) -> None:
    """The only screen without a login: what keeps the data closed and the one thing to do."""
    st.title("Painel de Retenção")
    if access.problem:
        st.error(
            "O painel não conseguiu confirmar que este banco de dados só tem a demonstração, então não mostra "
            f"nenhum dado.\n\n{md(access.problem)}",
            icon="🔒",
        )
        st.button("Tentar de novo", key="_retention_retry_access")
    else:
        st.error(
            "Este banco de dados tem formulários reais e ainda não há usuários cadastrados, então o painel "
            "não abre sem login.",
            icon="🔒",
        )
        st.markdown("No servidor, na pasta do painel, cadastre o primeiro administrador (a senha é pedida sem eco):")
        st.code(first_admin_command(), language="bash", wrap_lines=True)
        st.markdown("Depois recarregue esta página e entre com esse usuário e senha.")
    st.stop()


# --------------------------------------------------------------------------- audit of logins
def _audit_login(user: str, action: str, role: str | None = None, detail: str | None = None) -> None:
    """Best effort: a login is recorded when the database can take it within two seconds (a long
    CLI import must not keep people out), never creating the database."""
    s = data.store()
    if not s.path.exists():
        return
    try:
        Store(s.path, lock_timeout=2).record_audit(user[:64], action, role=role, page="Login", detail=detail)
    except Exception:  # noqa: BLE001 - never block a login on the audit of logins
        pass


def _log_in(user: User) -> None:
    st.session_state[USER_KEY] = user
    _audit_login(user.username, "login", user.role, f"via {user.via}")


def log_out() -> None:
    user = current_user()
    for k in list(st.session_state.keys()):
        del st.session_state[k]  # filters, reveal, previews: nothing of this user stays behind
    if user is not None and user.via == "oidc":
        try:
            st.logout()
        except Exception:  # noqa: BLE001
            pass


# --------------------------------------------------------------------------- the gate
def _still_valid(user: User | None, users: Mapping[str, User], settings: Mapping[str, Any] | None) -> User | None:
    """The session's user as the users file says now: a role or operators changed take effect on
    the next run, a removed user (or a provider logout) ends the session, and the automatic demo
    user stops once a users file or [auth] exists."""
    if user is None:
        return None
    if user.via == "local":
        return None  # the local user exists only without users or [auth] (require_user decides)
    if user.via == "oidc" and _oidc_identity() is None:
        return None  # logged out at the provider (cookie gone)
    fresh = users.get(user.username)
    if fresh is None:
        return None
    return replace(fresh, via=user.via)


def require_user() -> User:
    """The session's user; otherwise draw the login screen and stop this run."""
    settings = oidc_settings()
    try:
        users = auth.load_users()
    except auth.AuthError as exc:
        st.session_state.pop(USER_KEY, None)  # fail closed: nobody stays in on an unreadable file
        st.title("Painel de Retenção")
        st.error(f"O login está indisponível: {exc} Peça ao administrador para corrigir o arquivo de usuários.")
        st.stop()
    if not users and settings is None:
        # Decided on every run: a real form imported a moment ago (here or by the CLI), or a
        # restored backup, ends the local session on the next click.
        try:
            access = local_access()
        except StoreBusyError as exc:
            st.session_state.pop(USER_KEY, None)
            data.stop_busy(exc)
        if access.allowed:
            st.session_state[USER_KEY] = auth.DEMO_USER
            return auth.DEMO_USER
        st.session_state.pop(USER_KEY, None)
        _stop_without_data(access)
    session_user = current_user()
    user = _still_valid(session_user, users, settings)
    if user is not None:
        if user != session_user:
            st.session_state[USER_KEY] = user
        return user
    st.session_state.pop(USER_KEY, None)
    if settings is not None:
        identity = _oidc_identity()
        if identity is not None:
            mapped = auth.user_for_identity(users, identity)
            if mapped is not None:
                _log_in(mapped)
                return mapped
            _audit_login(str(identity.get("email") or "?"), "login_recusado", detail="e-mail sem acesso (OIDC)")
            st.title("Painel de Retenção")
            st.error(
                f"O e-mail {identity.get('email') or '(sem e-mail)'} entrou pelo provedor, mas não tem acesso ao "
                "painel. Peça a um administrador para cadastrá-lo (`users add NOME --email E-MAIL`)."
            )
            st.button("Sair", on_click=log_out)
            st.stop()
    _draw_login(users, settings)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _draw_login(users: Mapping[str, User], settings: Mapping[str, Any] | None) -> None:
    st.title("🦷 Painel de Retenção")
    st.write("Entre para ver os dados de retenção das operadoras que você acompanha.")
    if settings is not None:
        for provider in oidc_providers(settings):
            label = "Entrar com a conta da empresa" + (f" ({provider})" if provider else "")
            if st.button(label, type="primary", key=f"oidc_{provider or 'padrao'}"):
                try:
                    st.login(provider) if provider else st.login()
                except Exception as exc:  # noqa: BLE001 - e.g. Authlib missing or [auth] incomplete
                    st.error(
                        f"O login pela conta da empresa não está disponível ({type(exc).__name__}). Confira a seção "
                        "[auth] de .streamlit/secrets.toml e se o pacote Authlib está instalado."
                    )
    if any(u.password_hash for u in users.values()):
        with st.form("login", clear_on_submit=True):  # the password never stays in the box
            name = st.text_input("Usuário", key="login_usuario", autocomplete="username")
            password = st.text_input("Senha", type="password", key="login_senha", autocomplete="current-password")
            submitted = st.form_submit_button("Entrar", type="primary")
        if submitted:
            wait = auth.locked_for((name or "").strip().lower())
            user = auth.authenticate(users, name or "", password or "") if wait <= 0 else None
            if user is not None:
                _log_in(user)
                st.rerun()
            _audit_login((name or "?").strip().lower() or "?", "login_recusado", detail="senha")
            if wait > 0 or auth.locked_for((name or "").strip().lower()) > 0:
                st.error("Muitas tentativas erradas para este usuário. Espere um minuto e tente de novo.")
            else:
                st.error("Usuário ou senha incorretos.")
    elif settings is None:
        st.info("Nenhum usuário com senha cadastrado. Peça a um administrador: `users add NOME --role …`.")


def draw_user_box(user: User) -> None:
    """Who is logged in, the demo notice, and "Sair" — at the bottom of the sidebar."""
    with st.sidebar:
        if user.via == "local":
            mode = "Modo demonstração" if data.is_demo() else "Modo local (banco ainda sem formulários)"
            st.info(
                f"{mode}: usuário local 'demo' (administrador), sem login, porque não há arquivo de usuários. "
                "Para exigir login, cadastre usuários com `python -m retention_analytics users add`.",
                icon="🔓",
            )
        else:
            st.caption(f"Conectado como **{md(user.describe())}**")
            st.button("Sair", key="logout", on_click=log_out)
