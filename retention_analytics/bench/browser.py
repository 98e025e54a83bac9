"""`python -m retention_analytics bench-browser`: what a manager waits for in the browser.

Headless Chromium (Debian's, driven by playwright as tests/test_browser.py drives it) against the
server started exactly as `make run` starts it, on each store of the run (the 3,000-case demo and
a 1M-case synthetic store, cached in data/bench/), and against a bare Streamlit app (bench/bare_app.py:
one select, one Plotly chart, one 30-row table per page) started beside it: the framework's floor
on this machine, measured in the same minutes, so that the app is judged in multiples of it even
when other work loads the machine.

Per page, each timed from the user's gesture until the page is *settled*: Streamlit's script-run
state (`data-test-script-state` on stApp, what Streamlit's own end-to-end tests wait on) is back to
"notRunning" after a run that started after the gesture, the page's title is drawn and every visible
Plotly chart has its SVG; the condition must then hold for QUIET_MS (a rerun the script asks for
would break it) and the time it first held is the one reported.

- first load: a new browser session opening the page's address (navigation start → settled);
  "after start" is the very first visitor of a freshly started server (the home page), once per
  start, over `restarts` starts, arriving once the server says its warm-up (ui/serve.py) is done
  (the warm-up's own seconds are reported beside it);
- page switch: a click on the page in the sidebar menu;
- filter change: a UF chosen in the sidebar (on the bare app: another option of its select).

Every switch and choice is made under a filter set no earlier gesture of the run used (the UFs
chosen grow page by page, each round from another place in the list), so the page computes its
numbers as for a new question, not from Streamlit's cache; only what the previous page already
computed under the same filters is shared, as it is for a user. Medians over `rounds` rounds.

It prints a table, writes JSON (artifacts/bench-browser.json) and ends with
`summary: filter change N.N× bare, page switch N.N× bare, 1M/3k N.N` (the slowest page at the
smallest store against the bare app; the largest store against the smallest, slowest page and
gesture). It must not touch the user's database (only copies kept under data/bench/) and leaves no
server or browser running, whatever happens.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from contextlib import contextmanager

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
SERVER_START_TIMEOUT = 300  # s until /_stcore/health answers (a 1M store's derived tables may be rebuilt)
SETTLE_TIMEOUT_MS = 90_000
QUIET_MS = 250
PATIENCE_MS = 3000  # a page with fewer charts than it drew under the default filters
VIEWPORT = {"width": 1440, "height": 1000}
DEMO_CASES = 3000
HOME_CHARTS = 3  # Visão geral: monthly outcomes, top reasons, top gap cities
DEMO_SEED = 42
SYNTH_SEED = 7

# Installed in every page before its scripts: records the gesture (the first pointerdown after
# arm()), every change of Streamlit's script-run state, and answers settled(title).
_PROBE = r"""
(() => {
  const B = window.__bench = {armed: false, t0: null, runs: [], state: null, lastMsg: 0, msgs: 0};
  // Every message of the server (deltas, script finished): a run may be too quick for React to
  // ever draw its "running" state, but its messages always arrive.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { B.lastMsg = performance.now(); B.msgs++; });
    }
  };
  document.addEventListener('pointerdown', () => {
    if (B.armed) { B.t0 = performance.now(); B.armed = false; }
  }, true);
  const app = () => document.querySelector('[data-testid="stApp"]');
  const note = () => {
    const a = app();
    const s = a ? a.getAttribute('data-test-script-state') : null;
    if (s !== B.state) { B.state = s; B.runs.push([performance.now(), s]); }
  };
  new MutationObserver(note).observe(document,
    {attributes: true, subtree: true, childList: true, attributeFilter: ['data-test-script-state']});
  setInterval(note, 20);
  B.arm = () => { B.armed = true; B.t0 = null; };
  const visible = (e) => e.getClientRects().length > 0;
  B.charts = () => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(visible);
  B.drawn = () => B.charts().filter(c => c.querySelector('.main-svg')).length;
  B.ready = (since, title) => {
    note();
    if (B.state !== 'notRunning' || B.lastMsg < since) return false;
    if (title && ![...document.querySelectorAll('h1')].some(h => h.textContent.includes(title))) return false;
    return B.charts().every(c => c.querySelector('.main-svg'));
  };
  // ms from `since` (null: the armed gesture; 0: navigation start) until ready (with at least
  // minCharts charts drawn) held for quiet ms with no message from the server; a page that draws
  // fewer charts than expected (an empty recorte) is taken as it is after `patience` ms.
  B.settled = (since, title, minCharts, quiet, patience, timeout) => new Promise((resolve) => {
    const started = performance.now();
    let basic = null, full = null;
    const tick = () => {
      const from = since === null ? B.t0 : since;
      const now = performance.now();
      if (now - started > timeout) { resolve(-1); return; }
      if (from === null) { setTimeout(tick, 5); return; }
      const ok = B.ready(from, title);
      if (!ok || B.lastMsg > (basic ?? Infinity)) { basic = full = null; }
      if (ok) {
        if (basic === null) basic = now;
        if (full === null && B.drawn() >= minCharts) full = now;
        const done = (at, short) => resolve({ms: at - from, charts: B.drawn(), short: short,
          runs: B.runs.filter(([t, s]) => t >= from && s === 'running').length});
        if (full !== null && now - full >= quiet && now - B.lastMsg >= quiet) { done(full, false); return; }
        if (now - basic >= patience && now - B.lastMsg >= quiet) { done(basic, true); return; }
      }
      setTimeout(tick, 5);
    };
    tick();
  });
})();
"""


# --------------------------------------------------------------------------- servers
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log_path: Path
    started_s: float  # until /_stcore/health answered
    warmed_s: float | None = None  # until ui/serve.py's warm-up said it was done (None: no warm-up)


def _wait_healthy(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"o servidor terminou ao iniciar:\n{log_path.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"o servidor não respondeu em {SERVER_START_TIMEOUT} s")
        time.sleep(0.1)


WARM_MARKERS = ("Painel aquecido", "Aquecimento do painel interrompido")  # ui/serve.py's last words


def _wait_warm(process: subprocess.Popen, log_path: Path, started: float) -> float | None:
    """Seconds from the start until the warm-up of ui/serve.py ended (a server is measured as a
    visitor finds it once it is ready, not while it still warms); None when it never said so."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        text = log_path.read_text(errors="replace")
        if any(marker in text for marker in WARM_MARKERS):
            return time.perf_counter() - started
        time.sleep(0.1)
    return None


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


