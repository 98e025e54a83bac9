"""The home page's parts about the user's week: what changed since the last visit ("Minha
semana"), the alerts of the user's operators, the targets against the results, the work queue's
count. Each is one function the home page calls (pages/0_Visao_geral.py), so it stays thin and
these parts merge apart from its charts.

The last visit is read and moved to now once per session (store/user_state.visit): the whole
session compares with the visit before it. Alerts come straight from the store (they are not
numbers of a filtered view) and only those of the user's operators. Every item is a link: a case
opens on Casos (`?caso=`), a queue on Fila de trabalho.

It must not compute metrics (ui/data.py asks metrics) nor show a dentist's personal data beyond what
the case lists show (names; CPF and CNPJ never).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import duckdb
import streamlit as st

from .. import metrics
from .. import formatting as fmt
from ..store import StoreError, alerting, user_state
from . import data, targets, work_queue
from .case_view import inline_md as md

_SINCE_KEY = "_retention_since"  # (username, the previous visit or None) of this session
CASES_PAGE = "pages/5_Casos.py"
QUEUE_PAGE = "pages/9_Fila_de_trabalho.py"
MAX_LINKS = 15
FIRST_VISIT_DAYS = 7

CHANGE_TITLES = {
    "desligamento": "Desligamentos que chegaram",
    "novo": "Casos novos",
    "faixa": "Casos que passaram de 30, 60 ou 90 dias em aberto",
}


def since(page: Any) -> dt.datetime | None:
    """The user's visit before this session (None: the first one, or it could not be read)."""
    user = page.user
    if user is None:
        return None
    kept = st.session_state.get(_SINCE_KEY)
    if isinstance(kept, tuple) and kept[0] == user.username:
        return kept[1]
    try:
        previous = user_state.visit(data.store(), user.username)
    except (StoreError, duckdb.Error):
        previous = None  # read-only or busy database: no "since", nothing breaks
    st.session_state[_SINCE_KEY] = (user.username, previous)
    return previous


def _case_link(row: Any, text: str) -> None:
    st.page_link(CASES_PAGE, label=md(text), query_params={"caso": str(int(row.case_id))}, icon="🗂️")


def _case_words(row: Any) -> str:
    protocol = row.protocol_number if not fmt.is_missing(row.protocol_number) else f"caso {int(row.case_id)}"
    place = " – ".join(str(v) for v in (row.city, row.uf) if not fmt.is_missing(v))
    return " · ".join(str(v) for v in (protocol, row.operator, place) if v and not fmt.is_missing(v))


def draw_my_week(page: Any) -> None:
    """"Minha semana": counts of what changed since the last visit, each kind a list of links."""
    previous = since(page)
    moment = previous or dt.datetime.combine(dt.date.today() - dt.timedelta(days=FIRST_VISIT_DAYS), dt.time())
    changes = data.side(metrics.changes_since, page.filters.without_period(), since=moment)
    fired = _alerts(page, since=moment)
    st.subheader("Minha semana")
    st.caption(
        (f"O que mudou desde a sua última visita, em {fmt.datetime(previous)}" if previous
         else f"Primeira visita: o que mudou nos últimos {FIRST_VISIT_DAYS} dias")
        + ", nas operadoras e filtros da barra lateral (sem o período)."
    )
    cards = st.columns(4)
    for column, kind in zip(cards, CHANGE_TITLES):
        column.metric(CHANGE_TITLES[kind], fmt.integer(int((changes["change"] == kind).sum()) if len(changes) else 0))
    cards[3].metric("Alertas novos", fmt.integer(len(fired)))
    for kind, title in CHANGE_TITLES.items():
        part = changes[changes["change"] == kind] if len(changes) else changes
        if part.empty:
            continue
        with st.expander(f"{title} ({fmt.integer(len(part))})"):
            for row in part.head(MAX_LINKS).itertuples():
                extra = f" · passou de {int(row.crossed_band_days)} dias" if kind == "faixa" else ""
                _case_link(row, _case_words(row) + extra)
            if len(part) > MAX_LINKS:
                st.caption(f"E mais {fmt.integer(len(part) - MAX_LINKS)}: veja todos na página Casos.")


def _alerts(page: Any, since: dt.datetime | None = None, limit: int = 200) -> list[dict[str, Any]]:
    user = page.user
    if user is None:
        return []
    try:
        return alerting.recent_alerts(data.store(), user.scope, since=since, limit=limit)
    except (StoreError, duckdb.Error):
        return []


def draw_alerts(page: Any) -> None:
    """The newest alerts of the user's operators, each opening its case when it has one."""
    found = _alerts(page, limit=MAX_LINKS + 1)
    st.subheader("Alertas")
    if not found:
        st.caption("Nenhum alerta nas suas operadoras. As regras de alerta ficam na página Metas e alertas.")
        return
    for alert in found[:MAX_LINKS]:
        when = fmt.datetime(alert["fired_at"])
        mailed = " · e-mail enviado" if alert["mailed_at"] else ""
        text = f"{when}{mailed} · {alert['message']}"
        if alert["case_id"] is not None and not pd.isna(alert["case_id"]):
            st.page_link(CASES_PAGE, label=md(text), icon="🔔", query_params={"caso": str(int(alert["case_id"]))})
        else:
            st.markdown(f"🔔 {md(text)}")
    if len(found) > MAX_LINKS:
        st.caption("Há mais alertas: `python -m retention_analytics alerts list` lista todos.")


def draw_targets(page: Any, kpis: pd.DataFrame) -> None:
    """Retention and the share closed within 60 days of the operators that have targets, against
    those targets (ui/targets.summary), when any applies under the filters."""
    parts = {metric: targets.summary(page, metric) for metric in ("retention_rate", "closed_within_60")}
    if all(goal is None for _, goal, _ in parts.values()):
        return
    columns = st.columns(4)
    for column, (metric, label) in zip(columns, (("retention_rate", "Retenção × meta"),
                                                  ("closed_within_60", "Finalizados em até 60 dias × meta"))):
        value, goal, operators = parts[metric]
        if goal is None:
            continue
        column.metric(label, fmt.percent(value), targets.delta(value, goal),
                      help=targets.help_text(goal, metric, operators) + " O resultado é o dessas operadoras.")


def draw_queue_count(page: Any) -> None:
    """The work queue's count, linking to Fila de trabalho."""
    found = work_queue.counts(page)
    if found is None:
        return
    open_cases, soon, pending = found
    text = (f"Fila de trabalho: {fmt.integer(open_cases)} casos em aberto ({fmt.integer(soon)} perto de mudar de "
            f"faixa) e {fmt.integer(pending)} desligamentos sem aviso ou sem substituto")
    st.page_link(QUEUE_PAGE, label=text, icon="📋")
