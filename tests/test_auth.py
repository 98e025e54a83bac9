"""Login and users: the users file, bcrypt passwords, roles, OpenID Connect mapping, the CLI, the
login screen and the automatic demo user.

The login screen is driven through AppTest with a real users file (RETENTION_USERS, bcrypt cost 4
so the suite stays fast); other tests log in with the session hook (app_helpers.open_as).
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import sys

import pytest

from app_helpers import APP, TIMEOUT, assert_ok, open_as, rendered_text
from forms_factory import make_record
from retention_analytics import auth
from retention_analytics.auth import AuthError, User
from retention_analytics.cli import main
from retention_analytics.demo import render
from retention_analytics.store import Store
from retention_analytics.ui import importer
from retention_analytics.ui.state import USER_KEY
from streamlit.testing.v1 import AppTest

PASSWORD = "correta-horse-9"


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    """A users file with an admin and a gestor of ODONTOLIFE, used by the app and the CLI."""
    users: dict[str, User] = {}
    auth.add_user(users, "chefe", "admin", password=PASSWORD, rounds=4)
    auth.add_user(users, "gestora", "gestor", ["ODONTOLIFE"], email="Gestora@Operadora.com.br",
                  password=PASSWORD, rounds=4)
    path = auth.save_users(users, tmp_path / "users.toml")
    monkeypatch.setenv("RETENTION_USERS", str(path))
    return path


# --------------------------------------------------------------------------- the users file
def test_users_file_round_trip_private_and_never_shows_hashes(users_file):
    users = auth.load_users()
    assert set(users) == {"chefe", "gestora"}
    assert users["gestora"].operators == ("ODONTOLIFE",) and users["gestora"].email == "gestora@operadora.com.br"
    assert users["chefe"].scope is None and users["gestora"].scope == frozenset({"odontolife"})
    assert stat.S_IMODE(os.stat(users_file).st_mode) == 0o600
    assert "$2b$" not in repr(users["chefe"]) and "password_hash" not in repr(users["chefe"])
    assert PASSWORD not in users_file.read_text()


@pytest.mark.parametrize("text, message", [
    ("isto não é toml [", "não é TOML válido"),
    ('[users."x"]\nrole = "rei"\n', "papel"),
    ('[users."x"]\nrole = "gestor"\noperators = 3\n', "lista"),
    ('[users."x"]\nrole = "admin"\npassword_hash = "texto puro"\n', "bcrypt"),
    ('[users."../x"]\nrole = "admin"\n', "Nome de usuário inválido"),
])
def test_a_bad_users_file_is_a_portuguese_error(tmp_path, text, message):
    path = tmp_path / "users.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AuthError, match=message):
        auth.load_users(path)


def test_passwords_rules_and_authentication(users_file):
    users = auth.load_users()
    with pytest.raises(AuthError, match="pelo menos"):
        auth.hash_password("curta")
    with pytest.raises(AuthError, match="no máximo"):
        auth.hash_password("á" * 40)
    assert auth.authenticate(users, "CHEFE", PASSWORD).username == "chefe"
    assert auth.authenticate(users, "chefe", PASSWORD + "x") is None
    assert auth.authenticate(users, "ninguem", PASSWORD) is None
    assert auth.authenticate(users, "'; drop table--", PASSWORD) is None
    assert auth.authenticate(users, "chefe", "x" * 500) is None


def test_too_many_wrong_passwords_lock_the_name_for_a_while(users_file, monkeypatch):
    users = auth.load_users()
    monkeypatch.setattr(auth, "_FAILURES", {})
    for _ in range(auth.MAX_FAILURES):
        assert auth.authenticate(users, "gestora", "errada-123") is None
    assert auth.locked_for("gestora") > 0
    assert auth.authenticate(users, "gestora", PASSWORD) is None, "locked, even with the right password"
    assert auth.locked_for("chefe") == 0, "other names are not affected"


def test_openid_connect_identities_map_to_users_by_email():
    users = {}
    auth.add_user(users, "gestora", "gestor", ["ODONTOLIFE"], email="gestora@op.com.br", rounds=4)
    auth.add_user(users, "chefe", "admin", email="chefe@op.com.br", password=PASSWORD, rounds=4)
    found = auth.user_for_identity(users, {"email": "GESTORA@op.com.br", "email_verified": True})
    assert found.username == "gestora" and found.via == "oidc" and found.scope == frozenset({"odontolife"})
    assert auth.user_for_identity(users, {"email": "gestora@op.com.br"}).username == "gestora"
    assert auth.user_for_identity(users, {"email": "gestora@op.com.br", "email_verified": False}) is None
    assert auth.user_for_identity(users, {"email": "estranho@op.com.br"}) is None
    assert auth.user_for_identity(users, {"name": "sem e-mail"}) is None
    with pytest.raises(AuthError, match="já pertence"):
        auth.add_user(users, "outra", "gestor", ["X"], email="gestora@op.com.br", rounds=4)
    # Two users with one e-mail (a hand-edited file): ambiguous, nobody gets in.
    users["copia"] = User("copia", "admin", email="gestora@op.com.br")
    assert auth.user_for_identity(users, {"email": "gestora@op.com.br"}) is None


def test_oidc_provider_names_from_the_auth_section():
    from retention_analytics.ui.login import oidc_providers

    assert oidc_providers({"redirect_uri": "x", "cookie_secret": "y", "client_id": "c"}) == [None]
    assert oidc_providers({"redirect_uri": "x", "cookie_secret": "y", "microsoft": {"client_id": "c"},
                           "google": {"client_id": "d"}}) == ["google", "microsoft"]


# --------------------------------------------------------------------------- the CLI
def _cli(monkeypatch, capsys, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_users_cli_add_list_passwd_remove_never_print_hashes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "novo" / "users.toml"
    monkeypatch.setenv("RETENTION_USERS", str(path))
    monkeypatch.setenv("RETENTION_BCRYPT_ROUNDS", "4")
    code, out, _ = _cli(monkeypatch, capsys, "users", "add", "Ana", "--role", "admin", "--password-stdin",
                        stdin=PASSWORD + "\n")
    assert code == 0 and "ana" in out
    code, out, _ = _cli(monkeypatch, capsys, "users", "add", "bia", "--role", "gestor", "--operator", "ODONTOLIFE",
                        "--operator", "SorrisoMax", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0
    code, _, err = _cli(monkeypatch, capsys, "users", "add", "caio", "--role", "analista", "--password-stdin",
                        stdin=PASSWORD + "\n")
    assert code == 2 and "ao menos uma operadora" in err
    code, _, err = _cli(monkeypatch, capsys, "users", "add", "dani", "--role", "admin", "--password-stdin",
                        stdin="curta\n")
    assert code == 2 and "pelo menos" in err
    code, out, _ = _cli(monkeypatch, capsys, "users", "list")
    assert code == 0 and "ana" in out and "bia" in out and "ODONTOLIFE, SorrisoMax" in out
    assert "$2" not in out and PASSWORD not in out
    old_hash = auth.load_users()["bia"].password_hash
    code, out, _ = _cli(monkeypatch, capsys, "users", "passwd", "bia", "--password-stdin", stdin="outra-senha-1\n")
    assert code == 0 and "$2" not in out
    users = auth.load_users()
    assert users["bia"].password_hash != old_hash and auth.authenticate(users, "bia", "outra-senha-1")
    code, _, err = _cli(monkeypatch, capsys, "users", "remove", "ana")
    assert code == 2 and "único administrador" in err
    code, out, _ = _cli(monkeypatch, capsys, "users", "remove", "bia")
    assert code == 0 and set(auth.load_users()) == {"ana"}
    code, _, err = _cli(monkeypatch, capsys, "users", "passwd", "ninguem", "--password-stdin", stdin="x" * 9 + "\n")
    assert code == 2 and "não encontrado" in err


# --------------------------------------------------------------------------- the app
def test_demo_database_without_users_logs_in_the_local_demo_user(demo_db, use_db):
    use_db(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert any("Modo demonstração: usuário local 'demo'" in i.value for i in at.sidebar.info)
    assert at.session_state[USER_KEY].username == "demo"


def test_real_data_without_users_file_does_not_open(tmp_path, use_db):
    db = use_db(tmp_path / "real.duckdb")
    store = Store(db)
    importer.commit(store, importer.prepare(store, [importer.Upload("real.xlsx", render(make_record(), "xlsx"))]))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert any("users add admin --role admin" in c.value for c in at.code), "the exact command, nothing else"
    assert "ODONTOLIFE" not in rendered_text(at)
    assert not at.get("dataframe")


def _assert_no_data(at) -> None:
    assert USER_KEY not in at.session_state, "nobody is logged in"
    text = rendered_text(at)
    assert "ODONTOLIFE" not in text and "Visão geral" not in text
    assert not at.get("dataframe") and not at.get("plotly_chart") and not at.get("metric")


def _legacy_with_real_upload(tmp_path):
    import gzip

    target = tmp_path / "legado.duckdb"
    source = os.path.join(os.path.dirname(__file__), "fixtures", "legacy", "schema1_demo_with_real_upload.duckdb.gz")
    with gzip.open(source) as data, open(target, "wb") as out:
        shutil.copyfileobj(data, out)
    return target


def test_a_real_form_imported_during_a_demo_session_ends_it(demo_db, tmp_path, use_db):
    """The local demo user is decided on every run: a real form arriving (here, by the CLI after
    the demo was removed) closes the open session on its next click."""
    db = use_db(tmp_path / "sessao.duckdb")
    shutil.copy(demo_db, db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.session_state[USER_KEY].username == "demo"
    store = Store(db)
    store.remove_demo()
    at.run()
    assert at.session_state[USER_KEY].username == "demo", "an empty database has nothing to protect"
    importer.commit(store, importer.prepare(store, [importer.Upload("real.xlsx", render(make_record(), "xlsx"))]))
    at.run()
    assert_ok(at)
    _assert_no_data(at)
    assert any("users add admin --role admin" in c.value for c in at.code)


def test_a_database_from_before_schema_2_with_a_real_upload_asks_for_a_login(tmp_path, use_db):
    """The bug of issue 9 as it sits in users' files: schema 1 called this database a demo."""
    use_db(_legacy_with_real_upload(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    _assert_no_data(at)
    assert any("users add admin --role admin" in c.value for c in at.code)


def test_a_restored_backup_with_real_data_asks_for_a_login(demo_db, tmp_path, use_db):
    from retention_analytics.store.backup import restore

    db = use_db(tmp_path / "restaurado.duckdb")
    shutil.copy(demo_db, db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.session_state[USER_KEY].username == "demo"
    restore(Store(db), _legacy_with_real_upload(tmp_path))
    at.run()
    assert_ok(at)
    _assert_no_data(at)


def _newer(db):
    Store(db).set_meta("schema_version", "99")


def _foreign(db):
    import duckdb

    db.unlink()
    con = duckdb.connect(str(db))
    con.execute("create table clientes (nome varchar)")
    con.close()


def _garbage(db):
    db.write_bytes(b"isto nao e um banco" * 100)


def _damaged_meta(db):
    with Store(db).connect(read_only=False) as con:
        con.execute("delete from meta")
        con.execute("insert into meta values ('is_demo', 'true')")


@pytest.mark.parametrize("damage, message", [
    (_newer, "versão mais nova"),
    (_foreign, "não do Painel de Retenção"),
    (_garbage, "não é um banco de dados do Painel"),
    (_damaged_meta, None),  # real rows, meta gone: the rows decide, so login (the command)
])
def test_a_database_the_app_cannot_vouch_for_shows_no_data(real_db, tmp_path, use_db, damage, message):
    db = use_db(tmp_path / "duvida.duckdb")
    shutil.copy(real_db, db)
    damage(db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    _assert_no_data(at)
    if message:
        assert any(message in e.value for e in at.error), [e.value for e in at.error]
    else:
        assert any("users add admin --role admin" in c.value for c in at.code)


def test_an_exception_while_deciding_shows_no_data(demo_db, tmp_path, use_db, monkeypatch):
    db = use_db(tmp_path / "excecao.duckdb")
    shutil.copy(demo_db, db)

    def broken(self):
        raise RuntimeError("disco com defeito")

    monkeypatch.setattr(Store, "provenance", broken)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    _assert_no_data(at)
    assert any("RuntimeError" in e.value for e in at.error)


def test_a_locked_database_shows_the_busy_page_and_no_data(real_db, tmp_path, use_db, monkeypatch):
    import subprocess

    db = use_db(tmp_path / "ocupado.duckdb")
    shutil.copy(real_db, db)
    monkeypatch.setenv("RETENTION_DB_LOCK_TIMEOUT", "1")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ok', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"ok"
        from retention_analytics.store import store as store_module
        monkeypatch.setattr(store_module, "DEFAULT_LOCK_TIMEOUT", 1.0)
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert_ok(at)
        _assert_no_data(at)
        assert any("ocupado" in w.value for w in at.warning)
    finally:
        holder.kill()
        holder.wait()


def test_login_form_wrong_then_right_password(demo_db, tmp_path, use_db, users_file):
    db = tmp_path / "login.duckdb"
    shutil.copy(demo_db, db)
    use_db(db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert [t.label for t in at.text_input] == ["Usuário", "Senha"]
    assert "ODONTOLIFE" not in rendered_text(at) and not at.get("dataframe"), "nothing before login"

    at.text_input(key="login_usuario").set_value("gestora")
    at.text_input(key="login_senha").set_value("senha-errada")
    at.button[0].click().run()
    assert_ok(at)
    assert any("Usuário ou senha incorretos" in e.value for e in at.error)
    assert USER_KEY not in at.session_state

    at.text_input(key="login_usuario").set_value("gestora")
    at.text_input(key="login_senha").set_value(PASSWORD)
    at.button[0].click().run()
    assert_ok(at)
    assert at.session_state[USER_KEY].username == "gestora"
    assert at.title[0].value == "Visão geral"
    assert any("gestora" in c.value for c in at.sidebar.caption)
    text = rendered_text(at)
    assert "ODONTOLIFE" in text and "SorrisoMax" not in text
    assert PASSWORD not in text

    events = Store(db).audit_entries()
    assert [(e["username"], e["action"]) for e in events[:2]] == [("gestora", "login"), ("gestora", "login_recusado")]

    at.button(key="logout").click().run()
    assert_ok(at)
    assert USER_KEY not in at.session_state and [t.label for t in at.text_input] == ["Usuário", "Senha"]


def test_a_broken_users_file_refuses_everyone(demo_db, use_db, tmp_path, monkeypatch):
    use_db(demo_db)
    bad = tmp_path / "users.toml"
    bad.write_text("[users\n", encoding="utf-8")
    monkeypatch.setenv("RETENTION_USERS", str(bad))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert any("login está indisponível" in e.value for e in at.error)
    assert USER_KEY not in at.session_state


def test_every_page_asks_for_login_first(demo_db, use_db, users_file):
    use_db(demo_db)
    for page in ("pages/5_Casos.py", "pages/6_Importar.py"):
        at = open_as(page, None, {"caso": "1"})
        assert_ok(at)
        assert [t.label for t in at.text_input] == ["Usuário", "Senha"], page
        assert not at.get("file_uploader") and not at.get("dataframe"), page


def test_openid_connect_login_path_maps_the_identity(demo_db, use_db, users_file, monkeypatch):
    """The [auth] code path with the provider faked (Authlib and a real provider are not needed to
    test what the app does with an identity): a known e-mail enters with its role, an unknown one
    is told it has no access, and no data is shown to it."""
    from retention_analytics.ui import login

    use_db(demo_db)
    monkeypatch.setattr(login, "oidc_settings", lambda: {"client_id": "x", "redirect_uri": "http://h/oauth2callback"})
    monkeypatch.setattr(login, "_oidc_identity", lambda: None)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert any(b.label == "Entrar com a conta da empresa" for b in at.button)

    monkeypatch.setattr(login, "_oidc_identity", lambda: {"email": "GESTORA@operadora.com.br", "email_verified": True})
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    user = at.session_state[USER_KEY]
    assert (user.username, user.via, user.role) == ("gestora", "oidc", "gestor")
    assert "SorrisoMax" not in rendered_text(at) and "ODONTOLIFE" in rendered_text(at)

    monkeypatch.setattr(login, "_oidc_identity", lambda: {"email": "intrusa@fora.com", "email_verified": True})
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert any("não tem acesso" in e.value for e in at.error)
    assert USER_KEY not in at.session_state and not at.get("dataframe")


def test_the_session_follows_the_users_file(demo_db, use_db, users_file):
    """A role or operator change applies on the next run; a removed user is logged out at once."""
    use_db(demo_db)
    at = open_as("app.py", auth.load_users()["gestora"])
    assert_ok(at)
    users = auth.load_users()
    users["gestora"] = User("gestora", "gestor", ("SorrisoMax",), password_hash=users["gestora"].password_hash)
    auth.save_users(users)
    at.run()
    assert_ok(at)
    text = rendered_text(at)
    assert "SorrisoMax" in text and "ODONTOLIFE" not in text
    auth.remove_user(users, "gestora")
    auth.save_users(users)
    at.run()
    assert_ok(at)
    assert USER_KEY not in at.session_state and [t.label for t in at.text_input] == ["Usuário", "Senha"]


def test_the_demo_user_ends_when_users_are_created(demo_db, use_db, tmp_path, monkeypatch):
    use_db(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert at.session_state[USER_KEY].username == "demo"
    users: dict = {}
    auth.add_user(users, "chefe", "admin", password=PASSWORD, rounds=4)
    monkeypatch.setenv("RETENTION_USERS", str(auth.save_users(users, tmp_path / "users.toml")))
    at.run()
    assert_ok(at)
    assert USER_KEY not in at.session_state and [t.label for t in at.text_input] == ["Usuário", "Senha"]


@pytest.mark.parametrize("entry, message", [
    ('analyst = 3', "“analyst” deve ser o nome do analista"),
    ('analyst = "!!!"', "“analyst” deve ser o nome do analista"),
])
def test_the_analyst_of_a_user_round_trips_and_a_bad_one_is_refused(tmp_path, entry, message):
    path = tmp_path / "users.toml"
    users: dict = {}
    auth.add_user(users, "ana", "analista", ["ODONTOLIFE"], email="ana@op.com.br", analyst="Ana  Luíza Ferreira")
    auth.save_users(users, path)
    loaded = auth.load_users(path)["ana"]
    assert (loaded.analyst, loaded.analyst_key) == ("Ana Luíza Ferreira", "analuizaferreira")
    path.write_text(f'[users."bia"]\nrole = "analista"\noperators = ["X"]\n{entry}\n', encoding="utf-8")
    with pytest.raises(auth.AuthError, match=message):
        auth.load_users(path)
