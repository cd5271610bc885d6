"""WCAG 2.2 AA in the console: axe-core over every page a role can reach, in en, zh_Hans and ar."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD
from tests.admin.test_browser import app_config, browser, live_server  # noqa: F401 - shared fixtures
from tests.notices import conftest as notice_fixtures

make_notice, recipients = notice_fixtures.make_notice, notice_fixtures.recipients  # the notices' fixtures

pytestmark = pytest.mark.browser

#: The console's languages the run covers: the source, a CJK one and a right-to-left one.
LOCALES = ("en", "zh_Hans", "ar")
#: axe impacts that fail the run.
BLOCKING = frozenset({"serious", "critical"})
#: The WCAG 2.0–2.2 A/AA rules, plus axe's best practices (landmarks, headings, names).
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def axe_violations(page, name: str) -> list[str]:
    """Serious and critical axe violations of the page now shown: one line each, naming page, rule and element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AXE_OPTIONS).response
    lines = []
    for violation in results["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            snippet = " ".join(node["html"].split())[:160]
            lines.append(
                f"{name}: {violation['id']} ({violation['impact']}) at {target} {snippet} — "
                f"{violation['help']}"
            )
    return lines


@pytest.fixture
def console_site(app, make_admin, make_notice, recipients):
    """Every kind of console page with data in it: notices, an import in each state, an in-person reference."""
    from app.extensions import get_redis
    from app.registry import import_progress
    from app.verify import verification
    from tests.factories import make_in_person_reference, make_person, make_user

    recipients(2, "ko")
    draft = make_notice()
    published = make_notice(publish=True)
    redis = get_redis()
    imports = {}
    for state, extra in (
        ("running", {"rows": 420, "total": 1000, "rate": 5600, "eta_seconds": 65}),
        (
            "done",
            {
                "rows": 3,
                "total": 3,
                "report": {
                    "rows": 3,
                    "added": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "rejected": 2,
                    "rejections_truncated": True,
                    "rejections": [
                        {"line": 2, "column": "date_of_birth", "reason": "not a date"},
                        {"line": 3, "column": None, "reason": "duplicate row"},
                    ],
                },
            },
        ),
        ("failed", {"error": "The file is not UTF-8."}),
    ):
        token = import_progress.new_token()
        import_progress.start(
            redis, token, filename=f"people-{state}.csv", total=extra.get("total", 10), admin_id=1
        )
        import_progress.update(redis, token, state=state, **extra)
        imports[state] = token
    person = make_person(passport_name="KIM, Min-jun", nationality="KOR")
    user = make_user(locale="ko")
    verification.match_identity(
        user.id,
        identifier_type="permit_number",
        identifier="156999999999999999",
        passport_name="KIM MIN JUN",
        date_of_birth=person.date_of_birth,
    )
    reference = make_in_person_reference(user, person)
    return {
        "admin": make_admin("superadmin"),
        "draft": draft,
        "published": published,
        "imports": imports,
        "reference": reference,
    }


def get_pages(site) -> list[tuple[str, str]]:
    """The console pages reached by a link (name, path), with the site's data in them."""
    draft, published = site["draft"].id, site["published"].id
    return [
        ("notices list", "/admin/notices"),
        ("compose", "/admin/notices/new"),
        ("notice (published)", f"/admin/notices/{published}"),
        ("translate (rtl)", f"/admin/notices/{draft}/translate/ar"),
        ("preview", f"/admin/notices/{draft}/preview/en"),
        ("stats", f"/admin/notices/{published}/stats"),
        ("versions", f"/admin/notices/{published}/versions"),
        ("audit log", "/admin/audit"),
        ("registry import", "/admin/registry/import"),
        ("registry import progress (done)", f"/admin/registry/import/{site['imports']['done']}"),
        ("in-person checks, a reference", f"/admin/verifications?reference={site['reference']}"),
        ("translations", "/admin/translations"),
        ("journey preview", "/admin/translations/preview?locale=ar"),
        ("account", "/admin/account"),
    ]


def sign_in(page, username: str, locale: str) -> None:
    """Sign in to the console in `locale`."""
    page.goto(f"/admin/login?lang={locale}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/notices")


def submit_without_browser_checks(page, form: str) -> None:
    """Submit a form as the server sees it when the browser's own checks are absent (server errors shown)."""
    with page.expect_navigation():
        page.evaluate(
            "(selector) => { const f = document.querySelector(selector); f.noValidate = true;"
            " f.requestSubmit(); }",
            form,
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_console_page_has_no_serious_axe_violation(browser, live_server, console_site, locale):  # noqa: F811
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    site = console_site
    draft, published = site["draft"].id, site["published"].id
    found: list[str] = []
    checked: list[str] = []

    def check(name: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(path)
        page.wait_for_load_state("load")
        checked.append(name)
        found.extend(axe_violations(page, f"{name} [{locale}]"))

    try:
        check("sign-in", f"/admin/login?lang={locale}")
        assert page.get_attribute("html", "lang") == locale.replace("_", "-")
        assert page.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
        page.fill("#username", site["admin"].username)
        page.fill("#password", "not the password")
        page.click("#login-form button[type=submit]")
        check("sign-in with an error")
        page.fill("#username", site["admin"].username)
        page.fill("#password", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url("**/admin/notices")
        check("notices list")
        check("notices list, filtered", "/admin/notices?status=published")
        check("compose", "/admin/notices/new")
        submit_without_browser_checks(page, "#notice-form")
        check("compose with errors")
        check("edit", f"/admin/notices/{draft}/edit")
        check("notice (draft)", f"/admin/notices/{draft}")
        check("notice (published)", f"/admin/notices/{published}")
        check("translate (ltr)", f"/admin/notices/{draft}/translate/ko")
        check("translate (rtl)", f"/admin/notices/{draft}/translate/ar")
        submit_without_browser_checks(page, "#translation-form")
        check("translate with errors")
        check("preview", f"/admin/notices/{draft}/preview/en")
        check("preview (fallback)", f"/admin/notices/{draft}/preview/ko")
        check("stats", f"/admin/notices/{published}/stats")
        check("versions", f"/admin/notices/{published}/versions")
        check("audit log", "/admin/audit")
        check("registry import", "/admin/registry/import")
        submit_without_browser_checks(page, "#upload-form")
        check("registry import with an error")
        for state, token in site["imports"].items():
            check(f"registry import progress ({state})", f"/admin/registry/import/{token}")
        check("in-person checks", "/admin/verifications")
        check("in-person checks, a reference", f"/admin/verifications?reference={site['reference']}")
        check("in-person checks, an unknown reference", "/admin/verifications?reference=ZZZZ-ZZZZ")
        check("translations", "/admin/translations")
        check("journey preview", f"/admin/translations/preview?locale={locale}")
        check("account", "/admin/account")
        check("not found", "/admin/notices/999999")
    finally:
        context.close()
    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)


HORIZONTAL_OVERFLOW = """() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return null;
    const wide = [...document.querySelectorAll('body *')].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.right > root.clientWidth + 1 || box.left < -1;
    }).filter((el) => !el.parentElement.closest('.scroll'));
    return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
            widest: wide.slice(0, 3).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                                         + (el.className ? '.' + el.className : ''))};
}"""


@pytest.mark.parametrize("locale", ("en", "ar"))
def test_the_console_reflows_at_320_px_and_at_200_percent_text(browser, live_server, console_site, locale):  # noqa: F811
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 320, "height": 640}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    overflowing = []
    try:
        sign_in(page, console_site["admin"].username, locale)
        for name, path in [("sign-in", "/admin/login"), *get_pages(console_site)]:
            for width, text in ((320, "100%"), (640, "200%")):
                page.set_viewport_size({"width": width, "height": 640})
                page.goto(path)
                # Text zoom as a browser does it: the root font size (the stylesheets size in rem and em).
                page.evaluate("(size) => { document.documentElement.style.fontSize = size; }", text)
                overflow = page.evaluate(HORIZONTAL_OVERFLOW)
                if overflow:
                    overflowing.append(f"{name} [{locale}] at {width} px, text {text}: {overflow}")
    finally:
        context.close()
    assert not overflowing, "pages that scroll sideways:\n" + "\n".join(overflowing)
