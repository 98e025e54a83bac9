"""Layout helpers shared by the analysis figures (reasons, closure, coverage, effectiveness).

`style()` puts the legend just above the plot, where a title also goes: with both, they overlap.
`titled()` gives the title the top of the figure and reserves room for the legend rows between it
and the plot. It must not import streamlit or query anything.
"""

from __future__ import annotations

import plotly.graph_objects as go

_TITLE_ROOM = 44  # pixels for a one-line title at the top of the figure
_LEGEND_ROW = 22  # pixels per row of a horizontal legend


def titled(fig: go.Figure, title: str, legend_rows: int = 0) -> go.Figure:
    """`fig` (already styled) with `title` on top and `legend_rows` rows of legend under it."""
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", xref="container", y=1, yanchor="top", yref="container",
                   pad=dict(t=8, l=12), font=dict(size=16)),
        margin=dict(t=_TITLE_ROOM + _LEGEND_ROW * max(0, legend_rows)),
    )
    return fig
