"""Figures of the home page: cases per month by status, top reasons, top coverage-gap cities."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from . import PALETTE, empty_figure, figure, palette

STATUS_ORDER = ("retencao_efetiva", "desligamento", "nao_se_trata_de_retencao", "aberto")


def monthly_outcomes(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: cases per month, one colour per status (open cases in grey)."""
    if frame.empty:
        return empty_figure()
    bars = []
    for code in STATUS_ORDER:
        part = frame[frame["outcome"] == code]
        if part.empty:
            continue
        bars.append(go.Bar(
            x=part["month"], y=part["cases"], name=str(part["outcome_label"].iloc[0]),
            marker_color=PALETTE.get(code), hovertemplate="%{x|%m/%Y}: %{y:,.0f} casos<extra>%{fullData.name}</extra>",
        ))
    return figure(bars, title="Casos por mês e status", legend_rows=1, barmode="stack",
                  xaxis=dict(tickformat="%m/%Y", title=None), yaxis=dict(title="Casos", tickformat=",.0f"))


def top_bars(frame: pd.DataFrame, label: str, value: str, title: str, percent: bool = False, limit: int = 10) -> go.Figure:
    """Horizontal bars of the `limit` largest rows, largest on top."""
    if frame.empty:
        return empty_figure()
    top = frame.nlargest(limit, value).iloc[::-1]
    bars = go.Bar(
        x=top[value], y=top[label], orientation="h", marker_color=palette.PRIMARY,
        text=[f"{v:.1%}".replace(".", ",") if percent else f"{v:,.0f}".replace(",", ".") for v in top[value]],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x" + (":.1%" if percent else ":,.0f") + "}<extra></extra>",
    )
    return figure([bars], height=max(260, 34 * len(top) + 80), show_legend=False, title=title,
                  xaxis=dict(tickformat=".0%" if percent else ",.0f", title=None),
                  yaxis=dict(title=None, automargin=True),
                  margin=dict(r=56))  # room for the value printed after the longest bar