@contextmanager
def serve(command: list[str], env_extra: dict[str, str], log_path: Path, port: int,
          wait_warm: bool = False) -> Iterator[Server]:
    """A server in its own process group, stopped as a whole afterwards, whatever happens."""
    env = {**os.environ, **env_extra}
    env.pop("MAKEFLAGS", None)
    with log_path.open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(process, url, log_path)
            server = Server(process, url, log_path, time.perf_counter() - started)
            if wait_warm:
                server.warmed_s = _wait_warm(process, log_path, started)
            yield server
        finally:
            _stop(process)


def app_server(db: Path, workdir: Path) -> Any:
    """`make run` on a free port against `db`, logged in as the local demo user (no users file)."""
    port = _free_port()
    command = ["make", "--no-print-directory", "run", f"PORT={port}", f"DB={db}"]
    log = workdir / f"app-{port}.log"  # one per start: the warm-up's line is looked for in this one
    return serve(command, {"RETENTION_DB": str(db), "RETENTION_USERS": str(workdir / "sem-usuarios.toml")},
                 log, port, wait_warm=True)


def bare_server(workdir: Path) -> Any:
    port = _free_port()
    command = [str(ROOT / ".venv" / "bin" / "streamlit"), "run", str(ROOT / "retention_analytics" / "bench" / "bare_app.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    return serve(command, {}, workdir / "bare.log", port)


# --------------------------------------------------------------------------- the browser
class Browser:
    def __init__(self, playwright: Any) -> None:
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)

    def new_page(self) -> Any:
        context = self.browser.new_context(viewport=VIEWPORT, locale="pt-BR")
        context.add_init_script(_PROBE)
        page = context.new_page()
        page.set_default_timeout(SETTLE_TIMEOUT_MS)
        return page

    def close(self) -> None:
        self.browser.close()


def settled(page: Any, title: str | None, since: float | None, charts: int = 0) -> dict[str, Any]:
    """Wait until the page is settled (see the module docstring) with `charts` charts drawn;
    {ms, charts, runs, short}."""
    result = page.evaluate(
        "([since, title, charts, quiet, patience, timeout]) => "
        "window.__bench.settled(since, title, charts, quiet, patience, timeout)",
        [since, title, charts, QUIET_MS, PATIENCE_MS, SETTLE_TIMEOUT_MS],
    )
    if result == -1:
        raise RuntimeError(f"a página {title or ''} não assentou em {SETTLE_TIMEOUT_MS / 1000:.0f} s")
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"exceção na página {title}: {page.locator('[data-testid=stException]').first.inner_text()[:500]}")
    return result


