"""How every Plotly figure goes to the browser: the config and the lighter payload (ui/page.chart).

- No modebar (zoom, pan, lasso, download buttons): each chart drew a toolbar of SVG icons the
  users of this dashboard do not use (tables have their own downloads), and a page has up to eight
  charts. Hover, legends and clicks on bars (Motivos' Pareto) keep working.
- A scatter with more than LARGE_SCATTER points is drawn with WebGL (`scattergl`): the same
  points, one canvas instead of one SVG node each. Today every chart is of aggregated rows (tens
  of points), so this is a guard for figures that grow, not a change to any of them.
- No trace without data is sent.

It must not build figures (charts/ does) nor change what a figure shows.
"""

from __future__ import annotations

from typing import Any

LARGE_SCATTER = 2000

CONFIG: dict[str, Any] = {"displaylogo": False, "displayModeBar": False, "locale": "pt-BR"}


def _points(trace: Any) -> int:
    for attribute in ("x", "y"):
        values = getattr(trace, attribute, None)
        if values is not None:
            try:
                return len(values)
            except TypeError:
                pass
    return 0


def _empty(trace: Any) -> bool:
    """A trace with no data at all (not one whose values are zero)."""
    fields = [getattr(trace, a, None) for a in ("x", "y", "z", "values", "q1", "labels")]
    present = [v for v in fields if v is not None]
    return bool(present) and all(len(v) == 0 for v in present if hasattr(v, "__len__"))


def lighten(figure: Any) -> Any:
    """The figure with large scatters as scattergl and empty traces dropped (see the docstring)."""
    import plotly.graph_objects as go

    traces = list(getattr(figure, "data", ()))
    if not traces:
        return figure
    kept: list[Any] = []
    changed = False
    for trace in traces:
        if _empty(trace) and len(traces) > 1:
            changed = True
            continue
        if getattr(trace, "type", None) == "scatter" and _points(trace) > LARGE_SCATTER:
            trace = go.Scattergl(trace.to_plotly_json())
            changed = True
        kept.append(trace)
    if changed:
        figure.data = ()
        figure.add_traces(kept)
    return figure
