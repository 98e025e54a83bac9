"""The figures of the analysis pages, from small hand-made frames (the metrics' columns).

Each builder draws the traces the page relies on from a frame, and an empty frame gives the
empty figure (no trace, one message) instead of raising. Charts never import streamlit.
"""

from __future__ import annotations

import ast
import math
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from retention_analytics.brazil import UFS
from retention_analytics.charts import closure, coverage, effectiveness, reasons
from retention_analytics.charts.reasons import CATEGORY_COLORS

NAN = math.nan


def is_empty_figure(fig) -> bool:
    return len(fig.data) == 0 and len(fig.layout.annotations) == 1


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- reasons
REASONS = frame([
    {"reason_code": "valores", "label": "Valores", "category": "Remuneração", "controllable": True, "cases": 3,
     "terminated": 4, "share": 0.75, "cumulative_share": 0.5},
    {"reason_code": "perda_de_contato", "label": "Perda de Contato", "category": "Contato perdido ou remoção",
     "controllable": False, "cases": 1, "terminated": 4, "share": 0.25, "cumulative_share": 4 / 6},
    {"reason_code": "glosas", "label": "Glosas", "category": "Remuneração", "controllable": True, "cases": 1,
     "terminated": 4, "share": 0.25, "cumulative_share": 5 / 6},
    {"reason_code": "prazo_liberacao_de_guias", "label": "Prazo Liberação de Guias",
     "category": "Processos e suporte", "controllable": True, "cases": 1, "terminated": 4, "share": 0.25,
     "cumulative_share": 1.0},
])


def test_pareto_bars_per_category_and_a_cumulative_line():
    fig = reasons.pareto(REASONS)
    bars = [t for t in fig.data if t.type == "bar"]
    lines = [t for t in fig.data if t.type == "scatter"]
    assert [b.name for b in bars] == ["Remuneração", "Contato perdido ou remoção", "Processos e suporte"]
    assert bars[0].marker.color == CATEGORY_COLORS["Remuneração"]
    assert list(bars[0].x) == ["Valores", "Glosas"] and list(bars[0].y) == [0.75, 0.25]
    assert len(lines) == 1 and lines[0].yaxis == "y2" and list(lines[0].y) == pytest.approx([0.5, 4 / 6, 5 / 6, 1.0])
    # Bars stay in the frame's order (largest first) although they sit in several traces.
    assert list(fig.layout.xaxis.categoryarray) == list(REASONS["label"])
    assert fig.layout.yaxis.tickformat == ".0%" and fig.layout.yaxis2.tickformat == ".0%"
    assert fig.layout.separators == ",."


def test_a_clicked_bar_gives_back_its_reason():
    fig = reasons.pareto(REASONS)
    bar = fig.data[0]
    point = {"x": bar.x[1], "y": bar.y[1], "customdata": list(bar.customdata[1])}
    assert reasons.reason_from_selection([point]) == "glosas"
    assert reasons.reason_from_selection([{"x": "Glosas", "customdata": "glosas"}]) == "glosas"
    assert reasons.reason_from_selection([{"x": "Glosas"}], {"glosas": "Glosas"}) == "glosas"
    assert reasons.reason_from_selection([]) is None and reasons.reason_from_selection(None) is None


def test_categories_and_controllable():
    categories = frame([
        {"category": "Remuneração", "controllable": True, "cases": 3, "terminated": 4, "share": 0.75},
        {"category": "Vida pessoal e carreira", "controllable": False, "cases": 0, "terminated": 4, "share": 0.0},
    ])
    fig = reasons.categories(categories)
    assert len(fig.data) == 1 and "Remuneração (controlável)" in list(fig.data[0].y)
    split = frame([
        {"kind": "controllable", "label": "Ao menos um", "cases": 3, "terminated": 4, "share": 0.75},
        {"kind": "not_controllable", "label": "Só outros", "cases": 1, "terminated": 4, "share": 0.25},
        {"kind": "no_reason", "label": "Nenhum", "cases": 0, "terminated": 4, "share": 0.0},
    ])
    fig = reasons.controllable(split)
    assert [t.name for t in fig.data] == ["Ao menos um", "Só outros"]  # an empty group draws no bar
    assert fig.layout.barmode == "stack"
    no_terminations = split.assign(cases=0, terminated=0, share=NAN)
    assert is_empty_figure(reasons.controllable(no_terminations))
    assert is_empty_figure(reasons.categories(categories.assign(terminated=0)))


