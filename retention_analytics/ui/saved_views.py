"""Saved views in the sidebar: the current page and filters under a name, restored in one click.

A view is what the address bar says (state.sync_url writes the filters there, the page its view
keys such as `?caso=`): its page's url_path and that query (store/user_state.py). A click on a
view sets the session's filters from the query (Filters.from_query_params, as a copied link
does on a first visit) and switches to its page with its view keys; the access restriction is
never in a view, and `state.current_filters` applies the user's own on the next run.

The frame calls `draw(spec, filters, user)` once per run, after the filters (ui/page.start_frame).
It must not compute metrics.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

import duckdb
import streamlit as st

from ..filters import QUERY_KEYS, Filters
from ..store import StoreError, user_state
from . import data, nav, state
from .case_view import inline_md as md

_NAME_WIDGET = "visao_nome"
_MESSAGE = "_retention_view_message"


def query_of(filters: Filters, view: dict[str, list[str]] | None = None) -> str:
    """The URL query a view keeps: the filters (never the access restriction) and `view`, the
    page's own view keys (such as {"caso": ["7"]})."""
    pairs: list[tuple[str, str]] = []
    for name, values in filters.to_query_params().items():
        pairs += [(name, v) for v in values]
    for name, values in (view or {}).items():
        pairs += [(name, v) for v in values]
    return urlencode(pairs)


def parts_of(query: str, view_keys: tuple[str, ...] = ()) -> tuple[Filters, dict[str, str]]:
    """What a stored query says: its filters, and the first value of each of `view_keys`."""
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query or "", keep_blank_values=False):
        params.setdefault(name, []).append(value)
    filter_keys = set(QUERY_KEYS.values())
    filters = Filters.from_query_params({k: v for k, v in params.items() if k in filter_keys})
    return filters, {k: v[0] for k, v in params.items() if k in view_keys}


def current_query(spec: nav.PageSpec, filters: Filters) -> str:
    """The query of the page on screen: the filters and the view keys the address bar has."""
    return query_of(filters, {name: st.query_params.get_all(name) for name in spec.view_keys
                              if st.query_params.get_all(name)})


def restore(view: dict[str, Any]) -> None:
    """Make the session's filters the view's and open its page with its view keys."""
    spec = next((p for p in nav.PAGES if p.url_path == view["page"]), nav.HOME)
    filters, extra = parts_of(view["query"], spec.view_keys)
    state.set_filters(filters)  # state.current_filters adds the user's own restriction
    st.session_state["_retention_custom_period"] = False  # the sidebar finds the view's period itself
    st.switch_page(spec.path, query_params=extra)


def draw(spec: nav.PageSpec, filters: Filters, user: Any) -> None:
    """The "Visões salvas" box of the sidebar: the user's views, and saving the current one."""
    if user is None or not spec.filters:
        return
    store = data.store()
    try:
        saved = user_state.views(store, user.username)
    except (StoreError, duckdb.Error):
        return  # busy or unreadable: the page's own reads say so
    with st.sidebar.expander(f"⭐ Visões salvas ({len(saved)})", expanded=False):
        for view in saved:
            page = next((p for p in nav.PAGES if p.url_path == view["page"]), nav.HOME)
            left, right = st.columns([5, 1])
            if left.button(f"{md(view['name'])} · {page.title}", key=f"visao_abrir_{view['name']}", width="stretch",
                           help="Abre a página com os filtros desta visão"):
                restore(view)
            if right.button("🗑", key=f"visao_apagar_{view['name']}", help="Apagar esta visão"):
                try:
                    user_state.delete_view(store, user.username, view["name"])
                except StoreError as exc:
                    st.session_state[_MESSAGE] = ("error", str(exc))
                st.rerun()
        if not saved:
            st.caption("Nenhuma visão salva. Dê um nome aos filtros e à página atuais para voltar a eles num clique.")
        name = st.text_input("Nome da visão", key=_NAME_WIDGET, max_chars=user_state.MAX_NAME,
                             placeholder="ex.: MG em 2024")
        if st.button("Salvar esta visão", key="visao_salvar", width="stretch"):
            try:
                stored = user_state.save_view(store, user.username, name, spec.url_path, current_query(spec, filters))
                st.session_state[_MESSAGE] = ("ok", f"Visão “{stored}” salva.")
            except StoreError as exc:
                st.session_state[_MESSAGE] = ("error", str(exc))
            st.rerun()
        message = st.session_state.pop(_MESSAGE, None)
        if message:
            (st.success if message[0] == "ok" else st.error)(message[1])
