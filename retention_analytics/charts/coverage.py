"""Figures of the "Cobertura da rede" page: a map of Brazil by UF that draws without internet.

The map is a tile-grid cartogram: each of the 27 UFs is one equal square placed where
`brazil.UFS[uf].tile` says (north at the top), coloured by the chosen metric of
metrics.coverage_uf and labelled with its code and value. Equal squares keep small states
(DF, SE, AL) as visible as large ones and need no GeoJSON, tiles or Mapbox token — the dashboard
runs inside operators' networks that often block such downloads.

It must not import streamlit, query anything or fetch anything from the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from .. import formatting as fmt
from ..brazil import UFS
from . import empty_figure, figure, palette


@dataclass(frozen=True)
class MapMetric:
    column: str  # a column of metrics.coverage_uf
    label: str  # what the page's selector and the colour bar say
    kind: str  # "int" or "percent"
    colorscale: str  # higher is better → greens; higher is worse → oranges/reds


MAP_METRICS: dict[str, MapMetric] = {
    m.column: m
    for m in (
        MapMetric("cases", "Casos", "int", "Blues"),
        MapMetric("terminations", "Desligamentos", "int", "Oranges"),
        MapMetric("retention_rate", "Taxa de retenção", "percent", "Greens"),
        MapMetric("cros_lost", "CROs perdidos", "int", "Reds"),
        MapMetric("lives_at_risk", "Vidas em risco", "int", "Reds"),
    )
}
NO_VALUE_COLOR = palette.NO_VALUE  # a UF with nothing to show (no case, or a rate without attempts)


def _value_text(value: object, kind: str) -> str:
    if fmt.is_missing(value):
        return "–"
    return fmt.percent(value, 0) if kind == "percent" else fmt.integer(value)


def tile_map(frame: pd.DataFrame, metric: str = "cases") -> go.Figure:
    """The 27 UFs as squares on their tile-grid cells, coloured by `metric` (a MAP_METRICS key).

    `frame` has a `uf` column and the metric's column (coverage_uf); UFs missing from it, or with
    no value, are drawn in light grey so the country keeps its shape. A rate that is a small sample
    (its `small_sample` column: metrics/stats.add_rate's rule) is grey too, its value marked with
    "*" (amostra pequena)."""
    spec = MAP_METRICS.get(metric)
    if spec is None:
        raise ValueError(f"unknown map metric {metric!r}")
    if frame.empty or spec.column not in frame:
        return empty_figure()
    values = dict(zip(frame["uf"], pd.to_numeric(frame[spec.column], errors="coerce")))
    names = dict(zip(frame["uf"], frame["uf_name"])) if "uf_name" in frame else {}
    # metrics.md: a rate over fewer than 10 attempts is greyed as "amostra pequena", never ranked,
    # so such a UF gets no colour (a 100% over 2 attempts must not be the darkest tile).
    small: dict[str, int] = {}
    if spec.kind == "percent" and "small_sample" in frame:
        attempts = pd.to_numeric(frame["attempts"], errors="coerce").fillna(0)
        small = {uf: int(n) for uf, n, is_small in zip(frame["uf"], attempts, frame["small_sample"])
                 if bool(is_small) and n > 0}
    rows = 1 + max(uf.tile[0] for uf in UFS.values())
    cols = 1 + max(uf.tile[1] for uf in UFS.values())
    # Two layers on the same grid: light-grey squares for every UF (the silhouette of Brazil),
    # then the coloured squares of UFs that have a value. Empty grid cells stay None: blank.
    base = [[None] * cols for _ in range(rows)]
    z = [[None] * cols for _ in range(rows)]
    text = [[""] * cols for _ in range(rows)]
    hover = [[""] * cols for _ in range(rows)]
    for code, uf in UFS.items():
        r, c = uf.tile
        value = values.get(code)
        missing = value is None or (isinstance(value, float) and math.isnan(value))
        base[r][c] = 0
        shown = _value_text(None if missing else value, spec.kind)
        name = f"{names.get(code, uf.name)} ({code})"
        if code in small and not missing:
            z[r][c] = None
            text[r][c] = f"<b>{code}</b><br>{shown}*"
            hover[r][c] = f"{name}<br>{spec.label}: {shown} — amostra pequena (n={small[code]})"
            continue
        z[r][c] = None if missing else float(value)
        text[r][c] = f"<b>{code}</b><br>{shown}"
        hover[r][c] = f"{name}<br>{spec.label}: {shown}"
    present = [v for row in z for v in row if v is not None]
    zmax = max(present) if present else 1.0
    if spec.kind == "percent":
        zmin, zmax = 0.0, 1.0  # a rate's colour must mean the same on every filter
    else:
        zmin, zmax = 0.0, max(zmax, 1.0)
    grid = dict(x=list(range(cols)), y=list(range(rows)), xgap=4, ygap=4, hoverongaps=False)
    silhouette = go.Heatmap(
        z=base, colorscale=[[0, NO_VALUE_COLOR], [1, NO_VALUE_COLOR]], showscale=False,
        text=hover, hovertemplate="%{text}<extra></extra>", **grid,
    )
    coloured = go.Heatmap(
        z=z, colorscale=spec.colorscale, zmin=zmin, zmax=zmax, text=hover,
        hovertemplate="%{text}<extra></extra>",
        colorbar=dict(title=spec.label, tickformat=".0%" if spec.kind == "percent" else ",.0f", len=0.8),
        **grid,
    )
    # Labels as a third layer of text, not the heatmap's texttemplate: they then sit on grey tiles
    # too, and their colour can flip to white on dark tiles. One text trace rather than 27
    # annotations: Plotly lays out and measures each annotation on its own, and the browser draws
    # the map anew on every filter change (~8 ms less per map in Chromium).
    xs, ys, labels, colours = [], [], [], []
    for uf in UFS.values():
        r, c = uf.tile
        value = z[r][c]
        dark = value is not None and zmax > zmin and (value - zmin) / (zmax - zmin) > 0.6
        xs.append(c)
        ys.append(r)
        labels.append(text[r][c])
        colours.append("white" if dark else "#222")
    names_layer = go.Scatter(x=xs, y=ys, text=labels, mode="text", textfont=dict(size=13, color=colours),
                             hoverinfo="skip", showlegend=False)
    return figure([silhouette, coloured, names_layer], height=560, show_legend=False, title=f"{spec.label} por UF",
                  plot_bgcolor="white",
                  xaxis=dict(visible=False, range=[-0.5, cols - 0.5], fixedrange=True),
                  # Row 0 is the north: reversed y; scaleanchor keeps the tiles square at any width.
                  yaxis=dict(visible=False, range=[rows - 0.5, -0.5], scaleanchor="x", scaleratio=1,
                             fixedrange=True))
