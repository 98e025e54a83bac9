"""What every page does first and the pieces every page draws the same way.

app.py is the frame: it asks who is logged in (login.py: the login screen stops the run until
someone is), declares the pages with st.navigation (ui/nav.py) and calls `start_frame`, which draws
the shared sidebar with the user's operators only, says which filters are in force and shows the
demo banner. A page script starts with `page = current_page()` (the filters, always carrying the
user's access restriction) and then asks `data.get(metrics.<summary>, page.filters)`, draws a
chart with `chart(...)` and a table with `show_table(frame, metrics.<summary>, page)`, which
formats it the pt-BR way and offers the CSV and XLSX of exactly that frame.

It must not compute metrics: pages ask data.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pandas as pd
import streamlit as st

from .. import export, metrics
from .. import formatting as fmt
from ..auth import User
from ..filters import Filters
from ..metrics import table_of
from ..metrics.tables import LIST_PAGE_SIZE, LIST_ROW_LIMIT
from ..reports import ANALYSIS_PAGES
from . import audit, data, login, nav, plotly_config, saved_views, sidebar, state, widget_texts
from .case_view import inline_md as md

_REVEAL_KEY = "_retention_reveal"  # the admin's "Mostrar dados pessoais", kept across page switches
_REVEAL_WIDGET = "mostrar_dados_pessoais"


@dataclass(frozen=True)
class Page:
    filters: Filters
    names: dict[str, dict[str, str]]
    has_data: bool
    title: str = ""
    user: User | None = None
    reveal: bool = False  # the user asked to see personal data unmasked (and may): see ui/audit.py
    period_note: str | None = None  # why a relative period is empty (sidebar.relative_period)

    def describe(self) -> str:
        return self.filters.describe(self.names)


LAZY_TABS_KEY = "_retention_lazy_tabs"  # key → labels of each lazy_tabs this run drew (tests open them)
_LAZY_TAB_POSITIONS = "_retention_lazy_tab_positions"  # key → position of the tab last open there
_PAGE_KEY = "_retention_page"  # this run's Page, set by the frame before the page's script runs


def start_frame(spec: nav.PageSpec, user: User) -> Page:
    """What app.py draws around every page, once per run: the sidebar filters (the page list is
    st.navigation's own menu), the reveal switch, the user box, the demo banner, the page title and
    the filter caption. Returns the page's `Page` and keeps it for `current_page()`."""
    title = spec.title
    st.set_page_config(page_title=f"{title} · Painel de Retenção", page_icon=spec.icon, layout="wide")
    widget_texts.draw()  # Streamlit's own widget texts in Portuguese
    st.session_state[LAZY_TABS_KEY] = {}  # filled by this run's lazy_tabs
    version = data.data_version()
    if version < 0:
        st.title(title)
        st.info(
            "Ainda não há dados. Importe formulários na página **Importar**, ou pelo terminal: "
            "`python -m retention_analytics ingest PASTA`, ou gere a demonstração com `make run`."
        )
        filters = state.current_filters()
        login.draw_user_box(user)
        return _keep(Page(filters, {}, False, title=title, user=user))
    filters = state.current_filters()
    options = data.get(metrics.filter_options, filters.access_only())
    if spec.filters:
        filters = sidebar.draw_filters(options)
    filters = user.restrict(filters)  # belt and braces: state.current_filters already did
    reveal = _reveal_toggle(user)
    state.sync_url(filters, keep=spec.view_keys)
    saved_views.draw(spec, filters, user)
    login.draw_user_box(user)
    if data.is_demo():
        st.warning("Dados de demonstração: formulários fictícios gerados pelo sistema, não casos reais.", icon="🧪")
    st.title(title)
    page = Page(filters, options.get("names", {}), True, title=title, user=user, reveal=reveal,
                period_note=sidebar.relative_period(filters, options) if spec.filters else None)
    if spec.filters:
        # Names in the description come from the forms (operators, analysts, cities): shown as text.
        st.caption(f"Filtros: {md(page.describe())}")
    if title in ANALYSIS_PAGES:
        report_button(page)
    return _keep(page)


def _keep(page: Page) -> Page:
    st.session_state[_PAGE_KEY] = page
    return page


def forget_page() -> None:
    """Drop this run's `Page` once the page has run (app.py): a page script never sees another
    run's filters or user."""
    st.session_state.pop(_PAGE_KEY, None)


def current_page() -> Page:
    """The `Page` the frame (app.py) set up for this run: a page script's first statement.

    Without one, the page was started without app.py. Streamlit 1.67 does that on the first run
    of a fresh server when the first request is a deep link (…/Motivos_de_desligamento): because a
    pages/ directory sits next to app.py, that run goes through the old pages-directory mode,
    which executes the page script alone; st.navigation takes over once it has been called
    (PagesManager.uses_pages_directory). AppTest starts every run that way. Then the frame is
    drawn here, before anything of the page: the same login, page list, sidebar and banner, in
    the same run (a rerun instead would drop the click that started it)."""
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):  # this run did not start at app.py
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        from .frame import open_frame

        ctx = get_script_run_ctx()
        # Drawn as app.py draws it: the frame's widgets under the main script's identity and the
        # page's under its own, so a widget is the same widget in this run and the next ones.
        with ctx.run_with_active_hash(ctx.pages_manager.main_script_hash):
            return open_frame()[1]
    page = st.session_state.get(_PAGE_KEY)
    if isinstance(page, Page):
        return page
    st.error("Esta página abre pelo painel (`streamlit run app.py`), não sozinha.")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def _reveal_toggle(user: User) -> bool:
    """The admin's "Mostrar dados pessoais" switch in the sidebar (off at every login; others never
    see it). Seeded from a plain key like the filters, so it survives page switches."""
    if not user.may_reveal:
        st.session_state[_REVEAL_KEY] = False
        return False
    st.session_state[_REVEAL_WIDGET] = bool(st.session_state.get(_REVEAL_KEY, False))

    def on_change() -> None:
        st.session_state[_REVEAL_KEY] = bool(st.session_state.get(_REVEAL_WIDGET))

    with st.sidebar:
        st.toggle(
            "Mostrar dados pessoais", key=_REVEAL_WIDGET, on_change=on_change,
            help="CPF, CNPJ, telefones e e-mails sem máscara nas páginas Casos e Tempo de finalização. "
                 "Cada visualização e cada download ficam registrados na auditoria (LGPD).",
        )
        if st.session_state.get(_REVEAL_KEY):
            st.caption("🔓 Dados pessoais visíveis: cada visualização e download é registrado na auditoria.")
    return bool(st.session_state.get(_REVEAL_KEY))


