"""Cobertura da rede: where the network is losing dentists (metrics.md, "Network coverage").

A map of Brazil by UF (a tile grid drawn offline, coloured by the metric the user picks), the
table by UF, the table by city (lives, listed CROs, CROs lost, terminations, gap) and the cities
with a coverage gap ordered by lives at risk, with what the law requires: the cards, then one section
per tab, computed only while open. Every table offers downloads of exactly that frame.

Thin on purpose: it reads the filters, asks ui/data.py for the numbers and draws; it computes no
metric itself.
"""

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import coverage as charts
from retention_analytics.ui import data, state
from retention_analytics.ui.page import Page, chart, current_page, first_rows, lazy_tabs, no_data, show_table

METRIC_KEY = "coverage_map_metric"
DEFAULT_METRIC = "cases"
# Its city lists show their first rows only (ui/page.first_rows): gaps first, most lives first.
# The map's metric lives in the URL (?mapa=…), so a copied link opens the same map.
URL_KEY = "mapa"
URL_VALUES = {"cases": "casos", "terminations": "desligamentos", "retention_rate": "taxa_de_retencao",
              "cros_lost": "cros_perdidos", "lives_at_risk": "vidas_em_risco"}
_CHOSEN = "_coverage_metric"  # a plain key: the choice survives page switches
_URL_WRITTEN = "_coverage_metric_url"  # the ?mapa= this page last wrote, to tell a new link from our echo


def _map_metric(page: Page) -> str:
    """The map's metric: a new ?mapa= link wins, otherwise the session's choice; drawn as the
    segmented control and written back to the URL."""
    from_url = {v: k for k, v in URL_VALUES.items()}.get(st.query_params.get(URL_KEY) or "")
    if st.query_params.get(URL_KEY) != st.session_state.get(_URL_WRITTEN) and from_url:
        st.session_state[_CHOSEN] = from_url
    chosen = st.session_state.get(_CHOSEN)
    st.session_state[METRIC_KEY] = chosen if chosen in charts.MAP_METRICS else DEFAULT_METRIC

    def on_change() -> None:
        st.session_state[_CHOSEN] = st.session_state.get(METRIC_KEY) or DEFAULT_METRIC

    metric = st.segmented_control(
        "Colorir o mapa por", list(charts.MAP_METRICS), key=METRIC_KEY, required=True, on_change=on_change,
        format_func=lambda m: charts.MAP_METRICS[m].label,
    ) or DEFAULT_METRIC
    written = URL_VALUES.get(metric) if metric != DEFAULT_METRIC else None
    state.sync_url(page.filters, {URL_KEY: written})
    st.session_state[_URL_WRITTEN] = written
    return metric


def draw(page: Page) -> None:
    # No closure time on these cards; the gaps come from the city coverage, which the map's lives
    # per UF and the city tabs are made of too (computed once, kept for the page).
    kpis = data.get(metrics.headline_counts, page.filters, gaps=True).iloc[0]
    if int(kpis["cases"]) == 0:
        no_data()
        return
    cards = st.columns(4)
    cards[0].metric("Desligamentos", fmt.integer(kpis["terminations"]))
    cards[1].metric("CROs perdidos", fmt.integer(kpis["cros_lost"]),
                    help="Soma dos CROs dos casos finalizados como desligamento (1 quando o formulário não diz).")
    cards[2].metric("Cidades com lacuna", fmt.integer(kpis["gap_cities"]),
                    help="Cidades em que os CROs perdidos no período igualam ou superam os CROs divulgados.")
    cards[3].metric("Vidas em risco", fmt.integer(kpis["lives_at_risk"]),
                    help="Soma das vidas das cidades com lacuna de cobertura.")

    # One section at a time, each computed and drawn only while its tab is open (ui/page.lazy_tabs).
    lazy_tabs("coverage_tabs", [
        ("🗺️ Mapa por UF", lambda: _map(page)),
        ("⚖️ Cidades com lacuna", lambda: _gaps(page)),
        ("🏙️ Todas as cidades", lambda: _cities(page)),
    ])


def _map(page: Page) -> None:
    by_uf = data.get(metrics.coverage_uf, page.filters)
    st.subheader("Onde a rede está perdendo dentistas?")
    metric = _map_metric(page)
    left, right = st.columns([3, 2])
    with left:
        chart(charts.tile_map(by_uf, metric), key="coverage_map")
        note = ("Cada quadrado é uma UF, na posição aproximada do mapa do Brasil; cinza claro: sem valor "
                "(nenhum caso ou nenhuma tentativa de retenção).")
        if metric == "retention_rate":
            note += " \\* Amostra pequena (menos de 10 tentativas): taxa em cinza, sem posição."
        st.caption(note)
    with right:
        # Sorted by the chosen number; a rate is never ranked (small samples would top it), so
        # for the rate the UFs with more attempts come first.
        order = "attempts" if metric == "retention_rate" else metric
        with_cases = by_uf[by_uf["cases"] > 0].sort_values([order, "uf"], ascending=[False, True])
        show_table(with_cases.reset_index(drop=True), metrics.coverage_uf, page, key="coverage_uf_table", height=520)


def _gaps(page: Page) -> None:
    gaps = data.get(metrics.coverage_gaps, page.filters)
    st.subheader("Onde os beneficiários podem ficar sem dentista?")
    st.info(
        "**O que a lei exige.** A Lei 9.656/98, art. 17, permite à operadora descredenciar um prestador "
        "apenas com a **substituição por outro prestador equivalente** e a **comunicação aos beneficiários com "
        "30 dias de antecedência**. Uma cidade tem **lacuna de cobertura** quando os CROs perdidos no período "
        "são iguais ou maiores que os CROs divulgados: os beneficiários dali podem ficar sem dentista "
        "credenciado.\n\n"
        "**Como contamos.** *Vidas* e *CROs divulgados* de uma cidade vêm do caso mais recente da cidade que os "
        "informa, **sem considerar o período escolhido** (descrevem a rede hoje; os demais filtros valem), e "
        "nunca são somados entre casos. *CROs perdidos* somam os CROs dos desligamentos do período.",
        icon="⚖️",
    )
    if gaps.empty:
        st.success("Nenhuma cidade com lacuna de cobertura nos filtros escolhidos.")
    else:
        st.markdown(f"**{fmt.integer(len(gaps))} cidades com lacuna, da que tem mais vidas à que tem menos**")
        show_table(first_rows(gaps, metrics.coverage_gaps, "cidades com lacuna"), metrics.coverage_gaps, page, key="coverage_gaps_table", height=320)


def _cities(page: Page) -> None:
    st.subheader("Todas as cidades com casos")
    cities = data.get(metrics.coverage_city, page.filters)
    show_table(first_rows(cities, metrics.coverage_city, "cidades"), metrics.coverage_city, page, key="coverage_city_table", height=360)


page = current_page()
if page.has_data:
    draw(page)
