"""Streamlit's own widget texts in Portuguese (ui/widget_texts.py): the style sheet, and in Chromium
the texts people read on the uploader, in a multiselect's list and around the calendar."""

from __future__ import annotations

import pytest

from retention_analytics.ui import widget_texts as wt
from test_browser import chromium, new_page, server, wait_until_idle  # noqa: F401 - fixtures

ENGLISH = ("Upload", "per file", "Drag and drop", "Select all", "No results", "Date range", "Past Week")


def test_the_style_replaces_each_english_text_and_escapes_labels():
    css = wt.css(20)
    for text in (wt.UPLOAD_BUTTON, wt.DROP_HERE, wt.SELECT_ALL, wt.SELECT_MATCHES, wt.NO_RESULTS,
                 "Até 20 MB por arquivo"):
        assert f'content:"{text}"' in css
    assert '[data-testid="stDateInputQuickSelect"]{display:none' in css
    assert wt.size_line(20, ["csv", ".xlsx"]) == "Até 20 MB por arquivo • CSV, XLSX"
    assert wt._css_string('a "b" \\ c') == '"a \\"b\\" \\\\ c"'


def _shown(page, selector: str, pseudo: str | None = "::after") -> list[str]:
    """The text each element matching `selector` shows: its ::after content when it has one, else
    its own text (elements whose own text is sized 0 show only the ::after)."""
    return page.eval_on_selector_all(selector, """(els, pseudo) => els.map(e => {
        const after = getComputedStyle(e, pseudo).content;
        const own = parseFloat(getComputedStyle(e).fontSize) > 0 ? e.innerText : "";
        return (own + " " + (after && after !== "none" ? JSON.parse(after) : "")).trim();
    })""", pseudo)


@pytest.mark.browser
def test_streamlit_widget_texts_read_in_portuguese(server, chromium):
    page = new_page(chromium, height=1000)
    page.goto(server["url"] + "/Importar")
    wait_until_idle(page, "Importar")
    dropzone = '[data-testid="stFileUploaderDropzone"]'
    page.wait_for_selector(dropzone)
    buttons = _shown(page, f'{dropzone} [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p')
    assert buttons and set(buttons) == {wt.UPLOAD_BUTTON}, buttons
    lines = _shown(page, f'{dropzone} [data-testid="stFileUploaderDropzoneInstructions"] span')
    assert lines[0].startswith("Até 20 MB por arquivo • XLSX") and "CSV, XLSX" in lines[-1], lines
    assert not any(e in t for t in buttons + lines for e in ENGLISH)

    page.goto(server["url"] + "/?de=2024-01-05&ate=2024-03-31")
    wait_until_idle(page, "Visão geral")
    page.locator('[data-testid="stMultiSelect"]').nth(1).click()
    option = '[data-testid="stMultiSelectDropdown"] [data-key="__select_all__"] [data-item-hl]'
    page.wait_for_selector(option)
    assert _shown(page, option) == [wt.SELECT_ALL]
    page.keyboard.type("zzzz")
    empty = '[role="listbox"][data-empty="true"] [role="option"] > span'
    page.wait_for_selector(empty)
    assert _shown(page, empty) == [wt.NO_RESULTS]
    page.keyboard.press("Escape")
    page.locator('[data-testid="stDateInput"] button').last.click()  # the calendar
    page.wait_for_selector('[data-testid="stDateInputQuickSelect"]', state="attached")
    assert not page.locator('[data-testid="stDateInputQuickSelect"]').is_visible(), "English quick choices hidden"
    # The popover around the calendar: the quick choices' parent holds the month, the weekdays, the days.
    calendar = page.locator('[data-testid="stDateInputQuickSelect"]').locator("xpath=..").inner_text()
    assert "janeiro" in calendar.lower() and not any(e in calendar for e in ENGLISH), calendar
