"""Conformidade ANS: what each termination still owes beneficiaries under Lei 9.656/98 art. 17 and
RN 567/2022 — an equivalent substitute in the same municipality and a notice 30 days ahead
(docs/metrics.md, "ANS compliance of each termination").

The headline (substitutes in the same municipality, notices on time, lives without a substitute),
the terminations table with every status and the countdown to each notice deadline (a click opens
the case, where an admin or gestor records the substitution) and the cities that lost their only
listed provider (one tab each, computed only while open), and the evidence pack for an inspection (admins: it holds the original forms,
so each download is audited first).

Thin on purpose: it reads the filters, asks ui/data.py for the numbers and draws.
"""

import datetime as dt

import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.evidence import evidence_pack
from retention_analytics.ui import audit, data
from retention_analytics.ui.page import (LIST_PAGE_SIZE, Page, current_page, first_rows, lazy_tabs, list_page, no_data,
                                        paged_key, selected_row, show_table)




def _share(part: int, whole: int) -> str | None:
    return f"{fmt.percent(part / whole)} dos desligamentos" if whole else None


def draw(page: Page) -> None:
    kpis = data.get(metrics.compliance_kpis, page.filters).iloc[0]
    terminations = int(kpis["terminations"])
    if terminations == 0:
        if data.get(metrics.cases_count, page.filters) == 0:
            no_data()
        else:
            st.info("Nenhum desligamento no recorte: não há substituição nem aviso a acompanhar. "
                    "Amplie o período ou remova algum filtro na barra lateral.")
        return
    cards = st.columns(4)
    same_city = int(kpis["with_substitute_same_city"])
    cards[0].metric("Substituto no mesmo município", fmt.integer(same_city), _share(same_city, terminations),
                    delta_color="off", delta_arrow="off",
                    help="Desligamentos com prestador substituto registrado no mesmo município (IBGE) do desligado.")
    on_time = int(kpis["notices_on_time"])
    cards[1].metric("Avisos no prazo", fmt.integer(on_time), _share(on_time, terminations), delta_color="off",
                    delta_arrow="off", help="Aviso aos beneficiários publicado até 30 dias antes da saída da rede.")
    cards[2].metric("Vidas sem substituto", fmt.integer(kpis["lives_without_substitute"]),
                    help="Vidas das cidades dos desligamentos sem substituto registrado.")
    cards[3].metric("Únicos prestadores perdidos", fmt.integer(kpis["sole_provider_terminations"]),
                    help="Desligamentos que levaram todos os CROs divulgados da cidade.")
    st.caption("A lei pede um substituto equivalente no mesmo município e aviso aos beneficiários 30 dias antes da "
               "saída; o aviso fica publicado por 180 dias. Registre a substituição no caso (clique na linha) ou "
               "importe o arquivo do credenciamento na página **Importar**.")

    # One list at a time, each asked for and drawn only while its tab is open (ui/page.lazy_tabs).
    lazy_tabs("compliance_tabs", [
        (f"📋 Desligamentos ({fmt.integer(terminations)})", lambda: _terminations(page, terminations)),
        ("🏙️ Cidades que perderam o único prestador", lambda: _sole_provider_cities(page)),
    ])
    _evidence_pack(page)


def _terminations(page: Page, terminations: int) -> None:
    st.subheader("Desligamentos")
    # A page of rows at a time from the store (a national store has ~470 thousand terminations).
    first = list_page("conformidade_pagina", terminations, "desligamentos", metrics.compliance, page.filters)
    shown = data.get(metrics.compliance, page.filters, limit=LIST_PAGE_SIZE, offset=first)
    event = show_table(shown, metrics.compliance, page, key=paged_key("compliance_table", first), selectable=True,
                       height=420 if len(shown) > 12 else None)
    row = selected_row(event)
    if row is not None and row < len(shown):
        st.switch_page("pages/5_Casos.py", query_params={"caso": str(int(shown["case_id"].iloc[row]))})


def _sole_provider_cities(page: Page) -> None:
    st.subheader("Cidades que perderam o único prestador")
    cities = data.get(metrics.compliance_sole_provider_cities, page.filters)
    if cities.empty:
        st.caption("Nenhum desligamento levou todos os CROs divulgados de uma cidade no recorte.")
    else:
        show_table(first_rows(cities, metrics.compliance_sole_provider_cities, "cidades"),
                   metrics.compliance_sole_provider_cities, page, key="sole_cities_table")


def _evidence_pack(page: Page) -> None:
    st.subheader("Pacote de evidências para a fiscalização")
    if page.user is None or not page.user.may_reveal:
        st.caption("O pacote leva os formulários originais (dados pessoais): só um administrador pode baixá-lo.")
        return
    st.caption("Um .zip com a tabela de desligamentos em XLSX, com todos os desligamentos do recorte (filtros escritos no "
               "arquivo), e o formulário original de cada um. Cada download fica registrado na auditoria (LGPD).")
    described = page.describe()
    store = data.store()  # taken now: the download is built on a thread of its own
    filters = page.filters
    st.download_button(
        "⬇️ Pacote de evidências (.zip)",
        data=audit.audited_download(page.user, page.title, "pacote de evidências (Conformidade ANS)", described,
                                    lambda: evidence_pack(store, metrics.compliance(store, filters), described),
                                    action=audit.ORIGINAL),
        file_name=f"evidencias_ans_{dt.date.today().isoformat()}.zip",
        mime="application/zip",
        key="evidence_pack",
        on_click="ignore",
    )


page = current_page()
if page.has_data:
    draw(page)
