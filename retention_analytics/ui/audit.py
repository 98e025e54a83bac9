"""Personal data unmasked on screen or in a download, only for users allowed to, and each time audited.

    if audit.reveal(page, "lista de casos"):          # the admin switched "Mostrar dados pessoais" on
        rows = data.get(metrics.cases, page.filters, reveal=True)

`reveal` records the view in the store's audit_log (who, when, page, what, filters in words) before
returning True; the same view in the same session is recorded once (reruns are not new views).
When the event cannot be recorded (database busy or read-only) it returns False and the page keeps
the data masked: there is no unaudited unmasked view. `audited_download` wraps the bytes of a
download so the event is recorded when the user clicks, before the bytes are made.

It must not decide what is personal data (privacy.py and metrics do) or compute anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from ..store import StoreError
from . import data

if TYPE_CHECKING:
    from ..auth import User
    from .page import Page

_SEEN_KEY = "_retention_audited_views"
_FAILED_KEY = "_retention_audit_failed"

VIEW = "ver_dados_pessoais"
EXPORT = "exportar_dados_pessoais"
ORIGINAL = "baixar_original"


def record(user: "User", action: str, page: str, target: str, filters: str | None = None,
           detail: str | None = None) -> None:
    """Write one audit event now; raises StoreError when it cannot be written."""
    data.store().record_audit(user.username, action, role=user.role, page=page, target=target,
                              filters=filters, detail=detail)


def reveal(page: "Page", target: str) -> bool:
    """True when `page.user` may see `target` unmasked now and the view is in the audit log."""
    if not page.reveal or page.user is None or not page.user.may_reveal:
        return False
    described = page.describe()
    key = (page.title, target, described)
    seen: set = st.session_state.setdefault(_SEEN_KEY, set())
    if key in seen:
        return True
    try:
        record(page.user, VIEW, page.title, target, described)
    except StoreError:
        st.session_state[_FAILED_KEY] = True
        st.warning(
            "Os dados pessoais continuam mascarados: não foi possível registrar o acesso na auditoria "
            "agora (o banco de dados está ocupado ou somente leitura). Tente de novo em instantes.",
            icon="🔒",
        )
        return False
    seen.add(key)
    return True


def audited_download(user: "User", page_title: str, target: str, filters: str | None,
                     make: Callable[[], bytes], action: str = EXPORT) -> Callable[[], bytes]:
    """A deferred download (st.download_button's callable `data`): records the event, then makes the
    bytes. If the event cannot be recorded, raises, and the browser gets no file."""

    store = data.store()  # taken now: `build` runs on a thread of its own, outside this page's run

    def build() -> bytes:
        store.record_audit(user.username, action, role=user.role, page=page_title, target=target, filters=filters)
        return make()

    return build
