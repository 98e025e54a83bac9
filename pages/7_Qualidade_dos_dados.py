"""Qualidade dos dados: what the forms failed to say, so the team can fix them at the source.

Forms read with warnings (and the most common warnings), blank fields per field of the form, city
names not found among the IBGE municipalities of their UF, protocols with superseded versions and
documents the parser rejected (with the reason) — all from metrics.quality under the sidebar
filters, each table with its CSV/XLSX download. Clicking a form or a protocol opens it on Casos.

It must not compute anything itself (metrics.quality does) nor show unmasked personal data.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from retention_analytics import metrics
from retention_analytics import formatting as fmt
from retention_analytics.charts import overview
from retention_analytics.metrics.tables import QUALITY_FIRST_VIEW
from retention_analytics.ui import data
from retention_analytics.ui.page import (LIST_PAGE_SIZE, chart, current_page, lazy_tabs, list_page, no_data, paged_key,
                                        selected_row, show_table)

page = current_page()


def _capped(shown: int, total: int, what: str) -> None:
    if total > shown:
        st.caption(f"Mostrando {fmt.integer(shown)} de {fmt.integer(total)} {what} (os mais relevantes primeiro).")


def _open_case(event, frame: pd.DataFrame, column: str) -> None:
    """A clicked row opens its case on the Casos page (the case id goes in the link)."""
    row = selected_row(event)  # the row's checkbox or a click on any of its cells
    if row is not None and row < len(frame):
        st.switch_page("pages/5_Casos.py", query_params={"caso": str(int(frame[column].iloc[row]))})


if page.has_data:
    # The cards and the first tab; each other tab asks for its own list when opened.
    # The common warnings: the LIST_PAGE_SIZE most common (a national store has thousands of distinct
    # messages: a value written on the form is part of its message).
    quality = data.get(metrics.quality, page.filters, limit=LIST_PAGE_SIZE, parts=QUALITY_FIRST_VIEW)
    summary = quality["summary"].iloc[0]
    cases = int(summary["cases"])
    if cases == 0 and int(summary["rejected_documents"]) == 0:
        if page.filters.is_empty():
            st.info("Ainda não há formulários importados para avaliar. Importe-os na página **Importar**.")
        else:
            no_data()
    else:
        with_warnings = int(summary["forms_with_warnings"])
        cards = st.columns(5)
        cards[0].metric("Casos", fmt.integer(cases))
        cards[1].metric("Formulários com avisos", fmt.integer(with_warnings),
                        f"{fmt.percent(with_warnings / cases)} dos casos" if cases else None, delta_color="off",
                        delta_arrow="off")
        cards[2].metric("Cidades fora do IBGE", fmt.integer(summary["unmatched_cities"]),
                        f"{fmt.integer(summary['unmatched_city_cases'])} caso(s)", delta_color="off", delta_arrow="off",
                        help="Nomes de cidade que não correspondem a nenhum município do IBGE na UF informada")
        cards[3].metric("Versões substituídas", fmt.integer(summary["superseded_versions"]),
                        f"{fmt.integer(summary['cases_with_versions'])} protocolo(s)", delta_color="off",
                        delta_arrow="off")
        cards[4].metric("Documentos rejeitados", fmt.integer(summary["rejected_documents"]))
        st.caption(
            "Contagens sobre os casos atuais sob os filtros. Para corrigir um formulário, ajuste o arquivo e "
            "importe-o de novo: a nova versão do mesmo protocolo substitui a anterior."
        )

        messages = quality["warning_messages"]

        def _warnings_tab() -> None:
            st.markdown("##### Avisos mais comuns")
            st.caption("O que o leitor de formulários não encontrou ou achou inconsistente, por número de casos.")
            if messages.empty:
                st.success("Nenhum formulário com avisos nos filtros escolhidos.")
            else:
                chart(overview.top_bars(messages, "message", "cases", "Avisos mais comuns (casos)"), key="quality_messages_chart")
                show_table(messages, metrics.quality_warning_messages, page, key="quality_messages", height=260)
                if len(messages) >= LIST_PAGE_SIZE:
                    st.caption(f"As {fmt.integer(len(messages))} mensagens mais comuns (e os downloads também). A lista "
                               "completa: `python -m retention_analytics export quality_warning_messages` no terminal.")
                st.markdown("##### Formulários com avisos")
                st.caption("Clique numa linha para abrir o formulário em **Casos**.")
                # A page at a time from the store, most warnings first (a national store has ~100 thousand).
                first = list_page("qualidade_pagina", with_warnings, "formulários com avisos", metrics.quality_warnings,
                                  page.filters)
                warnings = data.get(metrics.quality_warnings, page.filters, limit=LIST_PAGE_SIZE, offset=first)
                event = show_table(warnings, metrics.quality_warnings, page, height=320, selectable=True,
                                   key=paged_key("quality_warnings", first))
                _open_case(event, warnings, "case_id")

        def _blank_tab() -> None:
            st.markdown("##### Campos em branco")
            st.caption("Quantos casos deixaram cada campo do cabeçalho em branco (ou ilegível).")
            blank = data.get(metrics.quality_blank_fields, page.filters)
            shown = blank[blank["blank"] > 0] if not blank.empty else blank
            if shown.empty:
                st.success("Todos os campos do cabeçalho estão preenchidos em todos os casos.")
            else:
                chart(overview.top_bars(shown, "label", "share", "Campos mais vezes em branco (% dos casos)",
                                        percent=True), key="quality_blank_chart")
            show_table(blank, metrics.quality_blank_fields, page, key="quality_blank", height=320)

        def _cities_tab() -> None:
            st.markdown("##### Cidades não encontradas no IBGE")
            st.caption(
                "Nomes de cidade que não correspondem a nenhum município do IBGE na UF informada (erro de "
                "digitação, abreviação ou UF trocada). Eles aparecem na cobertura da rede com o nome como escrito."
            )
            cities = data.get(metrics.quality_unmatched_cities, page.filters)
            if cities.empty:
                st.success("Todas as cidades dos casos foram encontradas no IBGE.")
            else:
                show_table(cities, metrics.quality_unmatched_cities, page, key="quality_cities")

        def _superseded_tab() -> None:
            st.markdown("##### Protocolos com versões substituídas")
            st.caption(
                "Formulários importados mais de uma vez com o mesmo nº de protocolo: vale o mais recente, os "
                "anteriores ficam como histórico. Clique numa linha para ver o caso e suas versões."
            )
            superseded = data.get(metrics.quality_superseded, page.filters)
            if superseded.empty:
                st.info("Nenhum protocolo tem mais de uma versão.")
            else:
                listed = superseded.copy()
                listed["case_ids"] = listed["case_ids"].map(
                    lambda ids: ", ".join(str(int(i)) for i in ids) if ids is not None else ""
                ).astype("object")
                event = show_table(listed, metrics.quality_superseded, page, key="quality_superseded", selectable=True)
                _capped(len(listed), int(summary["cases_with_versions"]), "protocolos")
                _open_case(event, listed, "current_case_id")

        def _rejected_tab() -> None:
            st.markdown("##### Documentos rejeitados")
            if page.filters.allowed_operators is not None:
                st.info("Documentos rejeitados não pertencem a nenhuma operadora; só quem vê todas as operadoras os vê.")
                return
            rejected = data.get(metrics.quality_rejected, page.filters)
            if rejected.empty:
                st.success("Nenhum documento foi rejeitado.")
            else:
                st.caption(
                    "Arquivos que não puderam ser lidos como formulário; ficam guardados. Corrija o arquivo e "
                    "importe-o de novo na página **Importar**. Eles não seguem os filtros (não têm operadora)."
                )
                show_table(rejected, metrics.quality_rejected, page, key="quality_rejected")
                _capped(len(rejected), int(summary["rejected_documents"]), "documentos")

        # One section at a time, each drawn only while its tab is open (ui/page.lazy_tabs); the
        # counts are on the cards above.
        lazy_tabs("quality_tabs", [
            ("⚠️ Avisos", _warnings_tab),
            ("⬜ Campos em branco", _blank_tab),
            ("🏙️ Cidades não encontradas", _cities_tab),
            ("🗂️ Versões substituídas", _superseded_tab),
            ("🚫 Documentos rejeitados", _rejected_tab),
        ])
