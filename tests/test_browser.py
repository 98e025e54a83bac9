"""The app in a real browser: the server started as `make run` starts it, headless Chromium driving it.

What AppTest cannot show: the pages load in a browser without an exception, the sidebar links
switch pages, a filter chosen in the sidebar survives the switch (chip and URL), and a real form
uploaded through the browser's file dialog into the demonstration is refused with what to do; the
admin's "Remover a demonstração e importar" stores it, and from then on the app asks for a login
(first the command that creates the administrator, then the login form) before the form opens on
Casos. A screenshot of every page goes to artifacts/screenshots/<page>.png for a person to look at.

The server is started by `make run` itself (as a newcomer starts it), against a copy of the demo
database (the upload writes into it). Skipped only when
/usr/bin/chromium is absent. The server is always stopped, whatever happens. Every wait is bounded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from forms_factory import make_record
from retention_analytics.demo import render
from retention_analytics.store import Store
from retention_analytics.ui.nav import PAGES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_TIMEOUT = 90  # s, until /_stcore/health answers
RUN_TIMEOUT_MS = 90_000  # one page run (the first one computes every summary of the demo)
UPLOAD_PROTOCOL = "NAV-8001"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, log_path: Path, env_extra: dict[str, str] | None = None, demo_cases: int = 60):
    """`make run` on a free port (it builds a demo of `demo_cases` cases when `db` does not exist);
    (process, log, url) once healthy."""
    port = _free_port()
    log = log_path.open("wb")
    env = {**os.environ, "RETENTION_DB": str(db), **(env_extra or {})}
    env.pop("MAKEFLAGS", None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", f"DB={db}", f"DEMO_CASES={demo_cases}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group (make and streamlit): stopped as a whole
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            stop_server(process, log)
            pytest.fail(f"o servidor terminou ao iniciar:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return process, log, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(process, log)
            pytest.fail(f"o servidor não respondeu em {SERVER_START_TIMEOUT} s")
        time.sleep(0.3)


def stop_server(process, log) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    log.close()


@pytest.fixture
def server(demo_db, tmp_path):
    """The server against a copy of the demo database, with a users file path that has no users
    yet; yields its URL, database, users file and log."""
    db = tmp_path / "navegador.duckdb"
    shutil.copy(demo_db, db)
    users = tmp_path / "usuarios.toml"
    process, log, url = start_server(db, tmp_path / "streamlit.log", {"RETENTION_USERS": str(users)})
    try:
        yield {"url": url, "db": db, "users": users, "log": tmp_path / "streamlit.log"}
    finally:
        stop_server(process, log)


@pytest.fixture
def chromium():
    """Debian's Chromium driven by playwright (no browser download); closed afterwards."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium não encontrado em /usr/bin/chromium (instale o pacote chromium do Debian)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, height: int = 1600):
    context = browser.new_context(viewport={"width": 1440, "height": height}, locale="pt-BR")
    page = context.new_page()
    page.set_default_timeout(RUN_TIMEOUT_MS)
    return page


@pytest.fixture
def browser_page(chromium):
    return new_page(chromium)


def _running(page) -> bool:
    """Streamlit's status widget says a run is under way ("Running…" with a "Stop" button). It also
    appears for other news (a source file changed on disk, a lost connection): those are not runs."""
    widget = page.locator('[data-testid="stStatusWidget"]')
    if widget.count() == 0:
        return False
    try:
        text = widget.first.inner_text(timeout=2000)
    except Exception:  # noqa: BLE001 - it vanished between count() and inner_text(): not running
        return False
    return "Stop" in text or "Running" in text


