"""Helpers for the security tests that drive the app through AppTest as a given user.

`open_as(page, user, query)` runs a page through app.py's frame (st.navigation, as the server does) with
`user` already logged in: the test hook is the same session-state key a successful login writes
(ui/state.USER_KEY), set before the first run, with the user also written to a users file (the
app re-checks the session's user against it on every run, as it would after a real login). `rendered_text` is everything the page sent to the
browser as text (element protos, chart specs and dataframe cells), to search for leaks.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from retention_analytics import auth
from retention_analytics.auth import User
from retention_analytics.ui import nav
from retention_analytics.ui.state import USER_KEY

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = tuple(p.path for p in nav.PAGES)  # every page script, home first
TIMEOUT = 120
# An administrator with a password login, for tests on real data (where the local demo user does
# not exist): open_as(page, ADMIN).
ADMIN = User("chefe", "admin")


def register(user: User) -> Path:
    """Put `user` in a users file (a new one, with the users of RETENTION_USERS if it exists) and
    point RETENTION_USERS at it: the app checks the session's user against the file on every run.
    (conftest's autouse fixture puts RETENTION_USERS back after each test.)"""
    current = Path(os.environ.get("RETENTION_USERS", ""))
    users = auth.load_users(current) if current.is_file() else {}
    users[user.username] = user
    path = Path(tempfile.mkdtemp(prefix="usuarios-")) / "users.toml"
    auth.save_users(users, path)
    os.environ["RETENTION_USERS"] = str(path)
    return path


def open_as(page: str, user: User | None, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if user is not None:
        if user.via != "local":
            register(user)
        at.session_state[USER_KEY] = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page not in ("app.py", nav.HOME.path):  # app.py: the frame, which opens the home page
        # Before the first run AppTest names a page by its file name without the number, which
        # is each page's url_path (ui/nav.py), so this opens the same page a deep link would.
        at.switch_page(page)
    return at.run()


def rendered_text(at: AppTest) -> str:
    """Everything the page sent to the browser, as text: every element's message and every
    dataframe's cells, except the text typed into inputs. Markdown escapes are dropped so
    "123\\.456" is found as "123.456"."""
    parts: list[str] = []

    def walk(node) -> None:
        if getattr(node, "type", "") == "text_input":
            return
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        if getattr(node, "type", "") == "dataframe":
            parts.append(node.value.to_string())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return "\n".join(parts).replace("\\", "")


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback" not in rendered_text(at)


class Downloads(dict):
    """File id → bytes of every download a page offered in AppTest: the eager ones as stored, the
    deferred ones (made on click: `data=` a callable) made when a test reads them."""

    def __getitem__(self, file_id: str) -> bytes:
        value = super().__getitem__(file_id)
        if callable(value):
            value = value()
            value = value.encode("utf-8") if isinstance(value, str) else value
            self[file_id] = value
        return value


class RecordingStorage(MemoryMediaFileStorage):
    """AppTest's in-memory media store that also keeps every eager download after the run."""

    files: Downloads = Downloads()

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        RecordingStorage.files[file_id] = self._files_by_id[file_id].content
        return file_id


def record_downloads(monkeypatch) -> Downloads:
    """Record every download of the AppTest runs that follow, eager and deferred (conftest's
    `downloads` fixture)."""
    from streamlit.runtime import media_file_manager
    from streamlit.testing.v1 import app_test as app_test_module

    RecordingStorage.files = Downloads()
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", RecordingStorage)
    original = media_file_manager.MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):  # noqa: ANN001
        file_id = original(self, data_callable, *args, **kwargs)
        RecordingStorage.files[file_id] = data_callable
        return file_id

    monkeypatch.setattr(media_file_manager.MediaFileManager, "add_deferred", add_deferred)
    return RecordingStorage.files


def file_id(button) -> str:  # noqa: ANN001
    """The id under which a download button's file is recorded (eager: its URL; deferred: its id)."""
    return button.proto.deferred_file_id or Path(button.proto.url).stem


def csv_downloads(at: AppTest, files: dict[str, bytes]) -> list[bytes]:
    """The bytes of every CSV download button on the page."""
    return [files[file_id(b)] for b in at.get("download_button")
            if "-csv_" in b.proto.id and (b.proto.url or b.proto.deferred_file_id)]


def open_tab(at: AppTest, text: str) -> AppTest:
    """`at` rerun with the page's lazy tab whose label contains `text` open (ui/page.lazy_tabs draws
    only the open tab; AppTest opens the first)."""
    from retention_analytics.ui.page import LAZY_TABS_KEY

    groups = at.session_state[LAZY_TABS_KEY] if LAZY_TABS_KEY in at.session_state else {}
    for key, labels in groups.items():
        for label in labels:
            if text in label:
                at.session_state[key] = label
                return at.run()
    raise AssertionError(f"no lazy tab {text!r} on this page: {groups}")


def each_tab(at: AppTest):
    """`at` as run, then rerun with each other tab of the page's lazy tabs open: what a person can
    reach on the page, for the tests that check everything a page shows (leaks, masks, markup)."""
    from retention_analytics.ui.page import LAZY_TABS_KEY

    yield at
    groups = dict(at.session_state[LAZY_TABS_KEY]) if LAZY_TABS_KEY in at.session_state else {}
    for key, labels in groups.items():
        first = at.session_state[key] if key in at.session_state else labels[0]
        for label in labels:
            if label != first:
                at.session_state[key] = label
                yield at.run()
