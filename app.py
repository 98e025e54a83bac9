"""Painel de Retenção: the frame around every page.

`streamlit run app.py` runs this script on every interaction, whatever page the address names
(a deep link such as /Motivos_de_desligamento included). The frame (ui/frame.py) asks who is
logged in, declares the pages of ui/nav.PAGES (titles, icons, scripts and URLs, in one place)
with st.navigation, draws the sidebar filters, the user box, the demo banner, the title and the
filter caption; then the chosen page runs and draws its content, nothing else.
"""

from retention_analytics.ui.frame import open_frame
from retention_analytics.ui.page import forget_page

current, _page = open_frame()
try:
    current.run()
finally:
    forget_page()  # the next run's page gets the next run's filters, never these