def test_quarterly_lines_and_operator_heatmap():
    quarterly = frame([
        {"quarter": q, "category": c, "controllable": c == "Remuneração", "cases": n, "terminated": 2, "share": n / 2}
        for q in ("2024-T1", "2024-T2") for c, n in (("Remuneração", 1), ("Vida pessoal e carreira", 2))
    ])
    fig = reasons.quarterly(quarterly)
    assert [t.name for t in fig.data] == ["Remuneração (controlável)", "Vida pessoal e carreira"]
    assert list(fig.data[0].x) == ["1º tri 2024", "2º tri 2024"]
    by_operator = frame([
        {"operator_key": "a", "operator": "Alfa", "category": "Remuneração", "controllable": True, "cases": 2,
         "terminated": 4, "share": 0.5},
        {"operator_key": "b", "operator": "Beta", "category": "Remuneração", "controllable": True, "cases": 1,
         "terminated": 1, "share": 1.0},
    ])
    fig = reasons.operator_heatmap(by_operator)
    assert len(fig.data) == 1 and fig.data[0].type == "heatmap"
    assert list(fig.data[0].y) == ["Alfa (n=4)", "Beta (n=1)"]  # most terminations first, n shown
    assert [list(r) for r in fig.data[0].z] == [[0.5], [1.0]]


@pytest.mark.parametrize("builder", [reasons.pareto, reasons.categories, reasons.controllable, reasons.quarterly,
                                     reasons.operator_heatmap])
def test_reason_charts_on_an_empty_frame(builder):
    assert is_empty_figure(builder(pd.DataFrame()))


# --------------------------------------------------------------------------- closure
def test_closure_histogram_boxes_and_age_bands():
    distribution = frame([
        {"bin_start": 0, "bin_end": 14, "cases": 3, "share": 0.6},
        {"bin_start": 15, "bin_end": 29, "cases": 2, "share": 0.4},
    ])
    fig = closure.histogram(distribution)
    assert len(fig.data) == 1 and list(fig.data[0].y) == [3, 2]
    assert list(fig.data[0].x) == [7.5, 22.5]  # centred on the 15-day bands
    boxes = frame([
        {"group_key": "a", "name": "Ana", "n": 5, "min_days": 5, "whisker_low": 5, "q1": 10.0, "median": 30.0,
         "q3": 40.0, "whisker_high": 45, "max_days": 90, "outliers": 1},
        {"group_key": "b", "name": "Bruno", "n": 3, "min_days": 10, "whisker_low": 10, "q1": 12.0,
         "median": 15.0, "q3": 50.0, "whisker_high": 90, "max_days": 90, "outliers": 0},
    ])
    fig = closure.boxes(boxes, "Por analista")
    box = fig.data[0]
    assert box.type == "box" and box.orientation == "h"
    # Drawn from the precomputed statistics, slowest median last (plotly draws it on top).
    assert list(box.y) == ["Bruno (n=3)", "Ana (n=5)"]
    assert list(box.median) == [15.0, 30.0] and list(box.q1) == [12.0, 10.0] and list(box.q3) == [50.0, 40.0]
    assert list(box.lowerfence) == [10, 5] and list(box.upperfence) == [90, 45]
    bands = frame([
        {"band": "0–30", "band_order": 1, "min_days": 0, "max_days": 30, "cases": 2},
        {"band": ">180", "band_order": 5, "min_days": 181, "max_days": None, "cases": 1},
    ])
    fig = closure.age_bands(bands)
    assert list(fig.data[0].x) == ["0–30 dias", ">180 dias"] and list(fig.data[0].y) == [2, 1]


