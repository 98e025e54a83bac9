"""Figures of the "Motivos de desligamento" page: why credentialed dentists leave.

Built from the frames of metrics.reasons, reason_categories, reasons_controllable,
reasons_quarterly and reasons_operator_category (their columns are the export contract). Every
reason is coloured by its category, the same colour on every figure, so a manager links the
Pareto bars to the category chart at a glance.

It must not import streamlit or query anything: it draws the frames it is given, and an empty
frame draws `empty_figure()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .. import formatting as fmt
from ..vocab import REASON_CATEGORIES
from . import GREY, empty_figure, figure, palette

# One colour per category and one per control group (palette.py: none is a status colour, so a
# "controllable" bar never reads as "Desligamento").
CATEGORY_COLORS = palette.CATEGORY
CONTROLLABLE_COLORS = palette.CONTROL
category_color = palette.category_color


def _pct(value: Any) -> str:
    return fmt.percent(value)


def _wrap(text: str, width: int = 16) -> str:
    """Long axis labels on two or more lines ("Modelo de negócio<br>do prestador")."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def pareto(frame: pd.DataFrame) -> go.Figure:
    """Bars: share of terminated cases citing each reason (largest first, coloured by category);
    line: cumulative share of all citations (right axis). Each point carries its reason code in
    customdata, so a click on a bar can be turned back into a reason (`reason_from_selection`)."""
    if frame.empty:
        return empty_figure("Nenhum desligamento no recorte")
    order = list(frame["label"])
    traces: list[Any] = []
    # One trace per category gives a legend of categories; the x order is fixed below so the bars
    # stay sorted by share even though they live in different traces.
    for category in dict.fromkeys(frame["category"]):
        part = frame[frame["category"] == category]
        traces.append(go.Bar(
            x=part["label"], y=part["share"], name=str(category), marker_color=category_color(category),
            customdata=list(zip(part["reason_code"], part["cases"], part["terminated"])),
            hovertemplate="<b>%{x}</b><br>%{y:.1%} dos desligamentos (%{customdata[1]:,.0f} de "
                          "%{customdata[2]:,.0f})<extra>%{fullData.name}</extra>",
        ))
    traces.append(go.Scatter(
        x=frame["label"], y=frame["cumulative_share"], name="% acumulado das citações", yaxis="y2",
        mode="lines+markers", line=dict(color="#333333", width=2), marker=dict(size=5),
        customdata=list(zip(frame["reason_code"])),
        hovertemplate="%{x}: %{y:.1%} das citações acumuladas<extra></extra>",
    ))
    return figure(
        traces, height=540, title="Por que os dentistas saem? (clique numa barra para ver os casos)", legend_rows=3,
        yaxis=dict(title="% dos desligamentos que citam", tickformat=".0%", rangemode="tozero"),
        yaxis2=dict(title="% acumulado das citações", tickformat=".0%", range=[0, 1.05], dtick=0.2,
                    overlaying="y", side="right", showgrid=False),
        xaxis=dict(title=None, categoryorder="array", categoryarray=order, tickangle=-40),
        bargap=0.25,
        clickmode="event+select",
    )


def reason_from_selection(points: Iterable[Mapping[str, Any]] | None,
                          labels: Mapping[str, str] | None = None) -> str | None:
    """The reason code of the first selected point of `pareto` (st.plotly_chart's selection
    points), or None. customdata comes back as a list or a scalar depending on the trace, and
    falls back to the bar's label when a client drops customdata."""
    by_label = {v: k for k, v in (labels or {}).items()}
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and data:
            data = data[0]
        if isinstance(data, str) and data:
            return data
        x = point.get("x")
        if x in by_label:
            return by_label[x]
    return None


def categories(frame: pd.DataFrame) -> go.Figure:
    """Horizontal bars: share of terminated cases citing each category, controllable ones marked."""
    if frame.empty or frame["terminated"].fillna(0).max() == 0:
        return empty_figure("Nenhum desligamento no recorte")
    ordered = frame.sort_values("share", ascending=True)
    names = [f"{c} (controlável)" if ctl else str(c) for c, ctl in zip(ordered["category"], ordered["controllable"])]
    bars = go.Bar(
        x=ordered["share"], y=names, orientation="h",
        marker_color=[category_color(c) for c in ordered["category"]],
        text=[_pct(v) for v in ordered["share"]], textposition="outside", cliponaxis=False,
        customdata=list(zip(ordered["cases"], ordered["terminated"])),
        hovertemplate="<b>%{y}</b><br>%{x:.1%} dos desligamentos (%{customdata[0]:,.0f} de "
                      "%{customdata[1]:,.0f})<extra></extra>",
    )
    return figure([bars], height=max(300, 44 * len(ordered) + 110), show_legend=False,
                  title="Quais tipos de motivo pesam mais?",
                  # Room on the right for the value printed past the longest bar.
                  xaxis=dict(title="% dos desligamentos que citam", tickformat=".0%",
                             range=[0, max(0.05, float(ordered["share"].max()) * 1.2)]),
                  yaxis=dict(title=None, automargin=True))


