"""Security and concurrency in a real browser, against a server started as `make run` starts it.

- Login with a users file: nothing before it, a wrong password refused, a gestor sees only their
  operator, a link to another operator's case says "não encontrado" after logging in, and the
  XSRF cookie is set (config.toml turns the protection on; uploads in test_browser.py prove it
  does not get in the way).
- Two browser sessions confirming uploads at the same moment while `ingest` writes from the
  command line: both imports succeed, and the CLI's case shows up on the next interaction.

Skipped only when /usr/bin/chromium is absent. Every wait is bounded; the server is always stopped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forms_factory import make_record, write_form
from retention_analytics import auth
from retention_analytics.demo import render
from retention_analytics.store import Store
from test_browser import (  # noqa: F401  (chromium is a fixture)
    ROOT, RUN_TIMEOUT_MS, assert_no_exception, chromium, go, new_page, shot, start_server, stop_server, wait_until_idle,
)

pytestmark = pytest.mark.browser

PASSWORD = "senha-do-navegador-1"


def _log_in(page, username: str, password: str) -> None:
    wait_until_idle(page)  # typing into a form still being drawn can be lost
    page.get_by_label("Usuário").fill(username)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()


def test_login_and_a_gestor_confined_to_their_operator(demo_db, tmp_path, chromium):
    db = tmp_path / "login.duckdb"
    shutil.copy(demo_db, db)
    users: dict = {}
    auth.add_user(users, "chefe", "admin", password=PASSWORD, rounds=4)
    auth.add_user(users, "gestora", "gestor", ["ODONTOLIFE"], password=PASSWORD, rounds=4)
    users_file = auth.save_users(users, tmp_path / "users.toml")
    with Store(db).connect() as con:
        other_case = con.execute("select case_id from cases where operator_key <> 'odontolife' and is_current "
                                 "limit 1").fetchone()[0]
    process, log, url = start_server(db, tmp_path / "streamlit.log", {"RETENTION_USERS": str(users_file)})
    page = new_page(chromium, 1400)
    try:
        page.goto(url + "/", timeout=RUN_TIMEOUT_MS)
        page.get_by_role("button", name="Entrar").wait_for()
        body = page.inner_text("body")
        assert "ODONTOLIFE" not in body and "Visão geral" not in body, "nothing before logging in"
        assert any(c["name"] == "_streamlit_xsrf" for c in page.context.cookies()), "XSRF protection is on"

        _log_in(page, "gestora", "errada-123")
        page.get_by_text("Usuário ou senha incorretos").first.wait_for()
        _log_in(page, "gestora", PASSWORD)
        wait_until_idle(page, "Visão geral")
        assert_no_exception(page, "Visão geral (gestora)")
        body = page.inner_text("body")
        assert "gestora" in body and "SorrisoMax" not in body
        go(page, "Casos")
        wait_until_idle(page, "Casos")
        assert "SorrisoMax" not in page.inner_text("body")
        shot(page, "seguranca_casos_gestora")

        # A link to another operator's case, opened in a new tab (a new session: login again).
        other = new_page(chromium, 1400)
        other.goto(f"{url}/Casos?caso={other_case}", timeout=RUN_TIMEOUT_MS)
        other.get_by_role("button", name="Entrar").wait_for()
        _log_in(other, "gestora", PASSWORD)
        wait_until_idle(other, "Casos")
        assert_no_exception(other, "Casos (link de outra operadora)")
        other.get_by_text("não foi encontrado").first.wait_for()
        assert "Formulário do caso" not in other.inner_text("body")
    except BaseException:
        shot(page, "falha_seguranca_login")
        print(log_path_tail(tmp_path / "streamlit.log"))
        raise
    finally:
        stop_server(process, log)


def log_path_tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-5000:]
    except OSError:
        return ""


def test_two_sessions_upload_at_once_while_the_cli_ingests(real_db, tmp_path, chromium):
    db = tmp_path / "concorrencia.duckdb"
    shutil.copy(real_db, db)
    users: dict = {}
    auth.add_user(users, "chefe", "admin", password=PASSWORD, rounds=4)
    users_file = auth.save_users(users, tmp_path / "users.toml")
    process, log, url = start_server(db, tmp_path / "streamlit.log", {"RETENTION_USERS": str(users_file)})
    pages = [new_page(chromium, 1400), new_page(chromium, 1400)]
    folder = tmp_path / "cli"
    for i in range(60):
        write_form(folder, f"cli_{i:02d}.txt", protocol_number=f"CLI-NAV-{i:02d}")
    try:
        for n, page in enumerate(pages):
            form = tmp_path / f"sessao_{n}.xlsx"
            form.write_bytes(render(make_record(protocol_number=f"SESSAO-{n}"), "xlsx"))
            page.goto(url + "/Importar", timeout=RUN_TIMEOUT_MS)
            page.get_by_role("button", name="Entrar").wait_for()
            _log_in(page, "chefe", PASSWORD)
            wait_until_idle(page, "Importar")
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(form))
            page.get_by_role("button", name="Confirmar importação").wait_for()
            wait_until_idle(page)
        cli = subprocess.Popen([sys.executable, "-m", "retention_analytics", "--db", str(db), "ingest", str(folder)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for page in pages:  # both confirmations in flight at once, with the CLI writing too
            page.get_by_role("button", name="Confirmar importação").click()
        for n, page in enumerate(pages):
            page.get_by_text("Importação concluída").first.wait_for(timeout=RUN_TIMEOUT_MS)
            wait_until_idle(page)
            assert_no_exception(page, f"Importar (sessão {n})")
            assert "ocupado" not in page.inner_text("body")
        assert cli.wait(timeout=120) == 0, cli.stderr.read().decode()
        with Store(db).connect() as con:
            stored = con.execute("select count(*) from cases where protocol_number like 'SESSAO-%' "
                                 "or protocol_number like 'CLI-NAV-%'").fetchone()[0]
        assert stored == 62, "nothing lost"

        # The next interaction shows what the CLI imported.
        page = pages[0]
        go(page, "Casos")
        wait_until_idle(page, "Casos")
        search = page.locator('input[aria-label="Buscar"]')
        search.fill("CLI-NAV-07")
        search.press("Enter")
        page.get_by_text("1 caso encontrado").first.wait_for(timeout=RUN_TIMEOUT_MS)
        assert_no_exception(page, "Casos depois do ingest")
    except BaseException:
        shot(pages[0], "falha_seguranca_concorrencia")
        print(log_path_tail(tmp_path / "streamlit.log"))
        raise
        raise
    finally:
        stop_server(process, log)


def _listening(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def test_make_run_listens_on_loopback_only(demo_db, tmp_path):
    """`make run` is not reachable from another machine unless asked (ADDRESS=0.0.0.0)."""
    db = tmp_path / "loopback.duckdb"
    shutil.copy(demo_db, db)
    process, log, url = start_server(db, tmp_path / "streamlit.log")
    try:
        port = int(url.rsplit(":", 1)[1])
        addresses = _listening(port)
        # 127.0.0.1 as /proc writes it (0100007F, little-endian); never 00000000 (every interface).
        assert addresses == {"0100007F"}, addresses
    finally:
        stop_server(process, log)
    dry = subprocess.run(["make", "-n", "run", "ADDRESS=0.0.0.0", f"DB={db}"], cwd=ROOT, capture_output=True, timeout=60)
    assert "--server.address 0.0.0.0" in dry.stdout.decode(), "asked for, the network address is used"