_REPORT_KEY = "_retention_report"  # the last PDF built in this session: (view, file name, bytes)


def report_button(page: Page) -> None:
    """"Gerar relatório (PDF)" of this page's view (its filters, the user's restriction), then
    "Baixar relatório (PDF)". Drawn by the frame on every analysis page (reports.ANALYSIS_PAGES).
    The PDF is built only on the click (Chromium draws its charts: seconds, not for every rerun)
    and kept for this view only: another page or other filters need a new click."""
    from .. import reports
    from ..reports.images import ChartRenderError
    from ..reports.pdf import ReportFontError

    view = (page.title, page.filters, page.user.username if page.user else None)
    kept = st.session_state.get(_REPORT_KEY)
    if kept is not None and kept[0] != view:
        st.session_state.pop(_REPORT_KEY, None)
        kept = None
    row = st.container(horizontal=True)
    if row.button("📄 Gerar relatório (PDF)", key="report_generate",
                  help="Um PDF desta página com os filtros escolhidos: indicadores com a variação contra o período "
                       "anterior, gráficos e tabelas principais (dados pessoais mascarados)."):
        with st.spinner("Gerando o relatório (gráficos e tabelas)…"):
            try:
                report = reports.build_report(data.store(), page.filters, (page.title,), names=page.names)
            except (ChartRenderError, ReportFontError) as exc:
                st.error(str(exc))
                return
        kept = (view, report.file_name, report.pdf)
        st.session_state[_REPORT_KEY] = kept
    if kept is not None:
        row.download_button("⬇️ Baixar relatório (PDF)", data=kept[2], file_name=kept[1], mime="application/pdf",
                            key="report_download", on_click="ignore")


