"""The Streamlit layer: the only code in the project that imports streamlit.

app.py is the frame (ui/frame.py: login, st.navigation over ui/nav.PAGES, sidebar, banner, title);
pages (pages/*.py) stay thin: `page = current_page()` gives the filters
from the shared sidebar (kept across page switches and in the URL) and cached access to the
metrics; `show_table` draws a summary with its downloads. Everything that is not drawing lives in
the package (metrics, charts, export), so screen, download and CLI agree.
"""
