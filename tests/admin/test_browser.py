"""The console in headless Chromium: sign in, compose, translate, preview, publish, read stats; CSRF; roles; zh_Hans."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from tests.admin.conftest import PASSWORD
from tests.notices import conftest as notice_fixtures
from tests.parts import missing_part

make_notice, recipients = notice_fixtures.make_notice, notice_fixtures.recipients  # the notices' fixtures

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package): skipped locally when missing, a failure in CI."""
    if CHROMIUM is None:
        missing_part(
            "Chromium is not installed (apt-get install chromium); the console browser tests need it"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def app_config(database_url):
    """The console as served: CSRF on, like production."""
    from tests.conftest import make_test_config

    return make_test_config(database_url, WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, served from a thread; its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="console", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (its own cookies) with a `sign_in(username)` helper."""
    context = browser.new_context(base_url=live_server, locale="en-US")
    tab = context.new_page()
    tab.set_default_timeout(10_000)

    def sign_in(username: str) -> None:
        tab.goto("/admin/login")
        tab.fill("#username", username)
        tab.fill("#password", PASSWORD)
        tab.click("#login-form button[type=submit]")
        tab.wait_for_url("**/admin/notices")

    tab.sign_in = sign_in
    yield tab
    context.close()


def test_compose_translate_preview_publish_and_read_stats(page, make_admin, recipients):
    recipients(2, "ko")
    recipients(1, "de")
    page.sign_in(make_admin("publisher").username)
    page.click("#new-notice")
    page.select_option("#source_locale", "en")
    page.fill("#title", "Work permits now live on the social security card")
    page.fill("#body", "From **1 December 2024** no physical permit card is issued.")
    page.fill("#source_title", "Renshefa [2024] No. 75")
    page.fill("#source_url", "https://www.mohrss.gov.cn/75")
    page.fill("#source_date", "2024-11-25")
    page.select_option("#category", "policy_change")
    page.select_option("#priority", "important")
    page.wait_for_selector("#recipient-count[data-count='3']")
    page.uncheck("#audience_all")
    page.select_option("#audience_locales", ["ko"])
    page.wait_for_selector("#recipient-count[data-count='2']")
    page.click("#save-notice")
    page.wait_for_selector("#notice-title")
    assert page.inner_text("#recipients") == "2"
    assert "ko" in page.inner_text("#missing-translations")

    page.click("tr[data-locale=ko] a:has-text('Translate')")
    page.fill("#title", "이제 사회보장카드에 취업허가가 들어갑니다")
    page.fill("#body", "2024년 12월 1일부터 **실물 허가증**은 발급되지 않습니다.")
    page.click("#save-translation")
    page.wait_for_selector("#notice-title")

    page.click("tr[data-locale=ko] a:has-text('Preview')")
    assert "사회보장카드" in page.inner_text("#preview-title")
    assert page.inner_html("#preview-body").count("<strong>") == 1
    assert page.locator("#fallback-flag").count() == 0
    page.goto(page.url.replace("/preview/ko", "/preview/ja"))
    assert page.locator("#fallback-flag").count() == 1

    page.goto(page.url.split("/preview/")[0])
    page.click("#publish")
    page.wait_for_selector(".flash")
    page.click("#stats-link")
    assert page.inner_text("#stats-total .delivered") == "2"
    assert page.inner_text("tr[data-locale=ko] .delivered") == "2"


def test_a_form_without_its_csrf_token_is_refused(page, make_admin, make_notice):
    notice = make_notice()
    page.sign_in(make_admin("publisher").username)
    page.goto(f"/admin/notices/{notice.id}")
    page.evaluate("document.querySelector('#publish-form input[name=csrf_token]').remove()")
    page.click("#publish")
    page.wait_for_selector("#error-message")
    assert page.get_attribute("#error-message", "data-status") == "400"
    page.goto(f"/admin/notices/{notice.id}")
    assert page.locator("#publish").count() == 1  # still a draft


def test_a_viewer_cannot_publish(page, make_admin, make_notice):
    notice = make_notice()
    page.sign_in(make_admin("viewer").username)
    page.goto(f"/admin/notices/{notice.id}")
    assert page.locator("#publish").count() == 0
    status = page.evaluate(
        """async (id) => {
            const token = document.querySelector('form.logout input[name=csrf_token]').value;
            const body = new URLSearchParams({csrf_token: token});
            const response = await fetch(`/admin/notices/${id}/publish`, {method: 'POST', body});
            return response.status;
        }""",
        notice.id,
    )
    assert status == 403


def test_the_console_in_simplified_chinese(page, make_admin):
    page.sign_in(make_admin("viewer").username)
    page.select_option("#lang", "zh_Hans")
    page.wait_for_url("**lang=zh_Hans")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    page.goto("/admin/notices")
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert page.eval_on_selector("#lang", "select => select.value") == "zh_Hans"


def test_a_translation_of_a_published_notice_waits_for_a_publisher(
    browser, live_server, make_admin, make_notice
):
    notice = make_notice(publish=True, deliver=False)
    pages = []
    for role in ("translator", "publisher"):
        context = browser.new_context(base_url=live_server, locale="en-US")
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.goto("/admin/login")
        tab.fill("#username", make_admin(role).username)
        tab.fill("#password", PASSWORD)
        tab.click("#login-form button[type=submit]")
        tab.wait_for_url("**/admin/notices")
        pages.append((context, tab))
    (_, translator), (_, publisher) = pages
    try:
        translator.goto(f"/admin/notices/{notice.id}/translate/en")
        assert translator.locator("#draft-warning").count() == 1
        translator.fill("#title", "Permits are on the card now")
        translator.click("#save-translation")
        translator.wait_for_selector("#draft")
        assert translator.locator("#publish-draft").count() == 0
        assert "Work permit merged" in translator.inner_text("tr[data-locale=en]")  # readers' text unchanged

        publisher.goto(f"/admin/notices/{notice.id}")
        compare = publisher.inner_text("#draft-compare")
        assert "Work permit merged into the social security card" in compare
        assert "Permits are on the card now" in compare
        publisher.click("#publish-draft")
        publisher.wait_for_selector(".flash")
        assert "Version 2 is published" in publisher.inner_text(".flash")
        assert publisher.locator("#draft").count() == 0
        assert "Permits are on the card now" in publisher.inner_text("tr[data-locale=en]")
    finally:
        for context, _tab in pages:
            context.close()
