"""Targets on the pages: a result against its operators' targets, for KPI cards and charts.

`summary(page, metric)` is (result, target, operators) over the operators of the filtered set that
have that target (metrics.work.target_summary: their targets weighted by their attempts or closed
cases). A card that shows the whole set's number gets the "+2,0 p.p. da meta" delta only when
those operators are the whole set (`card_delta`); otherwise the home page's "× meta" cards show
the targeted operators' own result against their target. `operator_targets(page)` maps each
operator's name to its target, for the target marks of the per-operator charts.

It must not compute metrics (ui/data.py asks metrics) nor draw anything but through the caller.
"""

from __future__ import annotations

import math
from typing import Any

from .. import metrics
from .. import formatting as fmt
from ..metrics import target_summary
from . import data

METRICS = {"retention_rate": "target_retention_rate", "closed_within_60": "target_closed_within_60"}
WHAT = {"retention_rate": "retenção", "closed_within_60": "finalizados em até 60 dias"}


def _rows(page: Any):
    return data.side(metrics.targets_vs_results, page.filters)


def summary(page: Any, metric: str) -> tuple[float | None, float | None, int]:
    return target_summary(_rows(page), metric)


def delta(value: Any, goal: float | None) -> str | None:
    """"+2,5 p.p. da meta" (value − target in percentage points), or None without both."""
    if goal is None or value is None or fmt.is_missing(value):
        return None
    points = (float(value) - goal) * 100
    if math.isclose(points, 0, abs_tol=0.05):
        return "na meta"
    return ("+" if points > 0 else "−") + fmt.number(abs(points), 1) + " p.p. da meta"


def help_text(goal: float | None, metric: str, operators: int = 0) -> str:
    if goal is None:
        return ""
    weight = "tentativas" if metric == "retention_rate" else "finalizações"
    who = f"das {operators} operadoras com meta" if operators > 1 else "da operadora com meta"
    return (f"Meta de {WHAT[metric]}: {fmt.percent(goal)} ({who} no recorte, ponderada pelas {weight} de cada uma). "
            "Metas são definidas por um administrador na página Metas e alertas.")


def card_delta(page: Any, metric: str, value: Any) -> tuple[str | None, str]:
    """(delta text, help sentence) for a card showing the whole filtered set's `value`: the delta
    only when the operators with a target are the whole set (their result is the card's)."""
    result, goal, operators = summary(page, metric)
    if goal is None or value is None or fmt.is_missing(value):
        return None, ""
    if not math.isclose(float(result), float(value), abs_tol=1e-9):
        return None, (f" Só parte das operadoras do recorte tem meta de {WHAT[metric]}: "
                      "a Visão geral compara o resultado delas com a meta.")
    return delta(value, goal), " " + help_text(goal, metric, operators)


def operator_targets(page: Any, metric: str = "retention_rate") -> dict[str, float]:
    """Operator name (as the per-operator tables show it) → its target for `metric`."""
    rows = _rows(page)
    column = METRICS[metric]
    return {str(n): float(v) for n, v in zip(rows["operator"], rows[column]) if not fmt.is_missing(v)}
