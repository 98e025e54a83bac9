"""Figures of the "Efetividade" page: who retains dentists, and which actions help.

Built from metrics.effectiveness_operator / effectiveness_analyst, actions and requested_by. A
rate is always drawn with its 95% Wilson interval (metrics.md): a forest plot puts each group's
point and interval on one line, ranked groups first in rank order, then the small samples
(n < 10) greyed and labelled "amostra pequena", never ranked — a 100% over 3 attempts must not
look like the best analyst. The page and the report draw it with each group's median days to
close on the same line (`forest_with_days`).

It must not import streamlit or query anything; an empty frame draws `empty_figure()`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .. import formatting as fmt
from . import GREY, PALETTE, empty_figure, figure, palette, vline

PRIMARY = palette.PRIMARY
SMALL_LABEL = "amostra pequena"


def _is_true(value: Any) -> bool:
    return bool(value) if not fmt.is_missing(value) else False


def _errors(frame: pd.DataFrame, rate: str, low: str, high: str) -> dict[str, Any]:
    return dict(
        type="data", symmetric=False, thickness=2, width=6,
        array=(frame[high] - frame[rate]).clip(lower=0).tolist(),
        arrayminus=(frame[rate] - frame[low]).clip(lower=0).tolist(),
    )


def _forest_rows(frame: pd.DataFrame, name_column: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str]]:
    """The forest plot's rows: the ranked groups in rank order and the small samples by attempts,
    each with its axis label. Groups without attempts have no rate: in neither."""
    rated = frame[frame["retention_rate"].notna()] if not frame.empty else frame
    if rated.empty:
        return rated, rated, [], []
    small = rated["small_sample"].map(_is_true)
    ranked = rated[~small].sort_values(["rank", "attempts"], ascending=[True, False])
    smalls = rated[small].sort_values(["attempts", name_column], ascending=[False, True])
    ranked_labels = [f"{int(r)}º · {n} (n={fmt.integer(a)})"
                     for r, n, a in zip(ranked["rank"], ranked[name_column], ranked["attempts"])]
    small_labels = [f"{n} (n={fmt.integer(a)}) · {SMALL_LABEL}" for n, a in zip(smalls[name_column], smalls["attempts"])]
    return ranked, smalls, ranked_labels, small_labels


def _forest_traces(ranked: pd.DataFrame, smalls: pd.DataFrame, ranked_labels: list[str], small_labels: list[str],
                   name_column: str, targets: dict[str, float] | None) -> list[Any]:
    """The points with their intervals (ranked in the house colour, small samples grey and open)
    and the target marks, on the x axis of the rate."""
    traces: list[Any] = []

    def add(part: pd.DataFrame, labels: list[str], color: str, name: str) -> None:
        if part.empty:
            return
        traces.append(go.Scatter(
            x=part["retention_rate"], y=labels, mode="markers", name=name,
            marker=dict(color=color, size=11, symbol="circle" if color != GREY else "circle-open",
                        line=dict(width=2, color=color)),
            error_x=dict(color=color, **_errors(part, "retention_rate", "ci_low", "ci_high")),
            customdata=list(zip(part["retained"], part["attempts"], part["ci_low"], part["ci_high"])),
            hovertemplate="<b>%{y}</b><br>Taxa de retenção: %{x:.1%} (%{customdata[0]:,.0f} de "
                          "%{customdata[1]:,.0f})<br>IC 95%: %{customdata[2]:.1%} a %{customdata[3]:.1%}"
                          "<extra></extra>",
        ))

    add(ranked, ranked_labels, PRIMARY, "Taxa de retenção (IC 95%)")
    add(smalls, small_labels, GREY, f"{SMALL_LABEL.capitalize()} (n < 10): sem posição")
    return traces + _target_marks([*zip(ranked[name_column], ranked_labels), *zip(smalls[name_column], small_labels)],
                                  targets)


def _reference(overall: float | None) -> dict[str, Any]:
    """The dashed "Geral" line at the filtered set's rate, as layout entries (none without a rate)."""
    if overall is None or fmt.is_missing(overall):
        return {}
    shape, note = vline(float(overall), f"Geral: {fmt.percent(overall)}", "bottom right")
    return dict(shapes=[shape], annotations=[note])


