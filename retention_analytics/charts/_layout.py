"""The title's part of a figure's layout, shared by the analysis figures (charts.figure).

The house legend sits just above the plot, where a title also goes: with both, they overlap.
`title_layout()` gives the title the top of the figure and reserves room for the legend rows
between it and the plot. It must not import streamlit or query anything.
"""

from __future__ import annotations

from typing import Any

_TITLE_ROOM = 44  # pixels for a one-line title at the top of the figure
_LEGEND_ROW = 22  # pixels per row of a horizontal legend


def title_layout(title: str, legend_rows: int = 0) -> dict[str, Any]:
    """The layout keys of `title` on top with `legend_rows` rows of legend under it."""
    return dict(
        title=dict(text=title, x=0, xanchor="left", xref="container", y=1, yanchor="top", yref="container",
                   pad=dict(t=8, l=12), font=dict(size=16)),
        margin=dict(t=_TITLE_ROOM + _LEGEND_ROW * max(0, legend_rows)),
    )