def first_load(browser: Browser, url: str, title: str, charts: int = 0) -> dict[str, Any]:
    """A new browser session (no cookies, no cached files) opening `url`: navigation start → settled."""
    page = browser.new_page()
    try:
        page.goto(url, wait_until="commit")
        return settled(page, title, 0, charts)
    finally:
        page.context.close()


def switch_to(page: Any, title: str, charts: int = 0) -> dict[str, Any]:
    page.evaluate("window.__bench.arm()")
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
    return settled(page, title, None, charts)


def _sidebar_widget(page: Any, testid: str, label: str) -> Any:
    name = page.locator('[data-testid="stWidgetLabel"]').filter(has=page.get_by_text(label, exact=True))
    return page.locator(f'[data-testid="stSidebar"] [data-testid="{testid}"]').filter(has=name).first


def choose_uf(page: Any, uf: str, title: str, charts: int = 0) -> dict[str, Any]:
    """Add `uf` to the sidebar's UF filter: the click on the option is the gesture."""
    # The input, not the box's middle: a click there could land on a chosen UF's ✕.
    _sidebar_widget(page, "stMultiSelect", "UF").locator("input").first.click()
    page.keyboard.type(uf)
    option = page.get_by_role("option", name=uf, exact=True).first
    option.wait_for()
    page.evaluate("window.__bench.arm()")
    option.click()
    result = settled(page, title, None, charts)
    page.keyboard.press("Escape")
    return result


def clear_filters(page: Any, title: str) -> None:
    button = page.locator('[data-testid="stSidebar"] button').filter(has_text="Limpar filtros").first
    if button.count() and button.is_enabled():
        page.evaluate("window.__bench.arm()")
        button.click()
        settled(page, title, None)


def choose_option(page: Any, option_text: str, title: str, charts: int = 0) -> dict[str, Any]:
    """The bare app's select: another option is the gesture."""
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    option = page.get_by_role("option", name=option_text, exact=True).first
    option.wait_for()
    page.evaluate("window.__bench.arm()")
    option.click()
    return settled(page, title, None, charts)


def count_charts(page: Any, at_least: int = 0, steady_s: float = 2.0, patience_s: float = 15.0) -> int:
    """The charts a settled page ends up drawing (Plotly's code loads lazily, after the run ended):
    the count once it stayed the same for `steady_s` (and reached `at_least`), at most `patience_s`."""
    deadline = time.monotonic() + patience_s
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = int(page.evaluate("window.__bench.drawn()"))
        if now != count:
            count, since = now, time.monotonic()
        elif count >= at_least and time.monotonic() - since >= steady_s:
            break
        time.sleep(0.1)
    return max(count, 0)