def wait_until_idle(page, title: str | None = None, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Until the app is drawn, shows `title` and Streamlit's "running" indicator stayed away a while."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    if title:
        page.locator("h1").filter(has_text=title).first.wait_for(timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while time.monotonic() < deadline:
        running = _running(page)
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError(f"a página não terminou de rodar em {timeout_ms / 1000:.0f} s")


def assert_no_exception(page, where: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, f"exceção na página {where}"
    assert page.locator(".stException").count() == 0, f"exceção na página {where}"
    body = page.inner_text("body")
    assert "Traceback" not in body, f"traceback na página {where}"


def go(page, label: str) -> None:
    """Switch page the way users do: the link in the sidebar."""
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=label).first.click()


def shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its own container, so a "full page" screenshot
    shows one screen only; the window is made as tall as the content for the picture."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or {"width": 1440, "height": 1600}
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stMainBlockContainer"]',
                              '[data-testid="stSidebarContent"]']
            .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight), 0)"""
    )
    page.set_viewport_size({"width": viewport["width"], "height": int(min(max(viewport["height"], height + 80), 12000))})
    try:
        time.sleep(0.5)  # let charts and grids redraw at the new size
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    finally:
        page.set_viewport_size(viewport)


def visible_chips(chip, timeout_ms: int = 10_000) -> None:
    """Wait until a multiselect's chip is drawn where people see it. Streamlit 1.67's multiselect
    (React Aria) first builds its chips inside a hidden <template>, which a CSS count also sees:
    counting at once found 0 or 2 chips now and then; the tests count the visible ones."""
    try:
        chip.filter(visible=True).first.wait_for(timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - the caller's assertion says what is missing
        pass


def uf_multiselect(page):
    label = page.locator('[data-testid="stWidgetLabel"]').filter(has=page.get_by_text("UF", exact=True))
    return page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has=label).first


def test_every_page_filters_and_upload_in_a_browser(server, browser_page, tmp_path):
    try:
        _walk_through(server, browser_page, tmp_path)
    except BaseException:
        # What the browser showed when it failed, and what the server said, for whoever debugs it.
        shot(browser_page, "falha")
        print(server["log"].read_text(errors="replace")[-5000:])
        raise


def _walk_through(server, page, tmp_path) -> None:
    page.goto(server["url"] + "/", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Visão geral")
    assert_no_exception(page, "app.py")
    shot(page, "app")

    # Every page, through the sidebar links.
    for spec in PAGES:
        path, label = spec.path, spec.title
        if spec.default:
            continue
        go(page, label)
        wait_until_idle(page, label)
        assert_no_exception(page, path)
        shot(page, Path(path).stem)

    # A filter chosen on one page is still there after switching pages (chip and URL).
    go(page, "Visão geral")
    wait_until_idle(page, "Visão geral")
    uf_multiselect(page).click()
    page.keyboard.type("MG")
    page.get_by_role("option", name="MG", exact=True).first.click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => new URLSearchParams(location.search).getAll('uf').includes('MG')",
                           timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Visão geral")
    assert "UF: MG" in page.inner_text("body")
    go(page, "Casos")
    wait_until_idle(page, "Casos")
    assert_no_exception(page, "Casos com filtro")
    chip = uf_multiselect(page).locator('[data-testid="stMultiSelectTagsContainer"] [data-tag][aria-label="MG"]')
    visible_chips(chip)  # (see visible_chips)
    assert chip.filter(visible=True).count() == 1, "o filtro de UF sumiu ao trocar de página"
    assert "uf=MG" in page.url
    assert "UF: MG" in page.inner_text("body")
    shot(page, "5_Casos_filtro_MG")
    # The table's CSV is made on the click (ui/page.download_buttons): what Excel in Brazil opens,
    # with the filters written in it and only MG's rows.
    with page.expect_download(timeout=RUN_TIMEOUT_MS) as info:
        page.locator('[data-testid="stMain"] [data-testid="stDownloadButton"] button').filter(
            has_text="CSV").first.click()
    assert info.value.suggested_filename.endswith(".csv")
    csv_bytes = Path(info.value.path()).read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    csv_text = csv_bytes.decode("utf-8-sig")
    assert "UF: MG" in csv_text and ";" in csv_text
    wait_until_idle(page, "Casos")

    # The list is a fragment (a search reruns only it); a case opened from it reruns the whole
    # page: the form below and the address follow.
    with Store(server["db"]).connect() as con:
        protocol, mg_case = con.execute("select protocol_number, case_id from cases where is_current and uf = 'MG' "
                                        "and protocol_number is not null order by case_id limit 1").fetchone()
    search = page.get_by_label("Buscar", exact=True).and_(page.locator("input"))
    search.fill(protocol)
    search.press("Enter")
    page.get_by_text("1 caso encontrado").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Casos")
    assert "UF: MG" in page.inner_text("body"), "the frame is still there after the list's own rerun"
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Abrir o caso do protocolo").locator(
        "input").first.click()
    page.get_by_role("option", name=re.compile(re.escape(protocol))).first.click()
    page.locator("h3").filter(has_text=f"Formulário do caso {protocol}").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Casos")
    assert_no_exception(page, "Casos (caso aberto pela lista)")
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('caso') === '{mg_case}'",
                           timeout=RUN_TIMEOUT_MS)
    shot(page, "5_Casos_caso_aberto_pela_lista")

    # A real form uploaded into the demonstration: refused in the preview, with what to do.
    form = tmp_path / "formulario_navegador.xlsx"
    form.write_bytes(render(make_record(protocol_number=UPLOAD_PROTOCOL, uf="MG"), "xlsx"))
    go(page, "Importar")
    wait_until_idle(page, "Importar")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(form))
    page.get_by_role("button", name="Remover a demonstração e importar").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert_no_exception(page, "Importar (prévia)")
    body = page.inner_text("body")
    # The preview grid is drawn on a canvas (no text to read); its counts are plain text.
    assert re.search(r"Serão importados\s+1\b", body)
    assert "formulários reais não se misturam" in body and "demo --remove" in body
    assert page.get_by_role("button", name="Confirmar importação").count() == 0
    shot(page, "6_Importar_previa_demo")
    with Store(server["db"]).connect() as con:
        assert con.execute("select count(*) from cases where protocol_number = ?", [UPLOAD_PROTOCOL]).fetchone()[0] == 0

    # The admin's way on: the demonstration goes, the form is stored, and the app closes.
    page.get_by_role("button", name="Remover a demonstração e importar").click()
    page.get_by_text("cadastre o primeiro administrador").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert_no_exception(page, "depois da importação real")
    body = page.inner_text("body")
    assert "users add admin --role admin" in body
    assert "Visão geral" not in body and "ODONTOLIFE" not in body, "only the command, no data and no pages"
    shot(page, "sem_usuarios_dados_reais")
    with Store(server["db"]).connect() as con:
        assert con.execute("select count(*) filter (where is_demo), count(*) from cases").fetchone() == (0, 1)
        case_id = con.execute("select case_id from cases where protocol_number = ?", [UPLOAD_PROTOCOL]).fetchone()[0]

    # The IT person runs that command; the next visit asks for a login.
    created = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "retention_analytics", "users", "add", "admin", "--role", "admin",
         "--password-stdin"],
        cwd=ROOT, env={**os.environ, "RETENTION_USERS": str(server["users"])}, input=b"senha-do-admin-1\n",
        capture_output=True, timeout=60,
    )
    assert created.returncode == 0, created.stderr.decode()
    page.goto(f"{server['url']}/Casos?caso={case_id}", timeout=RUN_TIMEOUT_MS)
    page.get_by_role("button", name="Entrar").wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page)
    assert UPLOAD_PROTOCOL not in page.inner_text("body"), "nothing before logging in"
    page.get_by_label("Usuário").fill("admin")
    page.get_by_label("Senha").fill("senha-do-admin-1")
    page.get_by_role("button", name="Entrar").click()
    page.locator("h3").filter(has_text=f"Formulário do caso {UPLOAD_PROTOCOL}").first.wait_for(timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Casos")
    assert_no_exception(page, "Casos (caso importado)")
    assert "caso=" in page.url
    body = page.inner_text("body")
    assert "☒" in body and "☐" in body
    assert "12345678909" not in body, "CPF sem máscara na tela"
    shot(page, "5_Casos_formulario")


def test_a_deep_link_is_the_first_request_and_still_gets_the_frame(server, browser_page):
    """A fresh server whose first visitor follows a copied link: Streamlit 1.67 runs that first
    request in pages-directory mode (pages/ sits next to app.py); the page still gets the whole
    frame: menu with the registry's titles, sidebar filters from the URL, banner, title, caption."""
    page = browser_page
    page.goto(server["url"] + "/Motivos_de_desligamento?uf=MG", timeout=RUN_TIMEOUT_MS)
    wait_until_idle(page, "Motivos de desligamento")
    assert_no_exception(page, "/Motivos_de_desligamento")
    menu = page.locator('[data-testid="stSidebarNav"]').inner_text()
    for spec in PAGES:
        assert spec.title in menu, spec.title
    assert "Visao_geral" not in menu and "app" not in menu.split()
    body = page.inner_text("body")
    assert "Dados de demonstração" in body
    assert "Filtros: UF: MG" in body
    chip = uf_multiselect(page).locator('[data-testid="stMultiSelectTagsContainer"] [data-tag][aria-label="MG"]')
    visible_chips(chip)
    assert chip.filter(visible=True).count() == 1, "the UF filter of the link is in the sidebar"
    assert page.url.endswith("/Motivos_de_desligamento?uf=MG")
    shot(page, "link_direto_motivos")
    # One click in the menu later the frame is the same (st.navigation mode from then on).
    go(page, "Casos")
    wait_until_idle(page, "Casos")
    assert "uf=MG" in page.url and "/Casos" in page.url
