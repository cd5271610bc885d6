"""The console with the keyboard alone: a publisher composes, translates, previews and publishes a notice."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD
from tests.admin.test_browser import app_config, browser, live_server  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.browser

#: Tab presses allowed to reach one control (the longest way: past the 11 rows of the translations table).
MAX_TABS = 80

FOCUS_STYLE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.innerText || el.value || '').slice(0, 40),
            outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
            visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden'};
}"""


def focused(page) -> dict:
    """The focused element, its outline width and whether it is shown; fails when the focus is not visible."""
    state = page.evaluate(FOCUS_STYLE)
    assert state is not None, f"nothing has the focus on {page.url}"
    assert state["visible"] and state["outline"] >= 2, f"the focus is not visible on {page.url}: {state}"
    return state


def tab_to(page, selector: str) -> None:
    """Press Tab until `selector` has the focus, checking the focus is visible at every stop."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused(page)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} not reached with {MAX_TABS} presses of Tab on {page.url}")


def type_into(page, selector: str, text: str) -> None:
    """Tab to a field, clear it and type."""
    tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def press_enter_and_wait(page) -> None:
    """Press Enter on the focused control and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_publisher_publishes_a_notice_with_the_keyboard_alone(browser, live_server, make_admin):  # noqa: F811
    publisher = make_admin("publisher")
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto("/admin/login?lang=en")
        assert focused(page)["id"] == "username"  # the form's first field has the focus on arrival
        page.keyboard.type(publisher.username)
        type_into(page, "#password", PASSWORD)
        press_enter_and_wait(page)
        assert page.url.endswith("/admin/notices")

        tab_to(page, "#new-notice")
        press_enter_and_wait(page)
        tab_to(page, "#source_locale")
        page.keyboard.type("English")  # a select takes the option whose text starts so
        assert page.eval_on_selector("#source_locale", "s => s.value") == "en"
        type_into(page, "#title", "Pension top-up: apply by 30 June")
        type_into(page, "#body", "Apply at the **district office** with your passport.")
        type_into(page, "#source_title", "Circular on the pension top-up")
        type_into(page, "#source_url", "not a web address")
        tab_to(page, "#source_date")
        page.keyboard.type("05202025")
        tab_to(page, "#save-notice")
        press_enter_and_wait(page)

        # A failed submit: the first field in error has the focus, its error announced with it.
        state = focused(page)
        assert state["id"] == "source_url", state
        assert page.get_attribute("#source_url", "aria-invalid") == "true"
        described = page.get_attribute("#source_url", "aria-describedby").split()
        assert "source_url-error" in described
        assert page.inner_text("#source_url-error") == "Enter a web address."
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type("https://www.mohrss.gov.cn/pension-top-up")
        tab_to(page, "#save-notice")
        press_enter_and_wait(page)
        assert page.inner_text("#notice-title") == "Pension top-up: apply by 30 June"

        tab_to(page, "tr[data-locale=zh_Hans] a[href*='/translate/']")
        press_enter_and_wait(page)
        type_into(page, "#title", "养老金补缴：6月30日前申请")
        type_into(page, "#body", "请携带护照到**区社保中心**办理。")
        tab_to(page, "#save-translation")
        press_enter_and_wait(page)
        assert "zh_Hans" not in (page.text_content("#missing-translations") or "")

        tab_to(page, "tr[data-locale=zh_Hans] a[href*='/preview/']")
        press_enter_and_wait(page)
        assert page.inner_text("#preview-title") == "养老金补缴：6月30日前申请"
        notice_id = page.url.split("/notices/")[1].split("/")[0]
        tab_to(page, f"main a[href$='/notices/{notice_id}']")
        press_enter_and_wait(page)

        tab_to(page, "#publish")
        press_enter_and_wait(page)
        assert "published" in page.inner_text(".flash")
        assert page.locator(".badge.status-published").count() == 1
    finally:
        context.close()