@pytest.mark.parametrize("builder", [closure.histogram, closure.age_bands, lambda f: closure.boxes(f, "t")])
def test_closure_charts_on_an_empty_frame(builder):
    assert is_empty_figure(builder(pd.DataFrame()))


def test_closure_histogram_without_closed_cases():
    assert is_empty_figure(closure.histogram(frame([{"bin_start": 0, "bin_end": 14, "cases": 0, "share": NAN}])))


# --------------------------------------------------------------------------- coverage
def _coverage(**values) -> pd.DataFrame:
    rows = []
    for code, uf in UFS.items():
        rows.append({"uf": code, "uf_name": uf.name, "cases": 0, "terminations": 0, "retention_rate": NAN,
                     "cros_lost": 0, "lives_at_risk": 0, **{k: v.get(code, 0 if k != "retention_rate" else NAN)
                                                             for k, v in values.items()}})
    return pd.DataFrame(rows)


def test_the_tile_map_puts_every_uf_on_its_tile():
    fig = coverage.tile_map(_coverage(cases={"SP": 10, "MG": 4}), "cases")
    assert [t.type for t in fig.data] == ["heatmap", "heatmap", "scatter"]
    values = fig.data[1].z
    assert values[UFS["SP"].tile[0]][UFS["SP"].tile[1]] == 10
    assert values[UFS["MG"].tile[0]][UFS["MG"].tile[1]] == 4
    # Every UF has a grey base tile and a label; cells that are no UF stay empty.
    base = fig.data[0].z
    assert sum(v is not None for row in base for v in row) == 27
    names = fig.data[2]
    assert {t.split("<br>")[0] for t in names.text} == {f"<b>{code}</b>" for code in UFS}
    # Each label on its tile, dark on light tiles and white on the darkest (SP, the maximum).
    at = {(x, y): (t, colour) for x, y, t, colour in zip(names.x, names.y, names.text, names.textfont.color)}
    sp, mg = UFS["SP"].tile, UFS["MG"].tile
    assert at[(sp[1], sp[0])] == ("<b>SP</b><br>10", "white") and at[(mg[1], mg[0])][1] == "#222"
    assert names.hoverinfo == "skip"  # the tile's own hover answers
    # Offline: no geo/mapbox trace, nothing to download.
    assert not any(t.type in ("choropleth", "choroplethmapbox", "choroplethmap", "scattergeo") for t in fig.data)


def test_the_tile_map_shows_rates_as_percentages_and_missing_rates_blank():
    fig = coverage.tile_map(_coverage(retention_rate={"SP": 0.5}), "retention_rate")
    values = fig.data[1].z
    assert values[UFS["SP"].tile[0]][UFS["SP"].tile[1]] == 0.5
    assert values[UFS["AC"].tile[0]][UFS["AC"].tile[1]] is None
    assert fig.data[1].zmin == 0 and fig.data[1].zmax == 1
    texts = set(fig.data[2].text)
    assert "<b>SP</b><br>50%" in texts and "<b>AC</b><br>–" in texts
    assert fig.data[1].colorbar.tickformat == ".0%"


def test_the_tile_map_greys_rates_over_small_samples():
    data = _coverage(retention_rate={"SP": 0.5, "RR": 1.0}).assign(attempts=0)
    data.loc[data["uf"] == "SP", "attempts"] = 40
    data.loc[data["uf"] == "RR", "attempts"] = 2
    # The rate and its small-sample flag as metrics.coverage_uf gives them: stats.add_rate's rule,
    # which the map reads and does not apply again.
    from retention_analytics.metrics.stats import add_rate

    data = add_rate(data.assign(retained=(data["retention_rate"].fillna(0) * data["attempts"]).round()))
    assert data.set_index("uf").loc["RR", "small_sample"] and not data.set_index("uf").loc["SP", "small_sample"]
    fig = coverage.tile_map(data, "retention_rate")
    values = fig.data[1].z
    assert values[UFS["SP"].tile[0]][UFS["SP"].tile[1]] == 0.5
    assert values[UFS["RR"].tile[0]][UFS["RR"].tile[1]] is None  # grey, not the darkest green
    assert "<b>RR</b><br>100%*" in set(fig.data[2].text)
    # Counts are never greyed for a small number of attempts.
    counts = coverage.tile_map(data.assign(cases=1), "cases").data[1].z
    assert counts[UFS["RR"].tile[0]][UFS["RR"].tile[1]] == 1


