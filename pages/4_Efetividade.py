"""Efetividade: who retains dentists and what helps (metrics.md, "Retention" and "Effectiveness").

Retention rate with its 95% Wilson interval per operator and per analyst (small samples greyed,
never ranked) with their median days to close on the same rows, the rate where each action was offered against
where it was not, and cases started by the operator against by the provider: one section per tab,
computed only while open. Every chart has its table with downloads of exactly that frame.

Thin on purpose: it reads the filters, asks ui/data.py for the numbers and draws; it computes no
metric itself.
"""

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import effectiveness as charts
from retention_analytics.ui import data, targets
from retention_analytics.ui.page import Page, chart, current_page, lazy_tabs, no_data, show_table


def draw(page: Page) -> None:
    kpis = data.get(metrics.headline_counts, page.filters).iloc[0]
    if int(kpis["cases"]) == 0:
        no_data()
        return
    attempts = int(kpis["attempts"])
    cards = st.columns(4)
    cards[0].metric("Tentativas de retenção", fmt.integer(attempts),
                    help="Casos finalizados como retenção efetiva ou desligamento.")
    cards[1].metric("Retidos", fmt.integer(kpis["retained"]))
    rate_text = fmt.percent(kpis["retention_rate"]) if attempts else "–"
    against, note = targets.card_delta(page, "retention_rate", kpis["retention_rate"] if attempts else None)
    cards[2].metric("Taxa de retenção", rate_text, against,
                    help="Retidos ÷ tentativas. 'Não se trata de retenção' fica fora da taxa." + note)
    interval = (f"{fmt.percent(kpis['ci_low'])} a {fmt.percent(kpis['ci_high'])}" if attempts else "–")
    cards[3].metric("Intervalo de 95%", interval, help="Intervalo de confiança de Wilson da taxa de retenção.")
    st.caption("Cada ponto é uma taxa de retenção e a barra, seu intervalo de confiança de 95%: barras que se "
               "sobrepõem indicam diferença que pode ser acaso. Com menos de 10 tentativas a taxa aparece em cinza, "
               "como **amostra pequena**, e não recebe posição.")
    overall = kpis["retention_rate"] if attempts else None

    # One section at a time, each computed and drawn only while its tab is open (ui/page.lazy_tabs).
    lazy_tabs("effectiveness_tabs", [
        ("🏢 Por operadora", lambda: _ranking(page, metrics.effectiveness_operator, "operator", "operadora", overall)),
        ("🧑‍💼 Por analista", lambda: _ranking(page, metrics.effectiveness_analyst, "analyst", "analista", overall)),
        ("🧰 O que ajuda a reter?", lambda: _actions(page)),
        ("📨 Quem iniciou o caso", lambda: _requested_by(page)),
    ])


def _ranking(page: Page, summary, name_column: str, who: str, overall) -> None:
    table_name = f"effectiveness_{name_column}"  # widget keys of today
    frame = data.get(summary, page.filters)
    marks = targets.operator_targets(page) if name_column == "operator" else None
    # Rate and median days on the same rows, one chart (charts/effectiveness.forest_with_days).
    chart(charts.forest_with_days(frame, name_column, f"Qual {who} retém mais e em quanto tempo finaliza?", overall,
                                  targets=marks), key=f"{table_name}_forest")
    # A fixed height only for long tables: short ones would show empty rows.
    show_table(frame, summary, page, key=f"{table_name}_table", height=320 if len(frame) > 8 else None)


def _actions(page: Page) -> None:
    actions = data.get(metrics.actions, page.filters)
    chart(charts.actions(actions), key="actions_chart")
    st.caption("Compara a taxa de retenção das tentativas em que a ação foi ofertada com a das tentativas em que "
               "não foi. Uma diferença não prova causa: a ação pode ter sido ofertada aos casos mais fáceis.")
    show_table(actions, metrics.actions, page, key="actions_table")


def _requested_by(page: Page) -> None:
    requested = data.get(metrics.requested_by, page.filters)
    left, right = st.columns([3, 2])
    with left:
        chart(charts.requested_by(requested), key="requested_by_chart")
    with right:
        st.markdown("**Casos iniciados pela operadora × pelo prestador**")
        show_table(requested, metrics.requested_by, page, key="requested_by_table")


page = current_page()
if page.has_data:
    draw(page)
