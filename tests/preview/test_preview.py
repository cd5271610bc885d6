"""The mini program preview: served in development and testing only, styled by the mini program's own WXSS."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app import create_app
from app.config import PROJECT_ROOT
from app.preview import MINIPROGRAM, PAGES, stylesheets
from app.preview.wxss import FRAME_HEIGHT, translate
from tests.platform.test_config import environment  # noqa: F401 - the production environment fixture


def test_wxss_lengths_and_selectors_are_translated():
    css = translate(
        "/* shared */\npage { padding: 32rpx; }\n.a, .b .c { margin: 16rpx -8rpx; min-height: 100vh; }"
    )
    assert css == (
        ".mp-frame { padding: 16px; }\n"
        f".mp-frame .a, .mp-frame .b .c {{ margin: 8px -4px; min-height: {FRAME_HEIGHT}px; }}\n"
    )


def test_rem_follows_the_browsers_text_size_and_rpx_the_frames_width():
    css = translate(
        ".title { font-size: 1.375rem; line-height: 1.5; margin: 24rpx; }\n"
        ".page { padding-bottom: calc(80rpx + 2.5rem); }"
    )
    assert css == (
        ".mp-frame .title { font-size: 1.375rem; line-height: 1.5; margin: 12px; }\n"
        ".mp-frame .page { padding-bottom: calc(40px + 2.5rem); }\n"
    )


def test_wxss_it_does_not_understand_is_refused():
    with pytest.raises(ValueError, match="at-rules"):
        translate("@import 'other.wxss';")
    with pytest.raises(ValueError, match="not understood"):
        translate(".a { color: red; } .b { color: blue;")


def test_the_stylesheet_is_the_mini_programs_wxss(client):
    response = client.get("/_preview/miniprogram.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert ".mp-frame .title { font-size: 1.375rem; font-weight: bold; margin-bottom: 12px; }" in css
    assert ".mp-frame .button-primary { background: #00703c; color: #ffffff; }" in css
    assert "rpx" not in css


def test_each_page_is_styled_by_its_own_wxss(client):
    card = client.get("/_preview/miniprogram.css?page=card").get_data(as_text=True)
    assert "/* pages/card/card.wxss */" in card and "/* components/nav/nav.wxss */" in card
    assert ".mp-frame .shortcut {" in card
    assert "pages/settings/settings.wxss" not in card  # WeChat scopes a page's WXSS to that page
    journey = client.get("/_preview/miniprogram.css?page=nowhere").get_data(as_text=True)
    assert "/* pages/verify/verify.wxss */" in journey and "/* components/screen/screen.wxss */" in journey


def test_a_page_keeps_its_name_across_the_language_switch(client):
    html = client.get("/_preview/?lang=ar&page=guide&slug=lost-card&guide_page=formal").get_data(as_text=True)
    assert (
        'data-page="guide"' in html and 'data-slug="lost-card"' in html and 'data-guide-page="formal"' in html
    )
    assert '<input type="hidden" name="page" value="guide">' in html
    assert 'href="/_preview/miniprogram.css?page=guide"' in html
    assert 'data-page="verify"' in client.get("/_preview/?page=../admin").get_data(as_text=True)


def test_the_page_offers_every_locale_and_sets_the_direction(client):
    page = client.get("/_preview/?lang=ar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert 'value="zh_Hans"' in html and 'value="ar"' in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_shared_code_is_the_mini_programs_and_nothing_else(client):
    script = client.get("/_preview/lib/screen.js")
    assert script.status_code == 200
    assert "function viewModel(doc, values)" in script.get_data(as_text=True)
    assert client.get("/_preview/lib/config.js").status_code == 404
    icon = client.get("/_preview/assets/icons/pencil.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()


@pytest.mark.parametrize("emulator", [False, True])
def test_production_does_not_serve_the_preview(environment, emulator):  # noqa: F811 - pytest's fixture by name
    production = create_app({"WECHAT_EMULATOR": emulator})
    assert production.config["APP_ENV"] == "production"
    assert "preview" not in production.blueprints
    assert production.test_client().get("/_preview/").status_code == 404


#: What the WXML draws that a browser cannot reach, and why.
NOT_IN_BROWSER = {
    "privacy-note": "the note after refusing WeChat's privacy pop-up: a browser has no privacy gate to refuse",
    "source-url": "the address shown with that note (pages/notices), when the clipboard was refused",
}
#: Every WXML the preview mirrors: the screen and navigation components and every page it draws.
MIRRORED = (
    "components/screen/screen.wxml",
    "components/nav/nav.wxml",
    *(f"pages/{page}/{page}.wxml" for page in PAGES),
)


def wxml_classes(path: Path) -> set[str]:
    """Every class a WXML file can give an element: the literal ones and those its expressions pick."""
    classes = set()
    for value in re.findall(r'(?<![\w-])class="([^"]*)"', path.read_text(encoding="utf-8")):
        for expression in re.findall(r"\{\{(.*?)\}\}", value):
            classes.update(re.findall(r"'([\w-]+)'", expression))
        classes.update(re.sub(r"\{\{.*?\}\}", " ", value).split())
    return classes


def preview_classes() -> set[str]:
    """Every class name preview.js can draw: the words of its string literals."""
    script = Path(PROJECT_ROOT, "app/preview/static/preview.js").read_text(encoding="utf-8")
    drawn = set()
    for literal in re.findall(r"'([^'\n]*)'", script):
        drawn.update(literal.split())
    for literal in re.findall(r"`([^`\n]*)`", script):
        drawn.update(re.sub(r"\$\{[^}]*\}", " ", literal).split())
    return drawn


def test_the_preview_mirrors_every_page_of_the_mini_program():
    """Every page of app.json is drawn by the preview (`?page=`), with the WXSS it needs."""
    app_json = json.loads(Path(PROJECT_ROOT, "miniprogram_stub/app.json").read_text(encoding="utf-8"))
    assert {f"pages/{page}/{page}" for page in PAGES} == set(app_json["pages"])
    for page in PAGES:
        for name in stylesheets(page):
            assert (MINIPROGRAM / name).is_file(), name


@pytest.mark.parametrize("wxml", MIRRORED)
def test_the_preview_draws_every_class_of_the_wxml(wxml):
    """preview.js mirrors each WXML it draws: a class added there and not here fails, naming the file."""
    classes = wxml_classes(MINIPROGRAM / wxml)
    assert classes, wxml
    missing = classes - preview_classes() - set(NOT_IN_BROWSER)
    assert not missing, f"{wxml}: classes the preview does not draw: {sorted(missing)}"


def test_the_class_check_sees_the_screen_and_page_classes():
    """The check reads literal classes and those picked by expressions, and fails on a class not drawn."""
    stub = MINIPROGRAM
    classes = wxml_classes(stub / "components/screen/screen.wxml") | wxml_classes(
        stub / "pages/card/card.wxml"
    )
    assert {
        "screen",
        "summary-note",
        "field-has-error",
        "rtl",
        "action-secondary",
        "usable",
        "unusable",
    } <= classes
    assert "not-drawn-anywhere" not in preview_classes()