def test_every_map_metric_draws_and_an_unknown_one_raises():
    data = _coverage(cases={"SP": 1}, terminations={"SP": 1}, cros_lost={"SP": 2}, lives_at_risk={"SP": 100})
    for metric in coverage.MAP_METRICS:
        assert [t.type for t in coverage.tile_map(data, metric).data] == ["heatmap", "heatmap", "scatter"]
    with pytest.raises(ValueError):
        coverage.tile_map(data, "population")
    assert is_empty_figure(coverage.tile_map(pd.DataFrame(), "cases"))


# --------------------------------------------------------------------------- effectiveness
def _rates(rows: list[tuple]) -> pd.DataFrame:
    out = []
    for name, attempts, retained, rate, low, high, small, rank in rows:
        out.append({"operator_key": name.lower(), "operator": name, "cases": attempts, "open_cases": 0,
                    "closed": attempts, "attempts": attempts, "retained": retained, "retention_rate": rate,
                    "ci_low": low, "ci_high": high, "small_sample": small, "rank": rank, "not_retention": 0,
                    "terminations": attempts - retained, "median_days": 30.0, "closed_within_60": 0.5,
                    "top_reasons": ""})
    df = pd.DataFrame(out)
    df["rank"] = pd.array(df["rank"], dtype="Int64")
    return df


def test_forest_ranks_first_and_greys_small_samples():
    df = _rates([
        ("Beta", 20, 8, 0.4, 0.22, 0.61, False, 2),
        ("Alfa", 30, 18, 0.6, 0.42, 0.75, False, 1),
        ("Gama", 3, 3, 1.0, 0.44, 1.0, True, None),
        ("Delta", 0, 0, NAN, NAN, NAN, True, None),  # no attempts: no rate, not drawn
    ])
    fig = effectiveness.forest(df, "operator", "Qual operadora retém mais?", overall=0.5)
    ranked, small = fig.data
    assert list(ranked.y) == ["1º · Alfa (n=30)", "2º · Beta (n=20)"]
    assert list(ranked.x) == [0.6, 0.4]
    assert list(ranked.error_x.array) == pytest.approx([0.15, 0.21])
    assert list(ranked.error_x.arrayminus) == pytest.approx([0.18, 0.18])
    assert list(small.y) == ["Gama (n=3) · amostra pequena"] and small.marker.color == "#B0B0B0"
    assert fig.layout.xaxis.tickformat == ".0%"
    assert any("Geral: 50,0%" in (a.text or "") for a in fig.layout.annotations)


