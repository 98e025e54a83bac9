"""The pages of the app, declared once: title, icon, script and URL of each.

app.py hands `PAGES` to `st.navigation`, whose own sidebar menu shows the Portuguese titles (the
old hand-drawn menu and `showSidebarNavigation = false` are gone); the browser tests, the AppTest
helpers and the benchmark read the same registry, so a title cannot drift between them.

`url_path` is the name Streamlit gave each page file in pages-directory mode (the file name
without its number), so links copied before the frame existed (…/Motivos_de_desligamento) still
open the same page. `allowed`: who has the page in their menu (Importar: the roles that may
import; an analista does not see it). `filters`: the page reads the sidebar filters (Importar does not). `view_keys`:
the URL parameters that hold the page's own view choices (which case, which metric colours the map);
the frame keeps them in the address bar next to the filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]  # where app.py and pages/ live


@dataclass(frozen=True)
class PageSpec:
    path: str  # the script, relative to app.py
    title: str
    icon: str
    url_path: str
    filters: bool = True
    view_keys: tuple[str, ...] = ()
    default: bool = False
    # Who has the page in their menu (auth.User → bool); None: everyone. The page still checks
    # for itself (a link typed by hand), this only keeps people from seeing what they cannot use.
    allowed: Callable[[Any], bool] | None = None

    def allows(self, user: Any) -> bool:
        return self.allowed is None or user is None or bool(self.allowed(user))


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/0_Visao_geral.py", "Visão geral", "🏠", "Visao_geral", default=True),
    PageSpec("pages/1_Motivos_de_desligamento.py", "Motivos de desligamento", "📉", "Motivos_de_desligamento"),
    PageSpec("pages/2_Tempo_de_finalizacao.py", "Tempo de finalização", "⏱️", "Tempo_de_finalizacao"),
    PageSpec("pages/3_Cobertura_da_rede.py", "Cobertura da rede", "🗺️", "Cobertura_da_rede",
             view_keys=("mapa",)),
    PageSpec("pages/4_Efetividade.py", "Efetividade", "🎯", "Efetividade"),
    PageSpec("pages/5_Casos.py", "Casos", "🗂️", "Casos", view_keys=("caso",)),
    PageSpec("pages/6_Importar.py", "Importar", "📥", "Importar", filters=False,
             allowed=lambda user: user.may_import),
    PageSpec("pages/7_Qualidade_dos_dados.py", "Qualidade dos dados", "🧹", "Qualidade_dos_dados"),
    PageSpec("pages/8_Conformidade_ANS.py", "Conformidade ANS", "⚖️", "Conformidade_ANS"),
    PageSpec("pages/9_Fila_de_trabalho.py", "Fila de trabalho", "📋", "Fila_de_trabalho"),
    PageSpec("pages/10_Metas_e_alertas.py", "Metas e alertas", "🔔", "Metas_e_alertas", filters=False),
    PageSpec("pages/11_Relatorios.py", "Relatórios", "📬", "Relatorios"),
)

HOME = next(p for p in PAGES if p.default)


def by_path(path: str) -> PageSpec:
    return next(p for p in PAGES if p.path == path)


def visible(user: Any) -> tuple[PageSpec, ...]:
    """The pages in `user`'s menu (auth.User; None, before anyone is logged in: every page, so that
    st.navigation can resolve the page a deep link asks for while the menu stays hidden)."""
    return tuple(p for p in PAGES if p.allows(user))


def st_pages(user: Any = None) -> list[Any]:
    """The pages `user` may use as `st.Page`s, for `st.navigation` (app.py's frame)."""
    import streamlit as st

    return [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
            for p in visible(user)]


def spec_of(current: Any) -> PageSpec:
    """The registry entry of the page `st.navigation` chose."""
    return next((p for p in PAGES if p.url_path == current.url_path or (p.default and current.url_path == "")), HOME)
