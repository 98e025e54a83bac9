"""The browser benchmark's pieces that need no browser: the bare page is what its docstring says
(one select, one Plotly chart, one 30-row table per page, two pages), and the summary line is
computed from the medians as docs/performance.md describes it. The benchmark itself runs servers
and Chromium for minutes: `make bench-quick`."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from retention_analytics.bench import browser

ROOT = Path(__file__).resolve().parents[1]


def test_the_bare_page_has_one_select_one_chart_and_a_30_row_table():
    at = AppTest.from_file(str(ROOT / "retention_analytics" / "bench" / "bare_app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert len(at.selectbox) == 1
    assert len(at.get("plotly_chart")) == 1
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 30
    before = at.get("plotly_chart")[0].proto.spec
    at.selectbox[0].select("Opção 7").run()
    assert at.get("plotly_chart")[0].proto.spec != before, "a choice redraws the chart"


def _row(switch: float, filter_ms: float | None, first: float = 2000.0) -> dict:
    return {"first_load_ms": first, "switch_ms": switch, "filter_ms": filter_ms, "charts": 1, "short": [],
            "failures": []}


def _report() -> dict:
    return {
        "loadavg_start": "1.0", "loadavg_end": "1.0",
        "sizes": {
            "3000": {"bare": _row(200, 250), "server_start_s": 1.0, "warmed_s": 2.0,
                     "first_load_after_start_ms": 1500.0, "first_load_after_start_samples": [1500.0],
                     "pages": {"Visão geral": _row(500, 600), "Casos": _row(300, 900), "Importar": _row(250, None)}},
            "1000000": {"bare": _row(210, 240), "server_start_s": 1.0, "warmed_s": 6.0,
                        "first_load_after_start_ms": 1800.0, "first_load_after_start_samples": [1800.0],
                        "pages": {"Visão geral": _row(800, 660), "Casos": _row(330, 990), "Importar": _row(240, None)}},
        },
    }


def test_summary_is_the_slowest_page_against_the_bare_page_and_the_largest_scale():
    report = _report()
    report["summary"] = browser.summarize(report)
    s = report["summary"]
    assert s["filter_x_bare_small"] == 900 / 250 and s["filter_x_bare_small_page"] == "Casos"
    assert s["switch_x_bare_small"] == 500 / 200 and s["switch_x_bare_small_page"] == "Visão geral"
    assert s["max_scale"] == 800 / 500 and s["max_scale_at"] == "Visão geral|switch_ms"
    line = browser.summary_line(report)
    assert line == "summary: filter change 3.6× bare, page switch 2.5× bare, 1M/3k 1.6"
    assert re.fullmatch(r"summary: filter change \d+\.\d× bare, page switch \d+\.\d× bare, 1M/3k \d+\.\d", line)
    table = browser.table(report)
    assert "(página mínima)" in table and "Importar" in table
