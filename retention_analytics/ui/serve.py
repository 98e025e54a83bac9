"""`python -m retention_analytics.ui.serve [options of streamlit run]`: the server `make run` starts.

It is `streamlit run app.py` plus a warm-up in a background thread, so that the first visitor after
a start does not pay for what every visitor shares: importing pandas, plotly, the metrics and the
pages' modules, Plotly's first figures (its validators load lazily), opening the store and bringing
its schema and derived tables up to date (`Store.ensure_schema`: a rebuild after an upgrade takes
seconds at a million cases), and every page's summaries under the default filters (the ones
metrics/pages.PAGE_QUERIES lists, put into the same st.cache_data the pages read). The server
answers from the first moment; a visitor arriving during the warm-up just waits for the same
work, never for it twice.

It must not draw anything, and a failure to warm (no database yet, a busy file) is only logged:
the pages say what is wrong, as they do without it.
"""

from __future__ import annotations

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


def main(argv: list[str] | None = None) -> int:
    threading.Thread(target=_warm_in_background, name="warm-up", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
