"""Filter state that survives page switches and lives in the URL.

Every page is its own script (run by app.py's st.navigation) and a widget's state is dropped
when a page that does not draw it runs. So the filters live under a plain session-state key
(`FILTERS_KEY`, never a widget key) as one frozen `Filters`; the sidebar widgets are seeded from it
on every page and write back to it in their callbacks. The URL is rewritten from it at each run,
so a copied link opens the same view, and a first visit with a link starts from the URL.
Whatever the URL or the widgets say, `current_filters()` always carries the logged-in user's
operator restriction (auth.User.scope), which is never written to the URL.

It must not query the database.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..filters import Filters

FILTERS_KEY = "_retention_filters"
_URL_SEEN_KEY = "_retention_url_read"
USER_KEY = "_retention_user"  # the logged-in auth.User (login.py); never a widget key, never the URL


def current_filters() -> Filters:
    """The session's filters: from the URL on the session's first run, then from session state."""
    if not st.session_state.get(_URL_SEEN_KEY):
        st.session_state[_URL_SEEN_KEY] = True
        params = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
        st.session_state[FILTERS_KEY] = Filters.from_query_params(params)
    filters = st.session_state.get(FILTERS_KEY)
    if not isinstance(filters, Filters):
        filters = Filters()
        st.session_state[FILTERS_KEY] = filters
    return _restricted(filters)


def _restricted(filters: Filters) -> Filters:
    """`filters` limited to the logged-in user's operators. Applied on every read, so no path (URL,
    sidebar callback, "Limpar filtros", a page's own Filters) can drop the restriction."""
    user = st.session_state.get(USER_KEY)
    scope = getattr(user, "scope", None)
    if scope is None:
        return filters
    restricted = filters.restrict_to(scope)
    if restricted != filters:
        st.session_state[FILTERS_KEY] = restricted
    return restricted


def set_filters(filters: Filters) -> None:
    st.session_state[FILTERS_KEY] = filters


def sync_url(filters: Filters, extra: dict[str, Any] | None = None, keep: tuple[str, ...] = ()) -> None:
    """Make the address bar say `filters` (page switches clear it; this writes it back), plus the
    page's own view choices: `extra` sets them, `keep` names those left as the URL has them (the
    frame runs before the page, which then reads and rewrites its own)."""
    current = {k: st.query_params.get_all(k) for k in st.query_params.keys()}
    wanted: dict[str, list[str]] = {k: list(v) for k, v in filters.to_query_params().items() if v}
    for name in keep:
        if current.get(name):
            wanted[name] = current[name]
    for name, value in (extra or {}).items():
        if value not in (None, "", []):
            wanted[name] = [str(value)] if not isinstance(value, list) else [str(v) for v in value]
        else:
            wanted.pop(name, None)
    if current != wanted:
        if wanted:
            st.query_params.from_dict(wanted)
        else:
            st.query_params.clear()  # from_dict({}) would empty it without telling the browser
