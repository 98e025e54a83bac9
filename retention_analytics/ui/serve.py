"""`python -m retention_analytics.ui.serve [options of streamlit run]`: the server `make run` starts.

It is `streamlit run app.py` plus a warm-up in a background thread, so that the first visitor after
a start does not pay for what every visitor shares: importing pandas, plotly, the metrics and the
pages' modules, Plotly's first figures (its validators load lazily), opening the store and bringing
its schema and derived tables up to date (`Store.ensure_schema`: a rebuild after an upgrade takes
seconds at a million cases), and every page's summaries under the default filters (the ones
metrics/pages.PAGE_QUERIES lists, put into the same st.cache_data the pages read). The server
answers from the first moment; a visitor arriving during the warm-up just waits for the same
work, never for it twice.

Then it moves what the process holds for good (modules, Plotly's validators, the store's objects)
out of reach of the garbage collector's full passes (`gc.freeze`): Streamlit runs `gc.collect(2)`
after every script run (`runner.postScriptGC`), holding the interpreter while it walks every
object: 50–90 ms per rerun in this app, paid by every click before the next message leaves the
server. Per-run objects are still collected as before.

And it stops a scan that only serves a file watcher this server does not have: .streamlit/config.toml
sets `server.fileWatcherType = "none"` (users' servers reload nothing on a file change), yet
Streamlit still resolves the path of every imported module (~1,600) after a new session's first
run and after any run that imported a module, on the event loop every session shares: 120–330 ms
during which no message leaves the server (see `skip_module_scan`).

It must not draw anything, and a failure to warm (no database yet, a busy file) is only logged:
the pages say what is wrong, as they do without it.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_LOG = logging.getLogger("retention_analytics.warm")
_QUIET = ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api")


def _warm_plotly() -> None:
    import plotly.graph_objects as go
    import plotly.io as pio

    figure = go.Figure([go.Bar(x=["a"], y=[1]), go.Scatter(x=[1], y=[1]), go.Heatmap(z=[[1]]), go.Box(y=[1])])
    figure.update_layout(title="aquecimento", legend=dict(orientation="h"))
    pio.to_json(figure, validate=True)


def warm(wait_for_runtime: bool = True) -> float:
    """Everything in the module docstring; seconds it took."""
    started = time.perf_counter()
    if wait_for_runtime:
        from streamlit.runtime import Runtime

        deadline = time.monotonic() + 120
        while not Runtime.exists() and time.monotonic() < deadline:  # st.cache_data needs the server's
            time.sleep(0.05)
    from .. import charts, export, metrics  # noqa: F401 - imported for the first visitor
    from ..filters import Filters
    from ..metrics.pages import PAGE_QUERIES
    from . import data, frame, page, sidebar  # noqa: F401

    _warm_plotly()
    if data.data_version() < 0:
        return time.perf_counter() - started  # no database yet: nothing to warm
    data.is_demo()
    f = Filters()
    for queries in PAGE_QUERIES.values():
        for q in queries:
            data.get(q.summary, q.filters_for(f), **dict(q.kwargs))
    return time.perf_counter() - started


def freeze_long_lived() -> int:
    """Collect what is garbage now, then exempt every surviving object from later collections
    (they are still freed when nothing refers to them); how many objects were frozen.

    Called once, after the warm-up: what is alive then is what the server keeps (imports, Plotly's
    validators, the kept store). Streamlit's collection after each script run (see the module
    docstring) then walks only what was made since."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def skip_module_scan() -> None:
    """Make Streamlit's per-session scan of imported modules a no-op while no file is watched.

    `LocalSourcesWatcher.update_watched_modules` (Streamlit 1.67) lists every module of
    sys.modules with its real path so that an edited one reruns the app; with
    `server.fileWatcherType = "none"` every watcher it would register is a no-op, so the scan
    changes nothing but costs a new visitor's session 330 ms and any later run that imported a
    module 120–170 ms, on the event loop. The option is read at each call: a developer who sets
    another watcher type (`STREAMLIT_SERVER_FILE_WATCHER_TYPE=auto`) gets Streamlit's own scan.
    tests/test_ui_serve.py checks both and fails if Streamlit renames the method."""
    from streamlit import config
    from streamlit.watcher.local_sources_watcher import LocalSourcesWatcher

    scan = LocalSourcesWatcher.update_watched_modules
    if getattr(scan, "_skips_without_watcher", False):
        return  # installed already

    def update_watched_modules(self: LocalSourcesWatcher) -> None:
        if config.get_option("server.fileWatcherType") == "none":
            return
        scan(self)

    update_watched_modules._skips_without_watcher = True  # type: ignore[attr-defined]
    LocalSourcesWatcher.update_watched_modules = update_watched_modules  # type: ignore[method-assign]


def _warm_in_background() -> None:
    quiet = [logging.getLogger(name) for name in _QUIET]
    levels = [logger.level for logger in quiet]
    for logger in quiet:  # "missing ScriptRunContext": expected here, no page is running
        logger.setLevel(logging.ERROR)
    try:
        seconds = warm()
        print(f"Painel aquecido em {seconds:.1f} s (banco, tabelas derivadas e páginas sem filtro).",
              file=sys.stderr, flush=True)
    except BaseException as exc:  # noqa: BLE001 - st.stop() of a busy store included; the pages say it
        print(f"Aquecimento do painel interrompido ({type(exc).__name__}): as páginas calculam na primeira visita.",
              file=sys.stderr, flush=True)
    finally:
        for logger, level in zip(quiet, levels):
            logger.setLevel(level)
        freeze_long_lived()  # even after a failed warm-up: the imports are done


def main(argv: list[str] | None = None) -> int:
    skip_module_scan()
    threading.Thread(target=_warm_in_background, name="warm-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
