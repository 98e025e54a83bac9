"""ui/plotly_config.py: what every chart sends to the browser (no modebar; large scatters as
WebGL with the same points; empty traces left out; small figures untouched)."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from retention_analytics.ui import plotly_config


def test_no_modebar_and_no_logo():
    assert plotly_config.CONFIG["displayModeBar"] is False
    assert plotly_config.CONFIG["displaylogo"] is False
    assert plotly_config.CONFIG["locale"] == "pt-BR"


@pytest.mark.parametrize("points", [10, plotly_config.LARGE_SCATTER])
def test_small_scatters_stay_svg(points):
    figure = go.Figure(go.Scatter(x=list(range(points)), y=list(range(points)), name="Casos"))
    out = plotly_config.lighten(figure)
    assert [t.type for t in out.data] == ["scatter"]


def test_a_large_scatter_becomes_scattergl_with_the_same_points():
    n = plotly_config.LARGE_SCATTER + 1
    figure = go.Figure([go.Bar(x=["a", "b"], y=[1, 2], name="Barras"),
                        go.Scatter(x=list(range(n)), y=[v * 2 for v in range(n)], mode="markers", name="Pontos")])
    out = plotly_config.lighten(figure)
    assert [t.type for t in out.data] == ["bar", "scattergl"]
    assert list(out.data[1].x) == list(range(n)) and list(out.data[1].y) == [v * 2 for v in range(n)]
    assert out.data[1].name == "Pontos" and out.data[1].mode == "markers"


def test_empty_traces_are_dropped_but_not_zeros():
    figure = go.Figure([go.Bar(x=[], y=[], name="vazio"), go.Bar(x=["a"], y=[0], name="zero")])
    out = plotly_config.lighten(figure)
    assert [t.name for t in out.data] == ["zero"]