# The rate's x axis: a little room past 0% and 100% so a point or whisker at the edge is not cut in half.
_RATE_AXIS = dict(title="Taxa de retenção (IC 95%)", tickformat=".0%", range=[-0.04, 1.04])


def forest(frame: pd.DataFrame, name_column: str, title: str, overall: float | None = None,
           targets: dict[str, float] | None = None) -> go.Figure:
    """Retention rate with its 95% interval per operator or analyst (`name_column`): ranked rows
    first (1º on top), then small samples in grey. Rows without attempts have no rate: not drawn.
    `overall` (the filtered set's rate) is drawn as a dashed reference line; `targets` (name →
    target rate) as a target mark on each row that has one."""
    ranked, smalls, ranked_labels, small_labels = _forest_rows(frame, name_column)
    if ranked.empty and smalls.empty:
        return empty_figure("Nenhuma tentativa de retenção finalizada no recorte")
    traces = _forest_traces(ranked, smalls, ranked_labels, small_labels, name_column, targets)
    return figure(traces, height=max(300, 32 * (len(ranked) + len(smalls)) + 170), title=title, legend_rows=2,
                  **_reference(overall), xaxis=_RATE_AXIS,
                  # Categories listed top-down in the order drawn: ranked 1º first, small samples last.
                  yaxis=dict(title=None, autorange="reversed", automargin=True))


NO_ATTEMPTS_LABEL = "sem tentativas"


def forest_with_days(frame: pd.DataFrame, name_column: str, title: str, overall: float | None = None,
                     targets: dict[str, float] | None = None) -> go.Figure:
    """`forest` and the median days to close side by side on the same rows: on each group's line,
    its rate with the interval on the left and its median days as a bar on the right. Groups with
    closed cases but no retention attempt (only "não se trata de retenção") come last, with a bar
    and no point.

    One figure rather than two charts side by side: a row read across gives both numbers of
    one operator or analyst, and the browser draws one chart instead of two (Streamlit 1.67 draws
    each chart anew on every rerun, ~40 ms each: docs/performance.md)."""
    ranked, smalls, ranked_labels, small_labels = _forest_rows(frame, name_column)
    if frame.empty:
        return empty_figure("Nenhum caso finalizado no recorte")
    unrated = frame[frame["retention_rate"].isna() & frame["median_days"].notna()].sort_values(name_column)
    if ranked.empty and smalls.empty and unrated.empty:
        return empty_figure("Nenhum caso finalizado no recorte")
    traces = _forest_traces(ranked, smalls, ranked_labels, small_labels, name_column, targets)
    rows = pd.concat([part for part in (ranked, smalls, unrated) if not part.empty])
    labels = [*ranked_labels, *small_labels, *(f"{n} · {NO_ATTEMPTS_LABEL}" for n in unrated[name_column])]
    days = pd.to_numeric(rows["median_days"], errors="coerce")
    traces.append(go.Bar(
        x=days, y=labels, xaxis="x2", yaxis="y", orientation="h", marker_color=PRIMARY, showlegend=False,
        name="Mediana (dias)", text=["" if fmt.is_missing(v) else fmt.days(v) for v in days],
        textposition="outside", cliponaxis=False, customdata=rows["closed"].tolist(),
        hovertemplate="<b>%{y}</b><br>Mediana de %{x:,.1f} dias para finalizar (%{customdata:,.0f} casos "
                      "finalizados)<extra></extra>",
    ))
    longest = float(days.max()) if days.notna().any() else 1.0
    return figure(traces, height=max(300, 32 * len(labels) + 170), title=title, legend_rows=2,
                  **_reference(overall),
                  xaxis=dict(_RATE_AXIS, domain=[0, 0.6]),
                  # Room on the right for the "68 dias" printed past the longest bar.
                  xaxis2=dict(title="Mediana de dias até finalizar", tickformat=",.0f", domain=[0.66, 1], anchor="y",
                              range=[0, max(1.0, longest * 1.4)]),
                  # One list of rows for both: ranked 1º first, small samples, then groups without attempts.
                  yaxis=dict(title=None, autorange="reversed", automargin=True))


TARGET_COLOR = "#C0392B"


