"""Whose work queue a user sees (Fila de trabalho, docs/metrics.md "Work queue"), decided once for
the page and the home page's count.

An analista sees the cases of the analyst their user is mapped to (auth.User.analyst, `users
analyst NOME "Nome como no formulário"`), within their operators; with no mapping they see
nothing, and are told why (fail closed). A gestor sees every analyst of their operators, an
admin every analyst. The sidebar's filters apply, except the period: the queue is about today.

It must not compute metrics (ui/data.py asks metrics).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .. import metrics
from ..filters import Filters

NO_MAPPING = (
    "Seu usuário não está ligado a um nome de analista dos formulários, então a fila não mostra nada. "
    "Peça a um administrador para ligá-lo: `python -m retention_analytics users analyst {user} "
    "\"Seu nome como no formulário\"`."
)


@dataclass(frozen=True)
class Scope:
    filters: Filters | None  # None: nothing to show (see `reason`)
    reason: str | None = None
    everyone: bool = False  # every analyst (gestor, admin) rather than one


def scope(page: Any) -> Scope:
    user = page.user
    base = page.filters.without_period()
    if user is None:
        return Scope(None, "Entre no painel para ver a fila de trabalho.")
    if user.role in ("admin", "gestor"):
        return Scope(base, everyone=True)
    analyst = user.analyst_key
    if not analyst:
        return Scope(None, NO_MAPPING.format(user=user.username))
    return Scope(replace(base, analysts=(analyst,)))


def counts(page: Any) -> tuple[int, int, int] | None:
    """(open cases, of which about to cross a band, terminations missing a notice or a
    substitute) of the user's queue; None when the user has no queue."""
    from . import data

    found = scope(page)
    if found.filters is None:
        return None
    bands = data.side(metrics.work_queue_bands, found.filters)
    pending = data.side(metrics.work_queue_terminations_count, found.filters)
    return int(bands["cases"].sum()), int(bands["about_to_cross"].sum()), pending
