"""Figures of the "Tempo de finalização" page: how fast retention cases close, and what is still open.

Built from metrics.closure_distribution (histogram bins), closure_boxes (quartiles and Tukey
whiskers already computed in SQL: the boxes are drawn from those numbers, never from raw cases)
and open_by_age_band.

It must not import streamlit or query anything; an empty frame draws `empty_figure()`.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .. import formatting as fmt
from . import empty_figure, figure, palette, vline

PRIMARY = palette.PRIMARY
SLA_DAYS = (30, 60, 90)
# Older open cases are more urgent: the age bands go from calm to alarming.
AGE_COLORS = palette.AGE
NO_DATE_COLOR = palette.GREY


def histogram(frame: pd.DataFrame) -> go.Figure:
    """Bars of closed cases per band of days to close, with the 30/60/90-day marks."""
    if frame.empty or frame["cases"].sum() == 0:
        return empty_figure("Nenhum caso finalizado no recorte")
    width = (frame["bin_end"] - frame["bin_start"] + 1).astype(float)
    labels = [f"{fmt.integer(a)} a {fmt.integer(b)} dias" for a, b in zip(frame["bin_start"], frame["bin_end"])]
    bars = go.Bar(
        # Bars centred on their band, as wide as it, so the x axis reads in days.
        x=frame["bin_start"] + width / 2, y=frame["cases"], width=width * 0.95, marker_color=PRIMARY,
        customdata=list(zip(labels, frame["share"])),
        hovertemplate="%{customdata[0]}: %{y:,.0f} casos (%{customdata[1]:.1%})<extra></extra>",
    )
    top = float(frame["bin_end"].max()) + 1
    marks = [vline(days, f"{days} dias", "top right") for days in SLA_DAYS if days < top]
    return figure([bars], show_legend=False, title="Quantos dias os casos levam para fechar?", legend_rows=1,
                  shapes=[shape for shape, _ in marks], annotations=[note for _, note in marks],
                  xaxis=dict(title="Dias para finalizar", tickformat=",.0f", rangemode="tozero"),
                  yaxis=dict(title="Casos finalizados", tickformat=",.0f"))


def boxes(frame: pd.DataFrame, title: str) -> go.Figure:
    """Horizontal box plots per operator or analyst from precomputed quartiles and whiskers,
    slowest median on top; n in the label because a box over 3 cases says little."""
    if frame.empty:
        return empty_figure("Nenhum caso finalizado no recorte")
    ordered = frame.sort_values(["median", "name"], ascending=[True, False])
    names = [f"{name} (n={fmt.integer(n)})" for name, n in zip(ordered["name"], ordered["n"])]
    box = go.Box(
        y=names, q1=ordered["q1"], median=ordered["median"], q3=ordered["q3"],
        lowerfence=ordered["whisker_low"], upperfence=ordered["whisker_high"],
        orientation="h", marker_color=PRIMARY, fillcolor="rgba(15,110,140,0.25)", line=dict(width=1.5),
        name="Dias para finalizar", boxpoints=False,
        hoverinfo="x",  # plotly labels each statistic (q1, median, q3, fences) on hover
    )
    return figure([box], height=max(280, 30 * len(ordered) + 120), show_legend=False, title=title,
                  xaxis=dict(title="Dias para finalizar", tickformat=",.0f", rangemode="tozero"),
                  yaxis=dict(title=None, automargin=True))


def age_bands(frame: pd.DataFrame) -> go.Figure:
    """Bars of open cases per age band (0–30 … >180 days), older bands in warmer colours."""
    if frame.empty or frame["cases"].sum() == 0:
        return empty_figure("Nenhum caso em aberto no recorte")
    ordered = frame.sort_values("band_order")
    colors = [
        AGE_COLORS[min(int(order) - 1, len(AGE_COLORS) - 1)] if band != "sem data" else NO_DATE_COLOR
        for band, order in zip(ordered["band"], ordered["band_order"])
    ]
    bars = go.Bar(
        x=[f"{band} dias" if band != "sem data" else band for band in ordered["band"]], y=ordered["cases"],
        marker_color=colors, text=[fmt.integer(v) for v in ordered["cases"]], textposition="outside",
        cliponaxis=False, hovertemplate="%{x}: %{y:,.0f} casos em aberto<extra></extra>",
    )
    return figure([bars], height=340, show_legend=False, title="Há quanto tempo os casos em aberto esperam?", legend_rows=1,
                  xaxis=dict(title="Idade do caso"),
                  yaxis=dict(title="Casos em aberto", tickformat=",.0f", rangemode="tozero"))