def test_forest_with_days_puts_rate_and_median_days_on_the_same_rows():
    df = _rates([
        ("Beta", 20, 8, 0.4, 0.22, 0.61, False, 2),
        ("Alfa", 30, 18, 0.6, 0.42, 0.75, False, 1),
        ("Gama", 3, 3, 1.0, 0.44, 1.0, True, None),
        ("Delta", 0, 0, NAN, NAN, NAN, True, None),  # closed cases, none a retention attempt
    ])
    df.loc[df["operator"] == "Beta", "median_days"] = 45.5
    df.loc[df["operator"] == "Delta", ["closed", "median_days"]] = [4, 12.0]
    fig = effectiveness.forest_with_days(df, "operator", "t", overall=0.5, targets={"Alfa": 0.7})
    alone = effectiveness.forest(df, "operator", "t", overall=0.5, targets={"Alfa": 0.7})
    *points, bars = fig.data
    # The rate's traces are forest's own, on its axis; the bars follow the same rows, then Delta.
    assert [(list(t.y), list(t.x)) for t in points] == [(list(t.y), list(t.x)) for t in alone.data]
    assert list(bars.y) == ["1º · Alfa (n=30)", "2º · Beta (n=20)", "Gama (n=3) · amostra pequena",
                            "Delta · sem tentativas"]
    assert list(bars.x) == [30.0, 45.5, 30.0, 12.0] and bars.xaxis == "x2" and bars.yaxis == "y"
    assert list(bars.text) == ["30 dias", "45,5 dias", "30 dias", "12 dias"]
    assert list(bars.customdata) == [30, 20, 3, 4]  # finalized cases, in the hover
    assert fig.layout.xaxis.domain == (0, 0.6) and fig.layout.xaxis2.domain == (0.66, 1)
    assert fig.layout.xaxis2.anchor == "y" and fig.layout.xaxis2.range == (0, 45.5 * 1.4)
    assert any("Geral: 50,0%" in (a.text or "") for a in fig.layout.annotations)


def test_forest_with_days_of_groups_without_attempts_draws_their_days():
    df = _rates([("Delta", 0, 0, NAN, NAN, NAN, True, None)])
    fig = effectiveness.forest_with_days(df, "operator", "t")
    assert [t.type for t in fig.data] == ["bar"] and list(fig.data[0].y) == ["Delta · sem tentativas"]
    df["median_days"] = NAN  # and nothing closed: nothing to draw
    assert is_empty_figure(effectiveness.forest_with_days(df, "operator", "t"))


def test_actions_and_requested_by():
    actions = pd.DataFrame([{
        "action_code": "suporte", "label": "Ofertado Suporte",
        "attempts_offered": 12, "retained_offered": 9, "rate_offered": 0.75, "ci_low_offered": 0.47,
        "ci_high_offered": 0.91, "small_sample_offered": False,
        "attempts_not_offered": 4, "retained_not_offered": 1, "rate_not_offered": 0.25,
        "ci_low_not_offered": 0.05, "ci_high_not_offered": 0.7, "small_sample_not_offered": True,
        "difference": 0.5,
    }])
    fig = effectiveness.actions(actions)
    assert [t.name for t in fig.data] == ["Com a ação", "Sem a ação"]
    assert list(fig.data[0].x) == [0.75] and list(fig.data[1].x) == [0.25]
    assert "amostra pequena" in fig.data[1].text[0] and "amostra pequena" not in fig.data[0].text[0]
    requested = pd.DataFrame([
        {"requested_by": "operadora", "label": "Operadora", "cases": 12, "attempts": 10, "retained": 5,
         "retention_rate": 0.5, "ci_low": 0.24, "ci_high": 0.76, "small_sample": False},
        {"requested_by": "prestador", "label": "Prestador", "cases": 2, "attempts": 2, "retained": 1,
         "retention_rate": 0.5, "ci_low": 0.09, "ci_high": 0.91, "small_sample": True},
    ])
    fig = effectiveness.requested_by(requested)
    assert list(fig.data[0].y) == ["Operadora (n=10)", "Prestador (n=2) · amostra pequena"]
    assert list(fig.data[0].marker.color) == ["#0F6E8C", "#B0B0B0"]


@pytest.mark.parametrize("builder", [
    lambda f: effectiveness.forest(f, "operator", "t"),
    lambda f: effectiveness.forest_with_days(f, "operator", "t"),
    effectiveness.actions,
    effectiveness.requested_by,
])
def test_effectiveness_charts_on_an_empty_frame(builder):
    assert is_empty_figure(builder(pd.DataFrame()))


def test_forest_without_any_attempt_is_empty():
    df = _rates([("Delta", 0, 0, NAN, NAN, NAN, True, None)])
    assert is_empty_figure(effectiveness.forest(df, "operator", "t"))