# --------------------------------------------------------------------------- what is measured
@dataclass
class PageTimes:
    first_load: list[float] = field(default_factory=list)
    switch: list[float] = field(default_factory=list)
    filter: list[float] = field(default_factory=list)
    charts: int = 0
    # Gestures that settled with fewer charts than the page drew under the default filters (an
    # emptier recorte, or a chart that never drew): taken when the rest had held for PATIENCE_MS.
    short: list[str] = field(default_factory=list)

    failures: list[str] = field(default_factory=list)  # gestures that never settled (not in the medians)

    def attempt(self, kind: str, gesture: Callable[[], dict[str, Any]], recover: Callable[[], None] | None = None) -> None:
        """Time `gesture`; one that never settles is recorded as a failure (with what the page
        showed) and the run goes on from a fresh load of the page (`recover`)."""
        try:
            self.add(kind, gesture())
        except Exception as exc:  # noqa: BLE001 - a timeout of playwright or of settled()
            self.failures.append(f"{kind}: {str(exc).splitlines()[0][:200]}")
            if recover is not None:
                try:
                    recover()
                except Exception:  # noqa: BLE001 - the next gesture will say if the page is gone
                    pass

    def add(self, kind: str, result: dict[str, Any]) -> float:
        getattr(self, kind).append(result["ms"])
        if result.get("short"):
            self.short.append(f"{kind} ({result.get('charts')} gráficos)")
        return result["ms"]

    def medians(self) -> dict[str, Any]:
        med = lambda v: statistics.median(v) if v else None  # noqa: E731
        return {"first_load_ms": med(self.first_load), "switch_ms": med(self.switch),
                "filter_ms": med(self.filter), "charts": self.charts, "short": self.short,
                "failures": self.failures,
                "samples": {"first_load": self.first_load, "switch": self.switch, "filter": self.filter}}