def lazy_tabs(key: str, sections: Sequence[tuple[str, Callable[[], None]]]) -> None:
    """A page's sections as tabs, of which only the open one is computed and drawn (a click on
    another reruns the page with that one open; the choice is kept for the session under `key`).

    Why: in the browser every chart costs its Plotly drawing and every table its grid, on every
    filter change; a manager reads one section at a time (docs/performance.md). The first tab is the
    page's headline; AppTest opens it too, and a test opens another with
    `at.session_state[key] = label`."""
    labels = [label for label, _ in sections]
    st.session_state.setdefault(LAZY_TABS_KEY, {})[key] = labels
    # A tab is remembered by its label, and a label may carry a count ("Desligamentos pendentes
    # (8)") that a filter change changes: then the same position is the same tab, still open.
    positions = st.session_state.setdefault(_LAZY_TAB_POSITIONS, {})
    chosen = st.session_state.get(key)
    if chosen in labels:
        positions[key] = labels.index(chosen)
    elif chosen is not None and positions.get(key, len(labels)) < len(labels):
        st.session_state[key] = labels[positions[key]]
    tabs = st.tabs(labels, key=key, on_change="rerun")
    for tab, (_, draw_section) in zip(tabs, sections):
        if tab.open is False:
            continue
        with tab:
            draw_section()


def no_data(message: str = "Nenhum caso corresponde aos filtros escolhidos.") -> None:
    page = st.session_state.get(_PAGE_KEY)
    note = getattr(page, "period_note", None)
    if note:  # "Últimos 30 dias" past the newest case: say so, not just "nothing matches"
        message = f"{message} Motivo: {note}."
    st.info(f"{message} Amplie o período ou remova algum filtro na barra lateral (ou clique em **Limpar filtros**).")


# How each kind of the column catalogue (metrics/tables.py) is drawn. Numbers stay numbers, so a
# click on a header sorts 9 before 10; Streamlit formats "localized" and "percent" with the
# browser's language (Intl.NumberFormat(navigator.languages)): 1.234,5 and 34,0% in a pt-BR
# browser. `step` fixes the decimals shown (percent: two fewer than the step's).
# What a missing value shows in a table: nothing (Streamlit's default is a grey "None", a word of
# code, e.g. in "Aviso publicado em" for a notice not published yet).
EMPTY_CELL = ""
_STEPS = {"int": 1, "decimal": 0.1, "days": 0.1, "money": 0.01, "percent": 0.001}
_PINNED_KINDS = ("text", "quarter", "month")


def _column_config(column: Any, label: str, pinned: bool) -> Any:
    kind = column.kind if column is not None else "text"
    cc = st.column_config
    if kind == "id":
        return cc.NumberColumn(label, format="%d", step=1, pinned=pinned)  # 3095, never "3.095"
    if kind == "percent":
        return cc.NumberColumn(label, format="percent", step=_STEPS[kind], pinned=pinned)
    if kind in _STEPS:
        return cc.NumberColumn(label, format="localized", step=_STEPS[kind], pinned=pinned)
    if kind == "date":
        return cc.DateColumn(label, format="DD/MM/YYYY", pinned=pinned)
    if kind == "month":
        return cc.DateColumn(label, format="MM/YYYY", pinned=pinned)
    if kind == "datetime":
        return cc.DatetimeColumn(label, format="DD/MM/YYYY HH:mm", pinned=pinned)
    if kind == "bool":
        return cc.CheckboxColumn(label, pinned=pinned)
    return cc.TextColumn(label, pinned=pinned)


