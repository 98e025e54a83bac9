"""The sidebar's page list, in Portuguese. Streamlit's own list would label pages by file name
("app", "1_Motivos…"), so config.toml hides it and this draws links with proper names instead."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

ROOT = Path(__file__).resolve().parents[2]  # where app.py and pages/ live

PAGES: tuple[tuple[str, str, str], ...] = (
    ("app.py", "Visão geral", "🏠"),
    ("pages/1_Motivos_de_desligamento.py", "Motivos de desligamento", "📉"),
    ("pages/2_Tempo_de_finalizacao.py", "Tempo de finalização", "⏱️"),
    ("pages/3_Cobertura_da_rede.py", "Cobertura da rede", "🗺️"),
    ("pages/4_Efetividade.py", "Efetividade", "🎯"),
    ("pages/5_Casos.py", "Casos", "🗂️"),
    ("pages/6_Importar.py", "Importar", "📥"),
    ("pages/7_Qualidade_dos_dados.py", "Qualidade dos dados", "🧹"),
)


def draw_nav() -> None:
    with st.sidebar:
        st.markdown("## 🦷 Painel de Retenção")
        for path, label, icon in PAGES:
            if (ROOT / path).exists():
                try:
                    st.page_link(path, label=label, icon=icon)
                except StreamlitPageNotFoundError:
                    # A page run as its own entrypoint (`streamlit run pages/…`, or
                    # AppTest.from_file("pages/…")) has no app.py page registry: skip the link
                    # rather than fail the page.
                    continue
        st.divider()
