"""Figures of the home page: cases per month by status, top reasons, top coverage-gap cities."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import PALETTE, empty_figure, palette, style
from ._layout import titled

STATUS_ORDER = ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "aberto")


def monthly_outcomes(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: cases per month, one colour per status (open cases in grey)."""
    if frame.empty:
        return empty_figure()
    fig = go.Figure()
    for code in STATUS_ORDER:
        part = frame[frame["outcome"] == code]
        if part.empty:
            continue
        fig.add_bar(
            x=part["month"], y=part["cases"], name=str(part["outcome_label"].iloc[0]),
            marker_color=PALETTE.get(code), hovertemplate="%{x|%m/%Y}: %{y:,.0f} casos<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(tickformat="%m/%Y", title=None)
    fig.update_yaxes(title="Casos", tickformat=",.0f")
    return titled(style(fig), "Casos por mês e status", legend_rows=1)


def top_bars(frame: pd.DataFrame, label: str, value: str, title: str, percent: bool = False, limit: int = 10) -> go.Figure:
    """Horizontal bars of the `limit` largest rows, largest on top."""
    if frame.empty:
        return empty_figure()
    top = frame.nlargest(limit, value).iloc[::-1]
    fig = go.Figure(go.Bar(
        x=top[value], y=top[label], orientation="h", marker_color=palette.PRIMARY,
        text=[f"{v:.1%}".replace(".", ",") if percent else f"{v:,.0f}".replace(",", ".") for v in top[value]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x" + (":.1%" if percent else ":,.0f") + "}<extra></extra>",
    ))
    fig.update_xaxes(tickformat=".0%" if percent else ",.0f", title=None)
    fig.update_yaxes(title=None, automargin=True)
    fig = titled(style(fig, height=max(260, 34 * len(top) + 80), legend=False), title)
    fig.update_layout(margin=dict(r=56))  # room for the value printed after the longest bar
    return fig