def _target_marks(rows: list[tuple[Any, str]], targets: dict[str, float] | None) -> list[go.Scatter]:
    """A red tick at each row's target ("Meta"), for the rows (name, axis label) that have one."""
    if not targets:
        return []
    marked = [(label, targets[str(name)]) for name, label in rows if str(name) in targets]
    if not marked:
        return []
    return [go.Scatter(
        x=[t for _, t in marked], y=[label for label, _ in marked], mode="markers", name="Meta",
        marker=dict(symbol="line-ns-open", size=22, color=TARGET_COLOR, line=dict(width=3, color=TARGET_COLOR)),
        hovertemplate="<b>%{y}</b><br>Meta: %{x:.1%}<extra></extra>",
    )]


def actions(frame: pd.DataFrame) -> go.Figure:
    """Per action: retention rate where it was offered against where it was not, each with its
    95% interval; a side that is a small sample is drawn faded."""
    if frame.empty or (frame["attempts_offered"].fillna(0) + frame["attempts_not_offered"].fillna(0)).sum() == 0:
        return empty_figure("Nenhuma tentativa de retenção finalizada no recorte")
    bars = []
    sides = (("offered", "Com a ação", PALETTE["retencao_efetiva"]), ("not_offered", "Sem a ação", palette.NOT_OFFERED))
    for side, name, color in sides:
        rate, low, high = f"rate_{side}", f"ci_low_{side}", f"ci_high_{side}"
        part = frame.copy()
        small = part[f"small_sample_{side}"].map(_is_true)
        bars.append(go.Bar(
            y=part["label"], x=part[rate], orientation="h", name=name, marker_color=color,
            marker_opacity=[0.35 if s else 0.9 for s in small],
            error_x=dict(color="#333", **_errors(part.fillna({rate: 0, low: 0, high: 0}), rate, low, high)),
            text=[f"{fmt.percent(v)} (n={fmt.integer(n)}{', ' + SMALL_LABEL if s else ''})"
                  for v, n, s in zip(part[rate], part[f"attempts_{side}"], small)],
            textposition="inside", insidetextanchor="start",
            customdata=list(zip(part[f"retained_{side}"], part[f"attempts_{side}"], part[low], part[high])),
            hovertemplate="<b>%{y}</b> · %{fullData.name}<br>%{x:.1%} (%{customdata[0]:,.0f} de "
                          "%{customdata[1]:,.0f})<br>IC 95%: %{customdata[2]:.1%} a %{customdata[3]:.1%}"
                          "<extra></extra>",
        ))
    return figure(bars, height=max(300, 70 * len(frame) + 140), title="Oferecer a ação ajuda a reter?", legend_rows=1,
                  barmode="group", xaxis=dict(title="Taxa de retenção (IC 95%)", tickformat=".0%", range=[0, 1.02]),
                  yaxis=dict(title=None, autorange="reversed", automargin=True))


def requested_by(frame: pd.DataFrame) -> go.Figure:
    """Retention rate with its 95% interval by who started the case (operator or provider)."""
    rated = frame[frame["retention_rate"].notna()] if not frame.empty else frame
    if rated.empty:
        return empty_figure("Nenhuma tentativa de retenção finalizada no recorte")
    small = rated["small_sample"].map(_is_true)
    bars = go.Bar(
        y=[f"{label} (n={fmt.integer(n)})" + (f" · {SMALL_LABEL}" if s else "")
           for label, n, s in zip(rated["label"], rated["attempts"], small)],
        x=rated["retention_rate"], orientation="h",
        marker_color=[GREY if s else PRIMARY for s in small],
        error_x=dict(color="#333", **_errors(rated, "retention_rate", "ci_low", "ci_high")),
        text=[fmt.percent(v) for v in rated["retention_rate"]], textposition="inside", insidetextanchor="start",
        customdata=list(zip(rated["retained"], rated["attempts"], rated["ci_low"], rated["ci_high"])),
        hovertemplate="<b>%{y}</b><br>%{x:.1%} (%{customdata[0]:,.0f} de %{customdata[1]:,.0f})<br>"
                      "IC 95%: %{customdata[2]:.1%} a %{customdata[3]:.1%}<extra></extra>",
    )
    return figure([bars], height=max(240, 60 * len(rated) + 120), show_legend=False,
                  title="Quem pediu o caso muda o resultado?",
                  xaxis=dict(title="Taxa de retenção (IC 95%)", tickformat=".0%", range=[0, 1.02]),
                  yaxis=dict(title=None, autorange="reversed", automargin=True))
