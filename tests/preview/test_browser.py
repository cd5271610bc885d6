"""The mini program preview in headless Chromium: the journeys and pages in every locale, no text overflowing."""

from __future__ import annotations

import itertools
import shutil
import subprocess

import pytest

from app.i18n.locales import PSEUDO, SUPPORTED
from tests.admin.test_accessibility import LOCALES as AXE_LOCALES
from tests.admin.test_accessibility import axe_violations
from tests.admin.test_browser import CHROMIUM_ARGS, browser, live_server  # noqa: F401 - shared fixtures
from tests.factories import make_person
from tests.parts import missing_part

pytestmark = pytest.mark.browser

#: The phone screen's overflow check, the preview's own (window.preview.overflows).
OVERFLOWS = "() => window.preview.overflows()"


#: Scripts the journey's locales need a font for (fontconfig language tags); without one Chromium
#: draws empty boxes, whose widths say nothing about overflow.
SCRIPTS = ("zh-cn", "zh-tw", "ja", "ko", "ar", "ru", "vi")


@pytest.fixture(scope="module")
def fonts():
    """Every script's font (Debian: fonts-noto-cjk for Chinese, Japanese and Korean)."""
    if shutil.which("fc-list") is None:
        missing_part("fontconfig is not installed; the preview's screenshots need it")
    lacking = [
        tag
        for tag in SCRIPTS
        if not subprocess.run(
            ["fc-list", f":lang={tag}", "family"], capture_output=True, text=True, check=False
        ).stdout.strip()
    ]
    if lacking:
        missing_part(f"no font for {', '.join(lacking)} (apt-get install fonts-noto-cjk)")


@pytest.fixture
def phone_page(browser, live_server, fonts):  # noqa: F811 - pytest's fixture by name
    """One browser page for the whole walk."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 900, "height": 800}, locale="en-US"
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


class Walk:
    """One locale's walk: waits for each screen, checks it for overflow and photographs it."""

    def __init__(self, page, locale: str, folder, *, axe: bool = False):
        self.page, self.locale, self.folder, self.axe = page, locale, folder, axe
        self.shots: list[str] = []
        self.overflows: list[str] = []
        self.violations: list[str] = []

    def screen(self, step: str, label: str | None = None, page: str = "verify") -> None:
        """Wait for `step` of `page` drawn and idle; record its overflow and a screenshot."""
        self.page.wait_for_selector(f"#mp-frame[data-page='{page}'][data-step='{step}'][data-busy='']")
        name = label or step
        for item in self.page.evaluate(OVERFLOWS):
            self.overflows.append(f"{self.locale} / {name}: {item['text']!r} overflows {item['box']}")
        path = self.folder / f"{self.locale}-{len(self.shots) + 1:02d}-{name}.png"
        self.page.locator(".pv-phone").screenshot(path=str(path))
        self.shots.append(str(path))
        if self.axe:
            self.violations += axe_violations(self.page, f"preview {name} [{self.locale}]")

    def primary(self) -> None:
        """Tap the screen's primary button."""
        self.page.click("#mp-frame .action-primary")

    def choose(self, value: str) -> None:
        """Tick the radio button or checkbox of `value`."""
        self.page.click(f"#mp-frame .choice:has(input[value='{value}'])")

    def type(self, name: str, value: str) -> None:
        """Type into the text field `name`."""
        self.page.fill(f"#mp-frame input[name='{name}']", value)