def controllable(frame: pd.DataFrame) -> go.Figure:
    """One 100% bar: terminated cases with a reason the operator controls, with only other reasons,
    and with no reason (the groups partition the terminations, so they add up to 100%)."""
    if frame.empty or frame["terminated"].fillna(0).max() == 0:
        return empty_figure("Nenhum desligamento no recorte", height=220)
    bars = []
    for row in frame.itertuples(index=False):
        if not row.cases:
            continue
        bars.append(go.Bar(
            x=[row.share], y=["Desligamentos"], orientation="h", name=str(row.label),
            marker_color=CONTROLLABLE_COLORS.get(row.kind, GREY),
            text=[_pct(row.share)], textposition="inside", insidetextanchor="middle",
            customdata=[[row.cases, row.terminated]],
            hovertemplate="%{fullData.name}: %{x:.1%} (%{customdata[0]:,.0f} de %{customdata[1]:,.0f})<extra></extra>",
        ))
    return figure(bars, height=260, title="Quanto a operadora poderia ter evitado?", legend_rows=2, barmode="stack",
                  xaxis=dict(title=None, tickformat=".0%", range=[0, 1]), yaxis=dict(visible=False),
                  legend=dict(traceorder="normal"))  # legend in the bar's left-to-right order


def quarterly(frame: pd.DataFrame) -> go.Figure:
    """Lines: per quarter, the share of that quarter's terminations citing each category."""
    if frame.empty:
        return empty_figure("Nenhum desligamento no recorte")
    quarters = sorted(dict.fromkeys(frame["quarter"]))
    labels = {q: fmt.quarter(q) for q in quarters}
    lines = []
    for category in dict.fromkeys(frame["category"]):
        part = frame[frame["category"] == category].sort_values("quarter")
        controllable_flag = bool(part["controllable"].iloc[0])
        lines.append(go.Scatter(
            x=[labels[q] for q in part["quarter"]], y=part["share"], mode="lines+markers",
            name=f"{category} (controlável)" if controllable_flag else str(category),
            line=dict(color=category_color(category), width=3 if controllable_flag else 1.5,
                      dash="solid" if controllable_flag else "dot"),
            customdata=list(zip(part["cases"], part["terminated"])),
            hovertemplate="%{x}: %{y:.1%} (%{customdata[0]:,.0f} de %{customdata[1]:,.0f} desligamentos)"
                          "<extra>%{fullData.name}</extra>",
        ))
    return figure(lines, height=480, title="Os motivos estão mudando? (% dos desligamentos do trimestre)",
                  legend_rows=3,
                  xaxis=dict(title="Trimestre", categoryorder="array", categoryarray=[labels[q] for q in quarters]),
                  yaxis=dict(title="% dos desligamentos", tickformat=".0%", rangemode="tozero"))


def operator_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Heatmap operator × category: share of the operator's terminations citing the category."""
    if frame.empty:
        return empty_figure("Nenhum desligamento no recorte")
    categories_order = [c for c in REASON_CATEGORIES if c in set(frame["category"])]
    categories_order += [c for c in dict.fromkeys(frame["category"]) if c not in categories_order]
    controllable_of = dict(zip(frame["category"], frame["controllable"]))
    column_names = [_wrap(f"{c} (controlável)" if controllable_of.get(c) else c) for c in categories_order]
    totals = frame.groupby("operator_key", sort=False)["terminated"].first()
    operators = frame.drop_duplicates("operator_key")[["operator_key", "operator"]]
    operators = operators.assign(terminated=operators["operator_key"].map(totals)).sort_values(
        ["terminated", "operator"], ascending=[False, True]
    )
    # n in the row label: a 100% over 2 terminations must not read like a 100% over 80.
    row_names = [f"{o} (n={fmt.integer(t)})" for o, t in zip(operators["operator"], operators["terminated"])]
    cells = frame.set_index(["operator_key", "category"])
    z, text, custom = [], [], []
    for key in operators["operator_key"]:
        z_row, text_row, custom_row = [], [], []
        for category in categories_order:
            if (key, category) in cells.index:
                row = cells.loc[(key, category)]
                z_row.append(row["share"])
                text_row.append(_pct(row["share"]))
                custom_row.append([int(row["cases"]), int(row["terminated"])])
            else:
                z_row.append(None)
                text_row.append("")
                custom_row.append([0, 0])
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    heatmap = go.Heatmap(
        z=z, x=column_names, y=row_names, text=text, texttemplate="%{text}", customdata=custom,
        colorscale="Oranges", zmin=0, zmax=max(0.01, float(pd.to_numeric(frame["share"]).max())),
        colorbar=dict(title="% dos deslig.", tickformat=".0%"), xgap=2, ygap=2,
        hovertemplate="<b>%{y}</b> · %{x}<br>%{z:.1%} dos desligamentos (%{customdata[0]:,.0f} de "
                      "%{customdata[1]:,.0f})<extra></extra>",
    )
    return figure([heatmap], height=max(300, 46 * len(operators) + 170), show_legend=False,
                  title="Cada operadora perde dentistas pelos mesmos motivos?", legend_rows=2,
                  xaxis=dict(title=None, side="top", tickangle=0, automargin=True),
                  yaxis=dict(title=None, autorange="reversed", automargin=True))
