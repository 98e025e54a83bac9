"""One frame (issue 10, item 1): app.py declares the pages once with st.navigation and draws
everything around them; a page script is only its content.

Deep links are run the way Streamlit 1.67 runs them: AppTest starts every run in the
pages-directory mode that a fresh server uses for its first request (pages/ sits next to app.py),
so these tests also prove that a page opened by its own URL gets the frame."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.source_util import page_icon_and_name
from streamlit.testing.v1 import AppTest

from retention_analytics.ui import nav

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
BANNER = "Dados de demonstração"


def test_the_registry_lists_every_page_file_once():
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))
    assert sorted(p.path for p in nav.PAGES) == files
    assert len({p.title for p in nav.PAGES}) == len(nav.PAGES)
    assert [p for p in nav.PAGES if p.default] == [nav.HOME]


@pytest.mark.parametrize("spec", nav.PAGES, ids=lambda p: p.url_path)
def test_each_url_is_the_one_the_pages_directory_gave(spec):
    """Links copied before the frame (…/Motivos_de_desligamento) open the same page."""
    _, inferred = page_icon_and_name(ROOT / spec.path)
    assert spec.url_path == inferred


@pytest.mark.parametrize("spec", nav.PAGES, ids=lambda p: p.url_path)
def test_a_page_script_is_only_its_content(spec):
    source = (ROOT / spec.path).read_text(encoding="utf-8")
    for frame_only in ("set_page_config", "require_user", "draw_user_box", "draw_filters", "st.title(",
                       "start_page", "is_demo()", "st.navigation"):
        assert frame_only not in source, f"{spec.path} draws {frame_only}: that is the frame's job"
    # The frame's Page is the first thing a page asks for: no module-level line touches Streamlit,
    # the data or the session before it (on a fresh server's first deep link the frame is drawn
    # inside that call).
    before = []
    for node in ast.parse(source).body:
        if "current_page()" in ast.get_source_segment(source, node):
            break
        inert = isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)) or (
            isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr))
            and all(isinstance(n, (ast.Constant, ast.Name, ast.Tuple, ast.List, ast.Dict, ast.Load, ast.Store, ast.Subscript,
                                   ast.BinOp, ast.BitOr, ast.Attribute, ast.Mult, ast.Add))
                    for n in ast.walk(node.value if node.value is not None else node))
            and not any(isinstance(n, ast.Call) for n in ast.walk(node)))
        if not inert:
            before.append(ast.get_source_segment(source, node))
    else:
        pytest.fail(f"{spec.path} never asks for current_page()")
    assert not before, before


@pytest.mark.parametrize("spec", nav.PAGES, ids=lambda p: p.url_path)
def test_a_deep_link_runs_the_frame(spec, demo_db, use_db):
    use_db(demo_db)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["uf"] = "MG"
    if not spec.default:
        at.switch_page(spec.path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [spec.title], "one title, the registry's"
    assert any(BANNER in w.value for w in at.warning), "the demo banner"
    sidebar_keys = {w.key for w in at.sidebar.multiselect}
    if spec.filters:
        assert "flt_ufs" in sidebar_keys and at.sidebar.multiselect(key="flt_ufs").value == ["MG"]
        assert any(c.value.startswith("Filtros:") and "MG" in c.value for c in at.caption)
    else:
        assert not sidebar_keys, "Importar has no filters"
    assert at.query_params.get("uf") == "MG", "the filters stay in the URL"
    # A second run (an interaction) keeps the same frame and page.
    at.run()
    assert [t.value for t in at.title] == [spec.title]


def test_the_menu_is_st_navigation_with_the_registry_titles():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert "showSidebarNavigation" not in config, "st.navigation's own menu is the page list"
    app = Path(APP).read_text(encoding="utf-8")
    assert "open_frame" in app and "current.run()" in app


@pytest.mark.parametrize("role, sees_import", [("admin", True), ("gestor", True), ("analista", False)])
def test_the_page_list_is_by_role(role, sees_import, real_db, use_db):
    """An analista may not import (auth.User.may_import): Importar is not in their menu, and a link
    to it opens the home page; admins and gestores have it."""
    from app_helpers import open_as

    from retention_analytics.auth import User

    user = User(f"pessoa_{role}", role, () if role == "admin" else ("ODONTOLIFE",))
    assert (nav.by_path("pages/6_Importar.py") in nav.visible(user)) is sees_import
    assert len(nav.visible(user)) == len(nav.PAGES) - (0 if sees_import else 1)
    use_db(real_db)
    at = open_as("pages/6_Importar.py", user)
    assert not at.exception, [e.value for e in at.exception]
    titles = [t.value for t in at.title]
    assert titles == (["Importar"] if sees_import else [nav.HOME.title]), titles
