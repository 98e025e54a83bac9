"""Relatórios: an admin schedules which report goes to whom, weekly or monthly, with which filters,
and sees what was sent (`python -m retention_analytics report run-due` sends them; README,
"Relatórios e alertas"). Thin on purpose: ui/schedules.py draws it.
"""

from retention_analytics.ui import schedules
from retention_analytics.ui.page import current_page

page = current_page()
if page.has_data:
    schedules.draw(page)