def walk_verification(page, locale: str, person, folder, *, axe: bool = False, walk_class=Walk) -> Walk:
    """The verification journey from the language screen to its result, as a new user in `locale`."""
    walk = walk_class(page, locale, folder, axe=axe)
    page.goto("/_preview/")  # the session storage of the origin: a new emulator user each time
    page.evaluate("sessionStorage.clear()")
    page.goto(f"/_preview/?lang={locale}")
    walk.screen("language")
    walk.choose(locale)
    walk.primary()
    walk.screen("start")
    walk.primary()
    walk.screen("consent")
    walk.choose("on")
    walk.primary()
    walk.screen("name")
    walk.primary()
    walk.screen("name", "name-error")
    walk.type("passport_name", person.passport_name)
    walk.primary()
    walk.screen("identifier_type")
    walk.choose("permit_number")
    walk.primary()
    walk.screen("identifier")
    walk.type("identifier", person.permits[0].permit_number)
    walk.primary()
    walk.screen("date_of_birth")
    page.fill("#mp-frame input[name='date_of_birth']", person.date_of_birth.isoformat())
    page.wait_for_selector(f"#mp-frame .picker-value:text('{person.date_of_birth.isoformat()}')")
    walk.primary()
    walk.screen("check")
    walk.primary()
    walk.screen("second_factor")
    walk.choose("phone")
    walk.primary()
    walk.screen("phone")
    page.fill("#pv-phone", person.phone)
    page.click("#mp-frame .phone-button")
    walk.screen("result")
    return walk


#: The mini program's pages a verified user opens from the card and the navigation (pages/index only
#: routes: to the card). Each is one screen, named by its page.
PAGES = ("permit", "insurances", "contributions", "qr", "notices", "guides", "settings")
#: The guides' pages (app/guides/journey.py), each a screen of pages/guide.
GUIDE_PAGES = 13
#: The screens of the walk after the journey: the card, the pages, an opened notice, the guides' pages.
PAGE_SCREENS = 1 + len(PAGES) + 1 + GUIDE_PAGES


PUBLISHERS = itertools.count(1)


def verified_person():
    """A person whose pages have something in every block: an active card, an exemption, contributions."""
    return make_person(
        passport_name="MÜLLER-LÜDENSCHEIDT, Hans Peter",
        card_status="normal",
        exempt=("pension", "unemployment"),
        contributions_months=14,
    )


def deliver_notice() -> None:
    """A published notice (with its official source) in the inbox of every verified user."""
    from app.accounts import admin_auth
    from app.notices import delivery, editing, publishing
    from tests.notices.conftest import notice_payload

    admin = admin_auth.create_admin(f"publisher-{next(PUBLISHERS)}", "correct horse battery", "publisher")
    actor = admin_auth.actor_for(admin)
    notice = editing.create_notice(notice_payload(), actor)
    publishing.publish(notice.id, actor)
    delivery.fan_out(notice.id, enqueue_batch=lambda *args: None)


def walk_pages(walk: Walk) -> None:
    """From the journey's result: the card, every page, a notice opened, then every guide page by page."""
    page, locale = walk.page, walk.locale
    with page.expect_navigation():
        walk.primary()
    walk.screen("card", page="card")
    guides = 0
    for name in PAGES:
        page.goto(f"/_preview/?lang={locale}&page={name}")
        walk.screen(name, page=name)
        if name == "guides":
            guides = page.locator("#mp-frame .guide").count()
    deliver_notice()
    page.goto(f"/_preview/?lang={locale}&page=notices")
    page.wait_for_selector("#mp-frame[data-page='notices'][data-busy=''] .notice-title")
    page.click("#mp-frame .notice-title")
    page.wait_for_selector("#mp-frame .notice-body")
    walk.screen("notices", "notice-open", page="notices")
    for index in range(guides):
        page.goto(f"/_preview/?lang={locale}&page=guides")
        page.wait_for_selector("#mp-frame[data-page='guides'][data-busy='']")
        with page.expect_navigation():
            page.click(f"#mp-frame .guide >> nth={index}")
        walk_guide(walk, f"guide-{index + 1}")


def walk_guide(walk: Walk, name: str) -> None:
    """A guide from its first page to its last, by its Continue button."""
    while True:
        walk.page.wait_for_selector("#mp-frame[data-page='guide'][data-busy='']")
        step = walk.page.get_attribute("#mp-frame", "data-step")
        walk.screen(step, f"{name}-{step}", page="guide")
        if walk.page.get_attribute("#mp-frame .action-primary", "data-action") != "continue":
            return
        with walk.page.expect_navigation():
            walk.primary()


#: Every language, and the pseudo-languages: each text 40% longer, with a long unbreakable run.
LOCALES = SUPPORTED + PSEUDO


