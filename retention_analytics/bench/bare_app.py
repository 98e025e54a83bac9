"""The floor of the framework for the browser benchmark (bench/browser.py): a bare Streamlit app.

Two pages in st.navigation's sidebar menu, each with one select, one Plotly chart and one 30-row
table and nothing else: no store, no login, no sidebar filters. What a page switch or a choice
costs here is what Streamlit, the websocket, React and Plotly cost on this machine; the app's
pages are judged as multiples of it.

It is started by the benchmark beside the app (`streamlit run` on its own port), never by the
app, and must stay this small: anything added here raises the floor the app is compared with.
It imports streamlit although it is no UI module: it is the benchmark's reference page.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

CHOICES = [f"Opção {i}" for i in range(1, 41)]


def _body(title: str) -> None:
    st.title(title)
    choice = st.selectbox("Escolha", CHOICES, key=f"choice_{title}")
    seed = CHOICES.index(choice)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "mês": pd.date_range("2024-01-01", periods=30, freq="MS"),
        "casos": rng.integers(50, 500, 30),
        "taxa": rng.random(30).round(3),
    })
    st.plotly_chart(go.Figure(go.Bar(x=frame["mês"], y=frame["casos"])), key=f"chart_{title}")
    st.dataframe(frame, hide_index=True)


def _first() -> None:
    _body("Página A")


def _second() -> None:
    _body("Página B")


st.set_page_config(page_title="Página mínima", layout="wide")
st.navigation([st.Page(_first, title="Página A", url_path="a", default=True),
               st.Page(_second, title="Página B", url_path="b")], position="sidebar").run()
