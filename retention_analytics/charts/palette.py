"""The dashboard's colours, each with one meaning on every page.

A status keeps its colour wherever it is drawn (Desligamento is always the same orange, on the
monthly chart of Visão geral and anywhere else); the operator's control over a termination has its
own pair, never a status colour (a "controllable" bar must not read as "Desligamento" one page
later); reason categories and series without a fixed meaning take colours no status and no
control group uses; one neutral blue draws plain quantities (cases, days); greys mean "nothing to
show" (no value, a small sample, no reason stated, a case still open). tests/test_charts.py checks
that the groups do not share a colour.

It must not import plotly or streamlit: only colours.
"""

from __future__ import annotations

from ..vocab import REASON_CATEGORIES

# Case statuses (filters.STATUS_CODES).
STATUS: dict[str, str] = {
    "retencao_efetiva": "#1B9E77",  # green: retained
    "desligamento": "#D95F02",  # orange: the provider left the network
    "nao_se_trata_de_retencao": "#7570B3",  # purple
    "aberto": "#A6A6A6",  # grey: not closed yet
}

# Terminations by what the operator controls (metrics.reasons_controllable's `kind`).
CONTROL: dict[str, str] = {
    "controllable": "#C2185B",  # crimson: what the operator can act on draws the eye
    "not_controllable": "#4A6FA5",  # slate blue
    "no_reason": "#B0B0B0",  # grey: no reason stated
}

# Plain quantities (a histogram of days, a ranking of cases): one neutral blue.
PRIMARY = "#0F6E8C"

# Series without a fixed meaning and reason categories (in metrics.md's order): none of them is a
# status, control or primary colour.
SERIES: tuple[str, ...] = ("#E6AB02", "#66A61E", "#A6761D", "#E7298A", "#17BECF", "#8C564B", "#BCBD22", "#393B79")
CATEGORY: dict[str, str] = {category: SERIES[i % len(SERIES)] for i, category in enumerate(REASON_CATEGORIES)}

# Greys: nothing to show.
GREY = "#B0B0B0"  # a small sample, an unknown category
NO_VALUE = "#E6E6E6"  # a map tile with no value
NOT_OFFERED = "#7F7F7F"  # "Sem a ação": the comparison side of an action's retention

# Open cases by age (sequential: the older, the darker), in blues so no band reads as a status.
AGE: tuple[str, ...] = ("#C6DBEF", "#9ECAE1", "#6BAED6", "#3182BD", "#08519C")


def category_color(category: object) -> str:
    return CATEGORY.get(str(category), GREY)
