"""Plotly figures as PNG images for the reports, drawn offline by kaleido with the system Chromium.

Why kaleido: the report must show the page's charts, and the pages draw plotly figures
(retention_analytics/charts); kaleido renders those same figures in a headless Chromium, so a chart
is defined once for the screen and the PDF (redrawing them in matplotlib would mean a second
definition of every chart). It needs no internet: plotly.js is the copy inside the plotly package,
MathJax is switched off (kaleido would otherwise fetch it from a CDN) and Chromium is the
system's (`/usr/bin/chromium`, or RETENTION_CHROMIUM / BROWSER_PATH). One browser draws every
figure of a report: starting Chromium costs ~2 s, each figure ~0,3 s after that (docs/reports.md).

It must not build figures (charts/ does) nor lay out pages.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Sequence
from typing import Any

# Pixels of one chart image (drawn at 1,5× that for print): the landscape A4 text width at ~100 dpi.
WIDTH = 1000
SCALE = 1.5
RENDER_TIMEOUT = 60  # seconds for one figure


class ChartRenderError(Exception):
    """The charts could not be drawn (no Chromium, or it failed): a Portuguese sentence."""


def chromium_path() -> str | None:
    for candidate in (os.environ.get("RETENTION_CHROMIUM"), os.environ.get("BROWSER_PATH"),
                      "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


async def _render(figures: Sequence[Any], browser: str) -> list[bytes]:
    import kaleido

    out = []
    async with kaleido.Kaleido(n=1, timeout=RENDER_TIMEOUT, mathjax=False, path=browser) as k:
        for figure in figures:
            height = int(figure.layout.height or 380)
            out.append(await k.calc_fig(figure, opts={"format": "png", "width": WIDTH, "height": height,
                                                       "scale": SCALE}))
    return out


def to_png(figures: Sequence[Any]) -> list[bytes]:
    """Each figure as PNG bytes, in order, from one headless Chromium."""
    if not figures:
        return []
    browser = chromium_path()
    if browser is None:
        raise ChartRenderError(
            "Não foi possível desenhar os gráficos do relatório: o Chromium não está instalado. "
            "Instale-o no servidor (apt-get install chromium) ou indique o executável em RETENTION_CHROMIUM."
        )
    result: dict[str, Any] = {}

    # A thread of its own: asyncio.run needs a thread without a running loop (Streamlit's script
    # thread may have one), and kaleido's browser lives and dies inside it.
    def work() -> None:
        try:
            result["images"] = asyncio.run(_render(list(figures), browser))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=work, name="report-charts", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        exc = result["error"]
        raise ChartRenderError(
            f"Não foi possível desenhar os gráficos do relatório com o Chromium ({browser}): "
            f"{type(exc).__name__}: {exc}. Tente de novo; se persistir, avise o suporte."
        ) from exc
    return result["images"]