@pytest.mark.parametrize("locale", LOCALES)
def test_every_screen_without_overflow(phone_page, db, tmp_path, locale):
    """The journey and every page in one language (a test per language: each walk takes about a minute)."""
    walk = walk_verification(phone_page, locale, verified_person(), tmp_path)
    direction = phone_page.get_attribute("#mp-frame .screen", "class")
    rtl = locale.startswith("ar")
    assert ("rtl" if rtl else "ltr") in direction.split(), (locale, direction)
    assert phone_page.get_attribute("html", "dir") == ("rtl" if rtl else "ltr")
    walk_pages(walk)
    assert ("rtl" if rtl else "ltr") in phone_page.get_attribute("#mp-frame .page", "class").split()
    print(f"{len(walk.shots)} screenshots in {tmp_path}")
    assert len(walk.shots) == 12 + PAGE_SCREENS
    assert not walk.overflows, "\n".join(walk.overflows)


@pytest.mark.parametrize("locale", AXE_LOCALES)
def test_every_preview_screen_has_no_serious_axe_violation(phone_page, db, tmp_path, locale):
    """axe-core over every screen the preview draws: the journey, the pages, the guides (WCAG 2.2 AA)."""
    walk = walk_verification(phone_page, locale, verified_person(), tmp_path, axe=True)
    walk_pages(walk)
    assert len(walk.shots) == 12 + PAGE_SCREENS
    assert not walk.violations, f"{len(walk.violations)} serious or critical axe violations:\n" + "\n".join(
        walk.violations
    )


def test_the_check_finds_text_that_overflows_the_phone(phone_page, db, tmp_path):
    walk_verification(phone_page, "de", make_person(), tmp_path)
    assert phone_page.evaluate(OVERFLOWS) == []
    # A long word wraps (screen.wxss); a layout that stops lines from wrapping does not.
    phone_page.evaluate("document.querySelector('#mp-frame .title').textContent = 'W'.repeat(80)")
    assert phone_page.evaluate(OVERFLOWS) == []
    phone_page.evaluate("document.querySelector('#mp-frame .title').style.whiteSpace = 'nowrap'")
    found = phone_page.evaluate(OVERFLOWS)
    assert found == [{"text": "W" * 80, "box": "frame"}]
    # An ellipsis is a cut the design draws on purpose (the navigation's labels): not an overflow.
    phone_page.evaluate("""() => {
        const title = document.querySelector('#mp-frame .title');
        title.style.overflow = 'hidden';
        title.style.textOverflow = 'ellipsis';
    }""")
    assert phone_page.evaluate(OVERFLOWS) == []
    phone_page.evaluate("document.querySelector('#mp-frame .title').style.textOverflow = 'clip'")
    assert phone_page.evaluate(OVERFLOWS) == [{"text": "W" * 80, "box": "div.title"}]
    phone_page.evaluate("""() => {
        const button = document.querySelector('#mp-frame .action-primary');
        button.textContent = 'Sozialversicherungsnummernbestätigung';
        button.style.wordBreak = 'normal';
        button.style.overflowWrap = 'normal';
    }""")
    found = phone_page.evaluate(OVERFLOWS)
    assert {
        "text": "Sozialversicherungsnummernbestätigung",
        "box": "button.button.button-primary.action-primary",
    } in found


def test_the_language_switch_redraws_the_phone_right_to_left(phone_page, db):
    phone_page.goto("/_preview/?lang=en")
    phone_page.wait_for_selector("#mp-frame[data-step='language'][data-busy='']")
    phone_page.click("#mp-frame .choice:has(input[value='en'])")
    phone_page.click("#mp-frame .action-primary")
    phone_page.wait_for_selector("#mp-frame[data-step='start'][data-busy='']")
    phone_page.select_option("#pv-lang", "ar")
    phone_page.wait_for_url("**lang=ar")
    phone_page.wait_for_selector("#mp-frame[data-step='start'][data-busy='']")
    assert phone_page.get_attribute("html", "dir") == "rtl"
    assert "rtl" in phone_page.get_attribute("#mp-frame .screen", "class").split()
    assert phone_page.inner_text("#pv-navbar") == phone_page.inner_text("#mp-frame .title")
    # The same emulator user, now answered in Arabic; "Start again" makes a new one.
    phone_page.click("#pv-restart")
    phone_page.wait_for_selector("#mp-frame[data-step='language'][data-busy='']")


