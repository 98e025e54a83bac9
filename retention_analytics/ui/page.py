"""What every page does first and the pieces every page draws the same way.

`page = start_page("Motivos de desligamento", "🦷")` sets the page up, draws the shared sidebar,
says which filters are in force, shows the demo banner, and returns the filters; pages then call
`data.compute(...)`, draw a chart with `chart(...)` and a table with `show_table(...)`, which
formats it the pt-BR way and offers the CSV and XLSX of exactly that frame.

It must not compute metrics: pages ask data.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from .. import export
from .. import formatting as fmt
from ..filters import Filters
from ..metrics import TABLES
from . import data, nav, sidebar, state


@dataclass(frozen=True)
class Page:
    filters: Filters
    names: dict[str, dict[str, str]]
    has_data: bool

    def describe(self) -> str:
        return self.filters.describe(self.names)


def start_page(title: str, icon: str = "🦷", *, sidebar_filters: bool = True, url_extra: dict[str, Any] | None = None) -> Page:
    st.set_page_config(page_title=f"{title} · Painel de Retenção", page_icon=icon, layout="wide")
    nav.draw_nav()
    version = data.data_version()
    if version < 0:
        st.title(title)
        st.info(
            "Ainda não há dados. Importe formulários na página **Importar**, ou pelo terminal: "
            "`python -m retention_analytics ingest PASTA`, ou gere a demonstração com `make run`."
        )
        filters = state.current_filters()
        return Page(filters, {}, False)
    filters = state.current_filters()
    options = data.compute("filter_options", filters.access_only())
    if sidebar_filters:
        filters = sidebar.draw_filters(options)
    state.sync_url(filters, url_extra)
    if data.is_demo():
        st.warning("Dados de demonstração: formulários fictícios gerados pelo sistema, não casos reais.", icon="🧪")
    st.title(title)
    page = Page(filters, options.get("names", {}), True)
    if sidebar_filters:
        st.caption(f"Filtros: {page.describe()}")
    return page


def no_data(message: str = "Nenhum caso corresponde aos filtros escolhidos.") -> None:
    st.info(f"{message} Amplie o período ou remova algum filtro na barra lateral (ou clique em **Limpar filtros**).")


def _display(df: pd.DataFrame, formats: dict[str, str], labels: dict[str, str]) -> pd.DataFrame:
    shown = pd.DataFrame(index=df.index)
    for column in df.columns:
        kind = formats.get(column)
        values = df[column]
        shown[labels.get(column, column)] = [fmt.format_value(v, kind) for v in values] if kind else values
    return shown


def show_table(
    df: pd.DataFrame,
    table_name: str,
    page: Page,
    *,
    key: str | None = None,
    height: int | None = None,
    selectable: bool = False,
) -> Any:
    """The table as on screen (Portuguese headers, pt-BR numbers) with CSV and XLSX downloads of
    exactly these rows and columns. Returns the selection event when `selectable`."""
    spec = TABLES.get(table_name)
    formats = spec.formats if spec else {}
    labels = spec.columns if spec else {}
    shown = _display(df, formats, labels)
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch"}
    if height:
        kwargs["height"] = height
    event = None
    if selectable:
        event = st.dataframe(shown, key=key or f"table_{table_name}", on_select="rerun", selection_mode="single-row", **kwargs)
    else:
        st.dataframe(shown, key=key, **kwargs)
    download_buttons(df, table_name, page, key=key or table_name)
    return event


def download_buttons(df: pd.DataFrame, table_name: str, page: Page, key: str) -> None:
    described = page.describe()
    today = dt.date.today()
    # A horizontal container, not st.columns: buttons keep their natural width even when the
    # table sits in a narrow column (columns squeezed them to "⬇…").
    row = st.container(horizontal=True)
    row.download_button(
        "⬇️ CSV",
        data=export.to_csv_bytes(df, table_name, described),
        file_name=export.download_name(table_name, "csv", today),
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        help="CSV para Excel (UTF-8, separador ;), com os filtros no cabeçalho",
    )
    row.download_button(
        "⬇️ XLSX",
        data=export.to_xlsx_bytes(df, table_name, described),
        file_name=export.download_name(table_name, "xlsx", today),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
        help="Planilha do Excel com os filtros escritos",
    )


def chart(figure: Any, key: str | None = None, **kwargs: Any) -> Any:
    """A plotly figure, full width, without plotly's logo; pass on_select to make it clickable."""
    return st.plotly_chart(figure, width="stretch", config={"displaylogo": False, "locale": "pt-BR"}, key=key, **kwargs)
