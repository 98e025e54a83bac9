"""The frame around every page: login, the page list, the shared sidebar, the banner, the title.

app.py calls `open_frame()` and runs the page it returns; a page script starts with
`page.current_page()`, which gives it the `Page` the frame prepared for this run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from . import login, nav
from .page import Page, start_frame


def open_frame() -> tuple[Any, Page]:
    """Everything around the page, in order: page config, st.navigation over the pages of
    ui/nav.PAGES this user may use (an analista has no Importar), who is logged in (the login screen stops the run here), then the sidebar filters, user box, demo
    banner, title and filter caption of the page st.navigation chose."""
    # Before anything else is drawn (the login screen included); start_frame names the tab per page.
    st.set_page_config(page_title="Painel de Retenção", page_icon="🦷", layout="wide")
    # st.navigation before the login: it resolves the page the address asks for (/Casos?caso=…),
    # so the run after a successful login opens that page, not the home page. Its menu stays
    # hidden until someone is logged in (the login screen shows nothing of the app).
    logged_in = login.menu_allowed()
    listed = nav.visible(login.current_user() if logged_in else None)  # the page list by role
    current = st.navigation(nav.st_pages(login.current_user() if logged_in else None),
                            position="sidebar" if logged_in else "hidden")
    user = login.require_user()  # stops the run at the login screen until someone is logged in
    if not logged_in or nav.visible(user) != listed:
        # Logged in during this run (the local demo user, an OIDC identity), or the users file
        # changed this user's role: again, with the menu of this user.
        st.rerun()
    return current, start_frame(nav.spec_of(current), user)