#: The browser's text size at 200%: the root font size doubled, as a reader's text-size setting does
#: (in WeChat, the phone's font size through each page's `<page-meta root-font-size="system">`).
LARGE_TEXT = "document.addEventListener('DOMContentLoaded', () => { document.documentElement.style.fontSize = '32px'; })"

#: Buttons of the phone whose content is cut: wider or taller than the button shows.
CLIPPED_BUTTONS = """() => Array.from(document.querySelectorAll('#mp-frame button'))
    .filter((button) => button.scrollWidth > button.clientWidth + 1 || button.scrollHeight > button.clientHeight + 1)
    .map((button) => button.textContent.trim())"""

#: Sizes that say the text grew: the root, the screen's title (1.375rem) and a paragraph (1rem), in px.
TEXT_SIZES = """() => ({
    root: getComputedStyle(document.documentElement).fontSize,
    title: getComputedStyle(document.querySelector('#mp-frame .title')).fontSize,
    body: getComputedStyle(document.querySelector('#mp-frame .screen')).fontSize,
    frameOverflow: document.getElementById('mp-frame').scrollWidth - document.getElementById('mp-frame').clientWidth,
})"""


@pytest.fixture
def large_text_page(browser, live_server, fonts):  # noqa: F811 - pytest's fixture by name
    """A browser page whose text is at 200% (root font size 32 px instead of 16 px)."""
    context = browser.new_context(
        base_url=live_server, viewport={"width": 900, "height": 800}, locale="en-US"
    )
    context.add_init_script(LARGE_TEXT)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


class LargeTextWalk(Walk):
    """A walk that also records, on each screen, the buttons that cut their text and the text sizes."""

    def __init__(self, page, locale: str, folder, *, axe: bool = False):
        super().__init__(page, locale, folder, axe=axe)
        self.clipped: list[str] = []
        self.sizes: list[dict] = []

    def screen(self, step: str, label: str | None = None) -> None:
        """The screen's overflow and photograph, then its cut buttons and its text sizes."""
        super().screen(step, label)
        self.clipped += [
            f"{self.locale} / {label or step}: {text!r}" for text in self.page.evaluate(CLIPPED_BUTTONS)
        ]
        self.sizes.append(self.page.evaluate(TEXT_SIZES))


@pytest.mark.parametrize("locale", AXE_LOCALES)
def test_the_journey_holds_at_200_percent_text(large_text_page, db, tmp_path, locale):
    """Every journey screen with text at 200% on the 375 px phone: nothing sideways, no button cut (WCAG 1.4.4)."""
    person = make_person(passport_name="MÜLLER-LÜDENSCHEIDT, Hans Peter")
    walk = walk_verification(large_text_page, locale, person, tmp_path, walk_class=LargeTextWalk)
    assert len(walk.shots) == 12
    # The text did grow: rem in the mini program's WXSS follows the root font size.
    assert {(item["root"], item["title"], item["body"]) for item in walk.sizes} == {("32px", "44px", "32px")}
    assert [item["frameOverflow"] for item in walk.sizes] == [0] * 12, "the phone scrolls sideways"
    assert not walk.overflows, "\n".join(walk.overflows)
    assert not walk.clipped, "buttons cut their text:\n" + "\n".join(walk.clipped)
    # The button check sees a button whose label cannot wrap.
    large_text_page.evaluate("""() => {
        const button = document.querySelector('#mp-frame button');
        button.textContent = 'Sozialversicherungsnummernbestätigung';
        button.style.whiteSpace = 'nowrap';
    }""")
    assert large_text_page.evaluate(CLIPPED_BUTTONS) == ["Sozialversicherungsnummernbestätigung"]
