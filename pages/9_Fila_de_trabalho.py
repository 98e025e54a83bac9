"""Fila de trabalho: what to do today (docs/metrics.md, "Work queue").

For an analista, the open cases of the analyst their user is mapped to; for a gestor, every analyst
of their operators; for an admin, everyone (ui/work_queue.scope: an analista without a mapping sees
nothing, and is told why). Open cases oldest first with their age in the 30/60/90-day SLA bands and
the days before the next band ("perto de mudar de faixa": 5 days or less), and the terminations
still missing a notice or a substitute with the days left to the notice deadline, one list per tab
(the cards count both). A click on a row opens its case. The sidebar's filters apply, except the period: the queue is about today.

Thin on purpose: it reads the scope, asks ui/data.py for the rows and draws.
"""

import streamlit as st

from retention_analytics import formatting as fmt
from retention_analytics import metrics
from retention_analytics.ui import data, work_queue
from retention_analytics.ui.case_view import inline_md as md
from retention_analytics.ui.page import (LIST_PAGE_SIZE, Page, current_page, lazy_tabs, list_page, no_data,
                                        paged_key, selected_row, show_table)

CASES_PAGE = "pages/5_Casos.py"
_ONLY_SOON = "fila_so_perto"
_OPEN_PAGE = "fila_pagina"  # the page of the open cases' list
_PENDING_PAGE = "fila_pendentes_pagina"


def _open_selected(event, frame) -> None:
    row = selected_row(event)
    if row is not None and row < len(frame):
        st.switch_page(CASES_PAGE, query_params={"caso": str(int(frame["case_id"].iloc[row]))})


def draw(page: Page) -> None:
    scope = work_queue.scope(page)
    if scope.filters is None:
        st.info(scope.reason, icon="🔒")
        return
    user = page.user
    if scope.everyone:
        st.caption("Casos de todos os analistas" + ("" if user is None or user.sees_everything
                                                  else " das suas operadoras")
                   + ". Escolha um analista na barra lateral para ver só a fila dele. O período da barra lateral "
                     "não se aplica: a fila é de hoje.")
    else:
        st.caption(f"Sua fila, como analista **{user.analyst}**. O período da barra lateral não se aplica: a fila é de hoje.")
    # Counts per band for the cards, and only the rows shown (a national store has ~90 thousand).
    bands = data.get(metrics.work_queue_bands, scope.filters)
    open_total = int(bands["cases"].sum())
    soon_total = int(bands["about_to_cross"].sum())
    # The card counts every pending termination; their rows are asked for only in their tab.
    pending_total = data.get(metrics.work_queue_terminations_count, scope.filters)
    if open_total == 0 and pending_total == 0 and not page.filters.without_period().is_empty():
        no_data("Nenhum caso corresponde aos filtros escolhidos na fila: nenhum caso em aberto nem desligamento "
                "pendente.")
        return

    cards = st.columns(4)
    cards[0].metric("Casos em aberto", fmt.integer(open_total))
    cards[1].metric("Perto de mudar de faixa", fmt.integer(soon_total),
                    help="A 5 dias ou menos de passar de 30, 60 ou 90 dias em aberto.")
    cards[2].metric("Há mais de 90 dias", fmt.integer(int(bands.loc[bands["band_order"] == 4, "cases"].sum())))
    cards[3].metric("Desligamentos pendentes", fmt.integer(pending_total),
                    help="Sem aviso aos beneficiários ou sem prestador substituto registrado.")

    # One list at a time, each asked for and drawn only while its tab is open (ui/page.lazy_tabs),
    # a page of rows at a time (ui/page.list_page): a million cases have ~90 thousand open cases and
    # ~470 thousand terminations.
    lazy_tabs("work_queue_tabs", [
        (f"📋 Casos em aberto ({fmt.integer(open_total)})", lambda: _open_cases(page, scope, bands, open_total, soon_total)),
        (f"⚖️ Desligamentos pendentes ({fmt.integer(pending_total)})", lambda: _pending(page, scope, pending_total)),
    ])


def _open_cases(page: Page, scope: work_queue.Scope, bands, open_total: int, soon_total: int) -> None:
    st.subheader("Casos em aberto, do mais antigo ao mais novo")
    if open_total == 0:
        st.info("Nenhum caso em aberto na fila.")
        return
    # Escaped: "> 90" at the start of a caption would be a Markdown quote.
    st.caption(md(" · ".join(f"{band} dias: {fmt.integer(n)}" if band != "sem data" else f"sem data: {fmt.integer(n)}"
                             for band, n in zip(bands["band"], bands["cases"])))
               + ". Idade = hoje − data de referência do caso. Clique numa linha para abrir o caso.")
    only_soon = bool(st.toggle("Só os perto de mudar de faixa", key=_ONLY_SOON))
    total = soon_total if only_soon else open_total
    first = list_page(_OPEN_PAGE, total, "casos em aberto", metrics.work_queue, (scope.filters, only_soon))
    shown = data.get(metrics.work_queue, scope.filters, limit=LIST_PAGE_SIZE, offset=first, soon_only=only_soon)
    event = show_table(shown, metrics.work_queue, page, key=paged_key("work_queue_table", first), selectable=True,
                       height=420 if len(shown) > 12 else None)
    _open_selected(event, shown)


def _pending(page: Page, scope: work_queue.Scope, pending_total: int) -> None:
    st.subheader("Desligamentos sem aviso ou sem substituto")
    if pending_total == 0:
        st.info("Nenhum desligamento pendente de aviso ou de substituto na fila.")
        return
    first = list_page(_PENDING_PAGE, pending_total, "desligamentos pendentes", metrics.work_queue_terminations,
                      scope.filters)
    pending = data.get(metrics.work_queue_terminations, scope.filters, limit=LIST_PAGE_SIZE, offset=first)
    st.caption("Prazo do aviso = saída da rede − 30 dias (Lei 9.656/98 art. 17; RN 567/2022); negativo quando já "
               "passou. Registre o aviso e o substituto no caso (clique na linha) ou importe o arquivo do "
               "credenciamento na página Importar.")
    event = show_table(pending, metrics.work_queue_terminations, page,
                       key=paged_key("work_queue_terminations_table", first), selectable=True,
                       height=420 if len(pending) > 12 else None)
    _open_selected(event, pending)


page = current_page()
if page.has_data:
    draw(page)
