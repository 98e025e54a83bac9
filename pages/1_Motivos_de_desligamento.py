"""Motivos de desligamento: why credentialed dentists leave (metrics.md, "Termination reasons").

The headline cards, then one section per tab, computed only while open: a Pareto of the reasons
cited in terminations (a click on a bar, or the selector below it, lists the terminated cases citing
that reason); how much of it the operator controls and the weight of each category; the quarterly
trend; operator × category. Every chart has its table with downloads of
exactly that frame.

Thin on purpose: it reads the filters, asks ui/data.py for the numbers and draws; it computes no
metric itself.
"""

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import reasons as charts
from retention_analytics.ui import data
from retention_analytics.ui.page import Page, chart, current_page, lazy_tabs, no_data, show_table

PICK_KEY = "reasons_pick"  # the reason whose cases are listed (selectbox; a bar click sets it)
PARETO_KEY = "reasons_pareto"
CASES_LIMIT = 500  # the list is for reading; the Casos page pages through everything


def _pick_from_chart(labels: dict[str, str]) -> None:
    """on_select of the Pareto: a clicked bar becomes the selectbox's reason. A callback (not a
    plain rerun) so the selectbox is set only when the chart selection changes, and stays free to
    pick another reason afterwards."""
    event = st.session_state.get(PARETO_KEY)
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    code = charts.reason_from_selection(points, labels)
    if code:
        st.session_state[PICK_KEY] = code


def draw(page: Page) -> None:
    if data.get(metrics.cases_count, page.filters) == 0:
        no_data()
        return
    reasons = data.get(metrics.reasons, page.filters)
    controllable = data.get(metrics.reasons_controllable, page.filters)
    terminated = int(controllable["terminated"].iloc[0]) if not controllable.empty else 0
    if terminated == 0:
        st.info("Nenhum desligamento entre os casos filtrados: não há motivos a mostrar. "
                "Amplie o período ou remova algum filtro na barra lateral.")
        return

    share_controllable = controllable.set_index("kind")["share"].get("controllable")
    cards = st.columns(3)
    cards[0].metric("Desligamentos", fmt.integer(terminated), help="Casos finalizados como desligamento no recorte.")
    cards[1].metric("Com motivo controlável", fmt.percent(share_controllable),
                    help="Desligamentos que citam ao menos um motivo de Remuneração ou de Processos e suporte.")
    if not reasons.empty:
        top = reasons.iloc[0]
        cards[2].metric("Motivo mais citado", str(top["label"]),
                        f"{fmt.percent(top['share'])} dos desligamentos", delta_color="off", delta_arrow="off")
    st.caption("Um caso pode citar vários motivos: as porcentagens são de desligamentos que citam cada motivo "
               "e somam mais de 100%. A linha mostra o acumulado das citações (Pareto).")

    # One section at a time, each computed and drawn only while its tab is open (ui/page.lazy_tabs).
    lazy_tabs("reasons_tabs", [
        ("📊 Pareto dos motivos", lambda: _pareto(page, reasons)),
        ("🎯 Controláveis e categorias", lambda: _categories(page, controllable)),
        ("📈 Tendência por trimestre", lambda: _quarterly(page)),
        ("🏢 Operadora × categoria", lambda: _operators(page)),
    ])


def _pareto(page: Page, reasons) -> None:
    labels = dict(zip(reasons["reason_code"], reasons["label"]))
    if st.session_state.get(PICK_KEY) not in (None, *labels):
        st.session_state[PICK_KEY] = None  # the filters changed and that reason is no longer cited
    chart(charts.pareto(reasons), key=PARETO_KEY, on_select=lambda: _pick_from_chart(labels),
          selection_mode="points")
    show_table(reasons, metrics.reasons, page, key="reasons_table", height=280)

    st.subheader("Quais casos citam este motivo?")
    code = st.selectbox(
        "Motivo", [None, *labels], key=PICK_KEY,
        format_func=lambda c: "Escolha um motivo (ou clique numa barra do gráfico)" if c is None else labels[c],
    )
    if code:
        total = data.get(metrics.cases_count, page.filters, reason=code)
        cases = data.get(metrics.cases, page.filters, reason=code, limit=CASES_LIMIT)
        shown = f"os {fmt.integer(CASES_LIMIT)} mais recentes de " if total > len(cases) else ""
        st.caption(f"Desligamentos que citam **{labels[code]}**: {shown}{fmt.integer(total)} casos "
                   "(dados pessoais mascarados). A lista completa e os detalhes estão na página **Casos**.")
        show_table(cases, metrics.cases, page, key="reason_cases", height=320 if len(cases) > 8 else None)


def _categories(page: Page, controllable) -> None:
    left, right = st.columns(2)
    with left:
        chart(charts.controllable(controllable), key="reasons_controllable_chart")
        st.caption("Controláveis pela operadora: motivos de **Remuneração** e de **Processos e suporte**.")
        show_table(controllable, metrics.reasons_controllable, page, key="reasons_controllable_table")
    with right:
        categories = data.get(metrics.reason_categories, page.filters)
        chart(charts.categories(categories), key="reason_categories_chart")
        show_table(categories, metrics.reason_categories, page, key="reason_categories_table")


def _quarterly(page: Page) -> None:
    quarterly = data.get(metrics.reasons_quarterly, page.filters)
    basis = "data final" if page.filters.period_basis == "finished" else "data de início do caso"
    st.caption(f"Trimestres pela {basis}. Trimestres com poucos desligamentos oscilam muito: veja o n no "
               "detalhe de cada ponto.")
    chart(charts.quarterly(quarterly), key="reasons_quarterly_chart")
    show_table(quarterly, metrics.reasons_quarterly, page, key="reasons_quarterly_table", height=280)


def _operators(page: Page) -> None:
    by_operator = data.get(metrics.reasons_operator_category, page.filters)
    chart(charts.operator_heatmap(by_operator), key="reasons_operator_chart")
    show_table(by_operator, metrics.reasons_operator_category, page, key="reasons_operator_table", height=280)


page = current_page()
if page.has_data:
    draw(page)
