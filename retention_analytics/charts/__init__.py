"""Plotly figures of the dashboard, built from the aggregated frames metrics return.

One module per page topic (reasons.py, closure.py, coverage.py, effectiveness.py, overview.py);
palette.py holds every colour, each with one meaning on every page; `style(fig)` gives every figure the same look and pt-BR separators ("1.234,5"). Figures never
query the database and never import streamlit; they draw what they are given, and an empty frame
draws an empty chart with a message rather than raising.
"""

from __future__ import annotations

import plotly.graph_objects as go

from . import palette

# Colours come from palette.py only (one meaning per colour across pages).
PALETTE = palette.STATUS
SEQUENCE = list(palette.SERIES)
GREY = palette.GREY


def style(fig: go.Figure, height: int = 380, legend: bool = True) -> go.Figure:
    fig.update_layout(
        separators=",.",  # decimal comma, thousands dot
        height=height,
        margin=dict(l=10, r=10, t=40, b=10),
        colorway=SEQUENCE,
        showlegend=legend,
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        font=dict(family="Source Sans Pro, sans-serif", size=13),
        hoverlabel=dict(namelength=-1),
    )
    return fig


def empty_figure(message: str = "Sem dados para os filtros escolhidos", height: int = 300) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=15, color="#666"), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, height=height, legend=False)