def _ufs_of(db: Path) -> list[str]:
    """The store's UFs, most cases first: the filter changes add these one by one."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return [r[0] for r in con.execute(
            "select uf from case_facts where uf is not null group by uf order by count(*) desc, uf").fetchall()]
    finally:
        con.close()


def measure_app(browser: Browser, server: Server, ufs: list[str], rounds: int,
                log: Callable[[str], None]) -> dict[str, Any]:
    from ..ui.nav import PAGES

    times = {spec.title: PageTimes() for spec in PAGES}
    home = next(spec for spec in PAGES if spec.default)
    order = [home, *[spec for spec in PAGES if not spec.default]]
    page = browser.new_page()
    try:
        page.goto(server.url + "/", wait_until="commit")
        settled(page, home.title, 0)
        # Untimed: how many charts each page draws under the default filters (the settled check
        # waits for that many), and the browser's copy of Streamlit's lazily loaded code.
        times[home.title].charts = count_charts(page, HOME_CHARTS)
        for spec in order[1:]:
            switch_to(page, spec.title)
            times[spec.title].charts = count_charts(page)
        for r in range(rounds):
            # Each round adds UFs from another place of the list: no filter set repeats in the run.
            sequence = [ufs[(2 * r + i) % len(ufs)] for i in range(len(ufs))]
            chosen = 0
            clear_filters(page, order[-1].title)
            for spec in order:  # from the last page to home, then through every page
                t = times[spec.title]

                def recover(spec=spec) -> None:
                    page.goto(f"{server.url}/{spec.url_path}", wait_until="commit")
                    settled(page, spec.title, 0)

                t.attempt("switch", lambda: switch_to(page, spec.title, t.charts), recover)
                if spec.filters and chosen < len(sequence):
                    uf = sequence[chosen]
                    t.attempt("filter", lambda: choose_uf(page, uf, spec.title, t.charts), recover)
                    chosen += 1
            log(f"      rodada {r + 1}/{rounds} (troca/filtro, ms): " + ", ".join(
                f"{title.split()[0]} {t.switch[-1]:.0f}/{t.filter[-1] if t.filter else 0:.0f}"
                for title, t in times.items()))
    finally:
        page.context.close()
    for _ in range(rounds):  # a new session opening each page's address (a link, a bookmark)
        for spec in order:
            t = times[spec.title]
            t.attempt("first_load", lambda: first_load(browser, f"{server.url}/{spec.url_path}", spec.title, t.charts))
    return {title: t.medians() for title, t in times.items()}


def measure_bare(browser: Browser, server: Server, rounds: int) -> dict[str, Any]:
    times = PageTimes(charts=1)
    titles = ["Página A", "Página B"]
    page = browser.new_page()
    try:
        page.goto(server.url + "/", wait_until="commit")
        settled(page, titles[0], 0, 1)
        n = 1
        for _ in range(rounds):
            for title in (titles[1], titles[0]):
                times.add("switch", switch_to(page, title, 1))
                times.add("filter", choose_option(page, f"Opção {1 + n % 40}", title, 1))
                n += 1
    finally:
        page.context.close()
    for _ in range(rounds):
        times.add("first_load", first_load(browser, server.url + "/", titles[0], 1))
    return times.medians()


# --------------------------------------------------------------------------- stores
def demo_store(folder: Path) -> Path:
    """The 3,000-case demo, built the way `make run` builds it (make demo-db), kept in data/bench/."""
    path = folder / f"demo-{DEMO_CASES}-s{DEMO_SEED}.duckdb"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["make", "--no-print-directory", "demo-db", f"DB={path}", f"DEMO_CASES={DEMO_CASES}"],
                       cwd=ROOT, check=True, env={k: v for k, v in os.environ.items() if k != "MAKEFLAGS"})
    return path


def stores(sizes: list[int], folder: Path, log: Callable[[str], None]) -> dict[str, Path]:
    from .runner import cached_db

    out: dict[str, Path] = {}
    for cases in sizes:
        if cases == DEMO_CASES:
            out[str(cases)] = demo_store(folder)
        else:
            path, built = cached_db(cases, SYNTH_SEED, folder)
            if built:
                log(f"  banco sintético de {cases:,} casos gerado em {built:.0f} s")
            out[str(cases)] = path
    return out


# --------------------------------------------------------------------------- a run
def run(sizes: list[int], rounds: int, restarts: int, folder: Path,
        log: Callable[[str], None] = lambda s: print(s, file=sys.stderr, flush=True)) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from .runner import loadavg, machine

    if not CHROMIUM.exists():
        raise RuntimeError("Chromium não encontrado em /usr/bin/chromium (instale o pacote chromium do Debian).")
    report: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
        "loadavg_start": loadavg(), "rounds": rounds, "restarts": restarts, "quiet_ms": QUIET_MS, "sizes": {},
    }
    started = time.perf_counter()
    dbs = stores(sizes, folder, log)
    # The servers' logs are kept (artifacts/bench-browser-logs/) for whoever looks into a failure.
    workdir = ROOT / "artifacts" / "bench-browser-logs"
    workdir.mkdir(parents=True, exist_ok=True)
    for old_log in workdir.glob("*.log"):
        old_log.unlink()
    with sync_playwright() as p:
        browser = Browser(p)
        try:
            for size, db in dbs.items():
                entry: dict[str, Any] = {"db": str(db), "db_mb": db.stat().st_size / 1e6}
                log(f"{int(size):>9,} casos: {db.name}")
                ufs = _ufs_of(db)
                home = "Visão geral"
                after_start, server_start, warmed = [], [], []
                with bare_server(workdir) as bare:
                    for i in range(restarts):
                        with app_server(db, workdir) as app:
                            server_start.append(app.started_s)
                            warmed.append(app.warmed_s)
                            after_start.append(first_load(browser, app.url + "/", home, HOME_CHARTS)["ms"])
                            log(f"      início {i + 1}/{restarts}: servidor {app.started_s:.1f} s, aquecido "
                                f"{app.warmed_s if app.warmed_s is not None else float('nan'):.1f} s, "
                                f"primeira página {after_start[-1]:.0f} ms")
                            if i == restarts - 1:
                                entry["bare"] = measure_bare(browser, bare, rounds)
                                entry["pages"] = measure_app(browser, app, ufs, rounds, log)
                entry["first_load_after_start_ms"] = statistics.median(after_start)
                entry["first_load_after_start_samples"] = after_start
                entry["server_start_s"] = statistics.median(server_start)
                entry["warmed_s"] = statistics.median(w for w in warmed if w is not None) if any(
                    w is not None for w in warmed) else None
                entry["loadavg"] = loadavg()
                report["sizes"][size] = entry
        finally:
            browser.close()
    report["loadavg_end"] = loadavg()
    report["total_s"] = time.perf_counter() - started
    report["summary"] = summarize(report)
    return report


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    sizes = sorted(report["sizes"], key=int)
    small, large = report["sizes"][sizes[0]], report["sizes"][sizes[-1]]

    def worst(entry: dict[str, Any], key: str) -> tuple[float, str]:
        bare = entry["bare"][key]
        ratios = {title: row[key] / bare for title, row in entry["pages"].items() if row[key] is not None}
        title = max(ratios, key=ratios.get)
        return ratios[title], title

    out: dict[str, Any] = {"smallest": int(sizes[0]), "largest": int(sizes[-1])}
    for key, name in (("filter_ms", "filter"), ("switch_ms", "switch")):
        for label, entry in (("small", small), ("large", large)):
            ratio, title = worst(entry, key)
            out[f"{name}_x_bare_{label}"] = ratio
            out[f"{name}_x_bare_{label}_page"] = title
    scale: dict[str, float] = {}
    for title, row in large["pages"].items():
        for key in ("filter_ms", "switch_ms"):
            before = small["pages"][title][key]
            if row[key] is not None and before:
                scale[f"{title}|{key}"] = row[key] / before
    worst_scale = max(scale, key=scale.get) if scale else None
    out["scale"] = scale
    out["max_scale"] = scale[worst_scale] if worst_scale else None
    out["max_scale_at"] = worst_scale
    for label, entry in (("small", small), ("large", large)):
        switches = [row["switch_ms"] for row in entry["pages"].values() if row["switch_ms"] is not None]
        out[f"first_load_after_start_{label}_ms"] = entry["first_load_after_start_ms"]
        out[f"first_load_after_start_x_switch_{label}"] = entry["first_load_after_start_ms"] / statistics.median(switches)
    return out


def _fmt(value: Any, decimals: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}"


def table(report: dict[str, Any]) -> str:
    header = ["casos", "página", "1ª carga", "troca", "×mín.", "filtro", "×mín.", "gráficos", "falhas"]
    rows: list[list[str]] = []
    for size in sorted(report["sizes"], key=int):
        entry = report["sizes"][size]
        bare = entry["bare"]
        for title, row in entry["pages"].items():
            rows.append([f"{int(size):,}", title, _fmt(row["first_load_ms"]), _fmt(row["switch_ms"]),
                         _fmt(row["switch_ms"] / bare["switch_ms"], 1), _fmt(row["filter_ms"]),
                         _fmt(row["filter_ms"] / bare["filter_ms"], 1) if row["filter_ms"] else "–",
                         str(row["charts"]), str(len(row["failures"]))])
        rows.append([f"{int(size):,}", "(página mínima)", _fmt(bare["first_load_ms"]), _fmt(bare["switch_ms"]), "1.0",
                     _fmt(bare["filter_ms"]), "1.0", str(bare["charts"]), str(len(bare["failures"]))])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) if i == 1 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    text = [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows), ""]
    text.append("Medianas em ms até a página assentar (execução terminada, título e todos os gráficos desenhados).")
    text.append("1ª carga = sessão nova abrindo o endereço da página; troca = clique no menu lateral; filtro = uma UF")
    text.append("escolhida na barra lateral; ×mín. = ÷ a página mínima do Streamlit medida na mesma rodada;")
    text.append(f"falhas = gestos que não assentaram em {SETTLE_TIMEOUT_MS // 1000} s (fora das medianas; ver o JSON e")
    text.append("artifacts/bench-browser-logs/).")
    for size in sorted(report["sizes"], key=int):
        entry = report["sizes"][size]
        warm = f", aquecido em {entry['warmed_s']:.1f} s" if entry.get("warmed_s") is not None else ""
        text.append(f"{int(size):,} casos: servidor pronto em {entry['server_start_s']:.1f} s{warm}; primeira página após o "
                    f"início {entry['first_load_after_start_ms']:,.0f} ms (amostras: "
                    + ", ".join(f"{v:,.0f}" for v in entry["first_load_after_start_samples"]) + ")")
    text.append(f"carga da máquina: {report['loadavg_start']} → {report['loadavg_end']}")
    return "\n".join(text)


def summary_line(report: dict[str, Any]) -> str:
    s = report["summary"]
    return (f"summary: filter change {s['filter_x_bare_small']:.1f}× bare, page switch {s['switch_x_bare_small']:.1f}× bare, "
            f"{s['largest'] // 1000 if s['largest'] < 1_000_000 else s['largest'] // 1_000_000}"
            f"{'k' if s['largest'] < 1_000_000 else 'M'}/{s['smallest'] // 1000}k {s['max_scale']:.1f}")