# --------------------------------------------------------------------------- rules
def test_charts_never_import_streamlit():
    package = Path(resources.files("retention_analytics")) / "charts"
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not any(name.split(".")[0] in ("streamlit", "duckdb") for name in imported), path


# --------------------------------------------------------------------------- one palette
def test_a_colour_has_one_meaning_across_pages():
    """palette.py: statuses, control groups, plain quantities, categories/series and greys never
    share a colour, so Desligamento's orange means Desligamento on every page."""
    from retention_analytics.charts import palette

    groups = {
        "status": set(palette.STATUS.values()),
        "control": set(palette.CONTROL.values()) - {palette.GREY},
        "primary": {palette.PRIMARY},
        "series": set(palette.SERIES) | set(palette.CATEGORY.values()),
        "age": set(palette.AGE),
        "grey": {palette.GREY, palette.NO_VALUE, palette.NOT_OFFERED},
    }
    names = list(groups)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not groups[a] & groups[b], f"{a} and {b} share {groups[a] & groups[b]}"
    assert len(set(palette.CATEGORY.values())) == len(palette.CATEGORY), "one colour per category"


def test_the_charts_draw_statuses_and_control_groups_in_their_palette_colours():
    from retention_analytics.charts import overview, palette

    monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"] * 4), "outcome": list(palette.STATUS),
                            "outcome_label": ["Retenção efetiva", "Desligamento", "Não se trata", "Em aberto"],
                            "cases": [3, 2, 1, 4]})
    fig = overview.monthly_outcomes(monthly)
    colours = {t.name: t.marker.color for t in fig.data}
    assert colours["Desligamento"] == palette.STATUS["desligamento"]
    controllable = pd.DataFrame({"kind": ["controllable", "not_controllable", "no_reason"],
                                 "label": ["Controláveis", "Não controláveis", "Sem motivo"],
                                 "cases": [5, 3, 1], "terminated": [9, 9, 9], "share": [5 / 9, 3 / 9, 1 / 9]})
    drawn = {t.marker.color for t in reasons.controllable(controllable).data}
    assert drawn == set(palette.CONTROL.values())
    assert not drawn & set(palette.STATUS.values()), "a control group never wears a status colour"


# --------------------------------------------------------------------------- the one constructor call
@pytest.mark.parametrize("x, text, position", [
    (30, "30 dias", "top right"),
    (0.634, "Geral: 63,4%", "bottom right"),
    (0, "0 dias", "top right"),
])
def test_vline_adds_what_plotly_add_vline_adds(x, text, position):
    import plotly.graph_objects as go

    from retention_analytics.charts import figure, vline

    line = dict(color="#666", dash="dash", width=1)
    expected = go.Figure(go.Bar(x=[0, 1], y=[1, 2]))
    expected.add_vline(x=x, line=line, annotation_text=text, annotation_position=position)
    shape, note = vline(x, text, position)
    built = figure([go.Bar(x=[0, 1], y=[1, 2])], shapes=[shape], annotations=[note])
    assert built.layout.shapes == expected.layout.shapes
    assert built.layout.annotations == expected.layout.annotations


def test_figure_merges_the_house_look_the_title_and_the_charts_own_layout():
    from retention_analytics.charts import figure

    fig = figure([], height=420, show_legend=False, title="Título", legend_rows=2,
                 margin=dict(r=56), legend=dict(traceorder="normal"), xaxis=dict(title="Dias"))
    layout = fig.layout
    assert (layout.height, layout.showlegend, layout.separators) == (420, False, ",.")
    # one level deep: the chart's margin/legend keys over the house's and the title's, the rest kept
    assert (layout.margin.l, layout.margin.r, layout.margin.t, layout.margin.b) == (10, 56, 44 + 2 * 22, 10)
    assert (layout.legend.orientation, layout.legend.traceorder) == ("h", "normal")
    assert layout.title.text == "Título" and layout.xaxis.title.text == "Dias"