def screen_frame(df: pd.DataFrame, summary: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame as st.dataframe gets it: the catalogue's columns for people, in its order, under
    their Portuguese headers, values still typed; and the column_config that draws them pt-BR.
    The first name-like column is pinned, so it stays in view when a wide table scrolls."""
    spec = table_of(summary)
    if spec is None:
        return df, {}
    columns = spec.shown(df.columns)
    shown = pd.DataFrame(index=df.index)
    config: dict[str, Any] = {}
    pin = next((c.key for c in columns if c.kind in _PINNED_KINDS), None)
    for column in columns:
        if column.parts:  # an interval: one text column from its two bounds
            low, high = column.parts
            shown[column.label] = [fmt.interval(a, b) for a, b in zip(df[low], df[high])]
            config[column.label] = st.column_config.TextColumn(column.label)
            continue
        values = df[column.key]
        if column.kind in ("date", "month", "datetime"):
            values = pd.to_datetime(values, errors="coerce")
        elif column.kind in _STEPS:
            # Rounded here as babel rounds the cards: Streamlit truncates to the step (0.62963 would
            # read 62,9% in the table beside a card saying 63,0%).
            digits = column.decimals + (2 if column.kind == "percent" else 0)
            values = pd.to_numeric(values, errors="coerce").round(digits)
        elif column.kind == "bool":
            values = values.astype("boolean")
        elif column.kind not in _STEPS and column.kind != "id":
            # Text; a vocabulary code by its label ("desligamento" → "Desligamento").
            values = column.texts(values)
        shown[column.label] = values
        config[column.label] = _column_config(column, column.label, column.key == pin and len(columns) > 4)
    return shown, config


# A national store has hundreds of thousands of open cases and terminations: more rows than anyone
# reads, and formatting and sending them took most of a minute per rerun at a million cases. A
# long list shows (and its downloads hold) its first ROW_LIMIT rows in its order; the headline
# counts every one, and `export` gives the whole table.
ROW_LIMIT = LIST_ROW_LIMIT


def first_rows(frame: pd.DataFrame, summary: Any, noun: str, limit: int | None = None,
               total: int | None = None) -> pd.DataFrame:
    """`frame`, or its first `limit` (ROW_LIMIT) rows with a caption saying so and where the whole
    list is. `total`: how many rows the whole list has, when `frame` already holds only the first
    ones (the store was asked for `limit` rows)."""
    limit = ROW_LIMIT if limit is None else limit
    total = len(frame) if total is None else total
    if total <= limit and len(frame) <= limit:
        return frame
    spec = table_of(summary)
    st.caption(f"{noun[:1].upper()}{noun[1:]}: mostrando {fmt.integer(min(limit, len(frame)))} de {fmt.integer(total)}, na ordem "
               f"da tabela (e os downloads também). A lista completa: `python -m retention_analytics export "
               f"{spec.name if spec else ''}` no terminal.")
    return frame.head(limit).reset_index(drop=True)


def list_page(key: str, total: int, noun: str, summary: Any, scope: Any, page_size: int | None = None) -> int:
    """For a list the store gives a page at a time (`total` rows, `page_size` per page): the page
    picker and a caption saying which rows are on screen, when there is more than one page; the
    offset of the page's first row (0 when there is one page). `scope` is what the list lists (its
    filters and options): when it changes, the list starts again at page 1. `noun`: "casos em
    aberto", as the caption says it."""
    page_size = page_size or LIST_PAGE_SIZE
    pages = max(1, -(-total // page_size))
    scope_key = f"_{key}_scope"
    if st.session_state.get(scope_key) != scope:
        st.session_state[scope_key] = scope
        st.session_state[key] = 1
    if pages == 1:
        return 0
    st.session_state[key] = min(max(1, int(st.session_state.get(key) or 1)), pages)
    left, _ = st.columns([1, 5])
    number = int(left.number_input(f"Página ({fmt.integer(pages)} no total)", min_value=1, max_value=pages, step=1,
                                   key=key))
    first = (number - 1) * page_size
    last = min(first + page_size, total)
    rows = (f"as linhas {fmt.integer(first + 1)}–{fmt.integer(last)}" if last > first + 1
            else f"a linha {fmt.integer(first + 1)}")
    spec = table_of(summary)
    st.caption(f"{noun[:1].upper()}{noun[1:]}: mostrando {rows} de {fmt.integer(total)}, na ordem da tabela (os "
               f"downloads levam esta página). A lista completa: `python -m retention_analytics export "
               f"{spec.name if spec else ''}` no terminal.")
    return first


def paged_key(name: str, first: int) -> str:
    """The key of a paged list's table on the page starting at row `first`: a new table per page,
    so a row picked on one page never opens the same row number of another (the first page keeps
    the plain name)."""
    return name if first == 0 else f"{name}_{first}"


def show_table(
    df: pd.DataFrame,
    summary: Any,
    page: Page,
    *,
    key: str | None = None,
    height: int | None = None,
    selectable: bool = False,
    revealed: bool = False,
) -> Any:
    """The table as on screen (Portuguese headers, typed pt-BR numbers, machine columns left out)
    with CSV and XLSX downloads of exactly these rows and columns. Returns the selection event when
    `selectable` (a row's checkbox or a click on one of its cells: `selected_row(event)`). `revealed`: the frame holds unmasked personal data, so each download is recorded
    in the audit log first."""
    spec = table_of(summary)
    if spec is None:
        raise ValueError(f"not an exportable table of metrics.TABLES: {summary!r}")
    table_name = spec.name
    shown, config = screen_frame(df, summary)
    kwargs: dict[str, Any] = {"hide_index": True, "width": "stretch", "column_config": config,
                              "placeholder": EMPTY_CELL}
    if height:
        kwargs["height"] = height
    event = None
    if selectable:
        # A click on any cell picks its row, not only the checkbox at the row's start.
        event = st.dataframe(shown, key=key or f"table_{table_name}", on_select="rerun",
                             selection_mode=["single-row", "single-cell"], **kwargs)
    else:
        st.dataframe(shown, key=key, **kwargs)
    download_buttons(df, table_name, page, key=key or table_name, revealed=revealed)
    return event


def selected_row(event: Any) -> int | None:
    """The row position a `show_table(..., selectable=True)` event picked: by its checkbox or by a
    click on one of its cells; None when nothing is selected."""
    selection = getattr(event, "selection", None)
    rows = list(getattr(selection, "rows", None) or [])
    if rows:
        return int(rows[0])
    cells = list(getattr(selection, "cells", None) or [])
    return int(cells[0][0]) if cells else None


def download_buttons(df: pd.DataFrame, table_name: str, page: Page, key: str, revealed: bool = False) -> None:
    described = page.describe()
    today = dt.date.today()
    csv_data: Any
    xlsx_data: Any
    if revealed and page.user is not None:
        # Unmasked rows: the file is made only when clicked, after the audit log has the event.
        frame = df.copy()
        csv_data = audit.audited_download(page.user, page.title, f"{table_name} (CSV)", described,
                                          lambda: export.to_csv_bytes(frame, table_name, described, header="labels"))
        xlsx_data = audit.audited_download(page.user, page.title, f"{table_name} (XLSX)", described,
                                           lambda: export.to_xlsx_bytes(frame, table_name, described, header="labels"))
    else:
        # Both files only when clicked: a page has up to six tables and every rerun (each filter
        # change) made every CSV (tens of ms for 1,000 rows) and would make every workbook (~100x
        # slower: 1.5 s for the 10 thousand cities of a national store) for nobody. The frame is
        # copied now, so the file is of exactly the rows on screen.
        frame = df.copy()
        csv_data = lambda: export.to_csv_bytes(frame, table_name, described, header="labels")  # noqa: E731
        xlsx_data = lambda: export.to_xlsx_bytes(frame, table_name, described, header="labels")  # noqa: E731
    # A horizontal container, not st.columns: buttons keep their natural width even when the
    # table sits in a narrow column (columns squeezed them to "⬇…").
    row = st.container(horizontal=True)
    row.download_button(
        "⬇️ CSV",
        data=csv_data,
        file_name=export.download_name(table_name, "csv", today),
        mime="text/csv",
        key=f"csv_{key}",
        on_click="ignore",
        help="CSV para Excel (UTF-8, separador ;), com os filtros no cabeçalho",
    )
    row.download_button(
        "⬇️ XLSX",
        data=xlsx_data,
        file_name=export.download_name(table_name, "xlsx", today),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{key}",
        on_click="ignore",
        help="Planilha do Excel com os filtros escritos",
    )


def chart(figure: Any, key: str | None = None, **kwargs: Any) -> Any:
    """A plotly figure, full width, no modebar, its payload lightened (ui/plotly_config.py); pass
    on_select to make it clickable."""
    return st.plotly_chart(plotly_config.lighten(_inert_labels(figure)), width="stretch",
                           config=plotly_config.CONFIG, key=key, **kwargs)


_LINE_BREAK = "<br>"


def _inert(value: Any) -> Any:
    if not isinstance(value, str) or "<" not in value and ">" not in value:
        return value
    parts = value.split(_LINE_BREAK)  # the charts' own line breaks stay; any other tag is text
    return _LINE_BREAK.join(p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for p in parts)


def _inert_labels(figure: Any) -> Any:
    """Plotly draws a subset of HTML in axis labels and legends (<a href>, <b>, …): names written on
    a form (operator, analyst, city) must show as text, not become a link. Escapes the categories
    of every trace; the charts' own markup lives in templates and layout, which stay as they are."""
    for trace in getattr(figure, "data", ()):
        for attribute in ("x", "y", "labels", "ids"):
            values = getattr(trace, attribute, None)
            if values is not None and not isinstance(values, str) and any(isinstance(v, str) and ("<" in v or ">" in v)
                                                                          for v in values):
                setattr(trace, attribute, [_inert(v) for v in values])
        name = getattr(trace, "name", None)
        if isinstance(name, str):
            trace.name = _inert(name)
    return figure
