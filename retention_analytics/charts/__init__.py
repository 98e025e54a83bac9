"""Plotly figures of the dashboard, built from the aggregated frames metrics return.

One module per page topic (reasons.py, closure.py, coverage.py, effectiveness.py, overview.py);
palette.py holds every colour, each with one meaning on every page. `figure(traces, ...)` builds
every chart the same way: the house look (pt-BR separators "1.234,5", legend above the plot, the
font), the title on top (_layout.py) and the chart's own layout, handed to Plotly in one
constructor call. Figures never query the database and never import streamlit; they draw what
they are given, and an empty frame draws an empty chart with a message rather than raising.

Why one constructor call and not `update_layout`/`update_xaxes`/`add_vline` after the traces:
Plotly validates a layout given to `go.Figure(...)` once (under 1 ms), while every update call
walks its property tree again (1–7 ms each, 10–24 ms per chart): paid on every rerun of a page,
for the same JSON (docs/performance.md, the fifth pass).
"""

from __future__ import annotations

from typing import Any, Iterable

import plotly.graph_objects as go

from . import palette
from ._layout import title_layout

# Colours come from palette.py only (one meaning per colour across pages).
PALETTE = palette.STATUS
SEQUENCE = list(palette.SERIES)
GREY = palette.GREY


def _house(height: int, show_legend: bool) -> dict[str, Any]:
    return dict(
        separators=",.",  # decimal comma, thousands dot
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        colorway=SEQUENCE,
        showlegend=show_legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        font=dict(family="Source Sans Pro, sans-serif", size=13),
        hoverlabel=dict(namelength=-1),
    )


def layout_of(*parts: dict[str, Any]) -> dict[str, Any]:
    """The parts merged left to right; a value that is a dict on both sides is merged one level
    deep (a chart's margin=dict(r=56) keeps the house's other margins)."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def figure(traces: Iterable[Any] = (), *, height: int = 380, show_legend: bool = True, title: str | None = None,
           legend_rows: int = 0, **layout: Any) -> go.Figure:
    """A chart in one go: `traces` (go.Bar(...), go.Scatter(...), …), the house look at `height`
    with or without (`show_legend`) a legend, `title` on top with room for `legend_rows` rows of legend under it,
    then the chart's own `layout` keys (xaxis=, yaxis=, barmode=, shapes=, annotations=, …)."""
    parts = [_house(height, show_legend)]
    if title is not None:
        parts.append(title_layout(title, legend_rows))
    return go.Figure(data=list(traces), layout=layout_of(*parts, layout))


def vline(x: float, text: str, position: str = "top right",
          line: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(shape, annotation) of a dashed vertical reference line at `x` across the plot with `text`
    beside it: what `fig.add_vline(..., annotation_position=position)` adds, as plain layout
    entries for `figure(shapes=[...], annotations=[...])`. `position`: "top right" or "bottom right"."""
    vertical, _ = position.split()
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain",
                 line=line or dict(color="#666", dash="dash", width=1))
    note = dict(text=text, showarrow=False, x=x, xanchor="left", xref="x", yref="y domain",
                y=1 if vertical == "top" else 0, yanchor="top" if vertical == "top" else "bottom")
    return shape, note


def empty_figure(message: str = "Sem dados para os filtros escolhidos", height: int = 300) -> go.Figure:
    return figure(
        height=height, show_legend=False,
        annotations=[dict(text=message, showarrow=False, font=dict(size=15, color="#666"), x=0.5, y=0.5,
                          xref="paper", yref="paper")],
        xaxis=dict(visible=False), yaxis=dict(visible=False),
    )
