"""Tempo de finalização: how fast retention cases close (metrics.md, "Closure time").

Days to close as a histogram and as box plots per operator and per analyst, median/p75/p90 per
operator, the share closed within 30/60/90 days, and the open cases by age with the oldest ones
listed (personal data masked, unless an admin asked to see it: audited, ui/audit.py): the SLA cards,
then one section per tab, computed only while open. Every chart has its table with downloads of
exactly that frame.

Thin on purpose: it reads the filters, asks ui/data.py for the numbers and draws; it computes no
metric itself.
"""

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import closure as charts
from retention_analytics.ui import audit, data, targets
from retention_analytics.ui.page import Page, chart, current_page, lazy_tabs, no_data, show_table

def draw(page: Page) -> None:
    if data.get(metrics.cases_count, page.filters) == 0:
        no_data()
        return
    sla = data.get(metrics.sla, page.filters)
    closed = int(sla["n"].iloc[0]) if not sla.empty else 0
    times = data.get(metrics.closure_times, page.filters)
    total = times[times["is_total"]]
    median = total["median_days"].iloc[0] if not total.empty else None

    # ------------------------------------------------------------------ headline: SLA cards
    st.subheader("Quantos casos fecham no prazo?")
    cards = st.columns(4)
    cards[0].metric("Mediana de dias p/ finalizar", fmt.days(median) if closed else "–",
                    help=f"Sobre {fmt.integer(closed)} casos finalizados com tempo conhecido.")
    for column, days in zip(cards[1:], (30, 60, 90)):
        value = sla[f"within_{days}"].iloc[0] if closed else None
        against, note = targets.card_delta(page, "closed_within_60", value) if days == 60 else (None, "")
        column.metric(f"Finalizados em até {days} dias", fmt.percent(value) if closed else "–", against,
                      help="Parcela dos casos finalizados (com tempo conhecido) que fecharam dentro do prazo." + note)
    st.caption("Dias para finalizar = data final − data de início (ou o número de dias do formulário quando falta "
               "uma data). Medianas e percentis, não médias: poucos casos muito longos não distorcem o número.")

    # One section at a time, each computed and drawn only while its tab is open (ui/page.lazy_tabs).
    sections = [("📂 Em aberto", lambda: _open_cases(page))]
    if closed == 0:
        st.info("Nenhum caso finalizado entre os filtrados: não há tempos de finalização a mostrar.")
    else:
        sections = [
            ("⏱️ Distribuição", lambda: _distribution(page, sla)),
            ("🏢 Por operadora", lambda: _operators(page, times)),
            ("🧑‍💼 Por analista", lambda: _analysts(page)),
            *sections,
        ]
    lazy_tabs("closure_tabs", sections)


_BOXES_NOTE = ("Cada caixa vai do 1º ao 3º quartil, com a mediana no meio; as hastes alcançam os casos "
               "dentro de 1,5 intervalo interquartil. n = casos finalizados.")


def _distribution(page: Page, sla) -> None:
    distribution = data.get(metrics.closure_distribution, page.filters, bin_days=15)
    chart(charts.histogram(distribution), key="closure_histogram")
    show_table(distribution, metrics.closure_distribution, page, key="closure_distribution_table", height=240)
    st.markdown("**Finalizados dentro do prazo**")
    show_table(sla, metrics.sla, page, key="sla_table")


def _operators(page: Page, times) -> None:
    st.caption(_BOXES_NOTE)
    boxes = data.get(metrics.closure_boxes_operator, page.filters)
    chart(charts.boxes(boxes, "Dias para finalizar por operadora"), key="closure_boxes_operator")
    st.markdown("**Mediana, P75 e P90 por operadora** (P90: 9 em cada 10 casos fecharam até esse dia)")
    show_table(times, metrics.closure_times, page, key="closure_times_table")
    with st.expander("Estatísticas das caixas por operadora"):
        show_table(boxes, metrics.closure_boxes_operator, page, key="closure_boxes_operator_table")


def _analysts(page: Page) -> None:
    st.caption(_BOXES_NOTE)
    boxes = data.get(metrics.closure_boxes_analyst, page.filters)
    chart(charts.boxes(boxes, "Dias para finalizar por analista"), key="closure_boxes_analyst")
    show_table(boxes, metrics.closure_boxes_analyst, page, key="closure_boxes_analyst_table", height=280)


def _open_cases(page: Page) -> None:
    bands = data.get(metrics.open_by_age_band, page.filters)
    open_cases = int(bands["cases"].sum()) if not bands.empty else 0
    if open_cases == 0:
        st.info("Nenhum caso em aberto entre os filtrados.")
        return
    left, right = st.columns([3, 2])
    with left:
        chart(charts.age_bands(bands), key="open_age_chart")
    with right:
        st.metric("Casos em aberto", fmt.integer(open_cases))
        st.caption("Idade = hoje − data de referência do caso (início, abertura do protocolo ou data do formulário).")
        show_table(bands, metrics.open_by_age_band, page, key="open_age_table")
    revealed = audit.reveal(page, "casos em aberto mais antigos")
    if revealed:  # an admin's audited unmasked view: the same rows and columns, unmasked
        oldest = data.get(metrics.oldest_open_cases, page.filters, reveal=True)
        st.markdown("**Os casos em aberto mais antigos** (dados pessoais visíveis, registrado na auditoria)")
    else:
        oldest = data.get(metrics.oldest_open_cases, page.filters)
        st.markdown("**Os casos em aberto mais antigos** (dados pessoais mascarados)")
    show_table(oldest, metrics.oldest_open_cases, page, key="oldest_open_table", height=320, revealed=revealed)


page = current_page()
if page.has_data:
    draw(page)
