"""ui/serve.py beyond the warm-up: what it changes in the server process so that each rerun costs
less — the long-lived objects frozen out of the garbage collector's full passes, and Streamlit's
scan of imported modules skipped while no file is watched."""

from __future__ import annotations

import gc
import weakref

import pytest
from streamlit import config
from streamlit.watcher import local_sources_watcher as lsw

from retention_analytics.ui import serve


class _Node:
    """An object that can be in a reference cycle (only the cyclic collector frees those)."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


@pytest.fixture
def unfrozen():
    """Whatever a test freezes is unfrozen again: the rest of the suite runs with a normal collector."""
    yield
    gc.unfreeze()


def test_freezing_keeps_what_lives_and_still_collects_what_comes_after(unfrozen):
    kept = _Node()  # alive at the freeze: a long-lived object of the server
    garbage = _cycle()  # already garbage at the freeze: collected by it, not frozen forever
    frozen = serve.freeze_long_lived()
    # Frozen objects still die when nothing refers to them, and leave the count: another thread of
    # this process (xdist's, DuckDB's) may free a few between the freeze and this line.
    assert frozen > 0 and 0.99 * frozen <= gc.get_freeze_count() <= frozen
    assert garbage() is None
    assert kept.other is None  # still there, untouched

    later = _cycle()  # made by a script run after the freeze
    gc.collect(2)  # what Streamlit runs after each script run (runner.postScriptGC)
    assert later() is None


def test_a_full_collection_after_the_freeze_walks_only_what_came_after(unfrozen):
    serve.freeze_long_lived()
    for _ in range(5):  # a page's run: objects that live on
        kept = [_Node() for _ in range(1000)]
    assert len(kept) == 1000
    tracked = len(gc.get_objects())
    # The frozen objects are in the permanent generation: not among those a collection visits.
    assert tracked < gc.get_freeze_count()


class _CountingScan:
    """Streamlit's own scan, counted (the original method is what skip_module_scan wraps)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, watcher) -> None:
        self.calls += 1


@pytest.fixture
def watcher_class(monkeypatch):
    """LocalSourcesWatcher with its scan replaced by a counter, then skip_module_scan installed
    over it; the class is restored afterwards."""
    scan = _CountingScan()
    monkeypatch.setattr(lsw.LocalSourcesWatcher, "update_watched_modules", scan)
    serve.skip_module_scan()
    serve.skip_module_scan()  # twice: installed once
    return lsw.LocalSourcesWatcher, scan


@pytest.fixture
def watcher_type():
    before = config.get_option("server.fileWatcherType")

    def set_type(value: str) -> None:
        config.set_option("server.fileWatcherType", value)

    yield set_type
    config.set_option("server.fileWatcherType", before)


@pytest.mark.parametrize(("option", "scans"), [("none", 0), ("auto", 1), ("poll", 1), ("watchdog", 1)])
def test_the_module_scan_runs_only_when_files_are_watched(watcher_class, watcher_type, option, scans):
    cls, scan = watcher_class
    watcher_type(option)
    cls.update_watched_modules(object())
    assert scan.calls == scans


def test_streamlit_still_has_the_scan_that_is_skipped():
    # An upgrade of Streamlit that renames or drops it must fail here, not silently scan again.
    assert callable(getattr(lsw.LocalSourcesWatcher, "update_watched_modules", None))
    assert callable(getattr(lsw, "get_module_paths", None))
