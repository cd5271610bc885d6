"""GET /api/v1/locales, the language headers on every response, and the pseudo-locale proof."""

from __future__ import annotations

import pytest
from babel import Locale

from app.i18n import bcp47, locale_meta
from app.i18n.locales import PSEUDO, SUPPORTED, native_name
from app.i18n.pseudo import DEFAULT_ALLOW_KEYS, accent, flip, is_wrapped, unwrapped_strings


def test_locales_lists_every_served_locale_with_native_name_and_direction(client):
    response = client.get("/api/v1/locales")
    assert response.status_code == 200
    items = response.get_json()
    assert [item["id"] for item in items] == list(SUPPORTED + PSEUDO)  # the test config shows pseudo-locales
    by_id = {item["id"]: item for item in items}
    assert by_id["ar"]["dir"] == "rtl" and by_id["ar@pseudo"]["dir"] == "rtl"
    assert {item["id"] for item in items if item["dir"] == "rtl"} == {"ar", "ar@pseudo"}
    assert by_id["zh_Hans"]["name"] == "中文 (简体)" and by_id["zh_Hant"]["name"] == "中文 (繁體)"
    assert by_id["ko"]["name"] == "한국어" and by_id["ja"]["name"] == "日本語"
    assert by_id["ru"]["name"] == "Русский" and by_id["ar"]["name"] == "العربية"
    assert by_id["zh_Hant"]["bcp47"] == "zh-Hant" and by_id["en@pseudo"]["bcp47"] == "en-XA"
    assert by_id["en"]["complete"] == 1.0 and by_id["en"]["percent"] == 100.0
    for item in items:
        assert 0.0 <= item["complete"] <= 1.0
        assert item["dir"] == Locale.parse(item["id"]).text_direction


def test_locales_rejects_other_methods_with_the_envelope(client):
    response = client.post("/api/v1/locales", headers={"Accept-Language": "ko"})
    assert response.status_code == 405
    body = response.get_json()
    assert body["error"]["code"] == "method_not_allowed"
    assert body["error"]["message"] != "This action is not available here."  # Korean
    assert body["locale"] == "ko" and body["dir"] == "ltr"
    assert response.headers["Content-Language"] == "ko"


@pytest.mark.parametrize("locale", SUPPORTED)
def test_error_codes_are_the_same_in_every_locale_and_carry_direction(client, locale):
    response = client.get("/api/v1/no-such-route", headers={"X-Client-Language": locale})
    body = response.get_json()
    assert response.status_code == 404 and body["error"]["code"] == "not_found"
    assert body["locale"] == locale and body["dir"] == ("rtl" if locale == "ar" else "ltr")
    assert response.headers["Content-Language"] == bcp47(locale)


def test_content_language_on_non_api_responses(client):
    response = client.get("/healthz", headers={"Accept-Language": "ja"})
    assert response.headers["Content-Language"] == "ja"


def test_locale_meta_and_names():
    assert locale_meta("ar") == {"locale": "ar", "dir": "rtl"}
    assert native_name("en@pseudo") == "English (pseudo)"


def test_pseudo_transforms_keep_placeholders_and_tags():
    text = 'Hello %(name)s, see <a href="https://example.org">the guide</a> &amp; 50%% off'
    accented = accent(text)
    assert "%(name)s" in accented and '<a href="https://example.org">' in accented and "</a>" in accented
    assert "&amp;" in accented and "%%" in accented
    assert accented.startswith("[") and accented.endswith("]")
    assert len(accent("Continue to the next step")) >= len("Continue to the next step") * 1.4
    flipped = flip(text)
    assert (
        "%(name)s" in flipped and "</a>" in flipped and "\u202e" in flipped and flipped.startswith("\u200f[")
    )


def test_unwrapped_strings_finds_hard_coded_and_glued_text():
    payload = {
        "title": accent("Your card"),
        "hint": "Enter the 18 digits",  # hard-coded
        "body": [accent("First part") + accent("second part")],  # concatenated pieces
        "code": "card.sealed",
        "dir": "ltr",
        "progress": {"current": 2, "total": 7},
        "amount": "1,234.50",
        "summary": [{"label": accent("Name"), "value": "ZHANG SAN"}],
    }
    assert unwrapped_strings(payload) == [
        ("$.hint", "Enter the 18 digits"),
        ("$.body[0]", payload["body"][0]),
    ]
    assert unwrapped_strings(payload, allow_keys=DEFAULT_ALLOW_KEYS | {"hint", "body"}) == []
    assert is_wrapped(flip("Hello"))


@pytest.mark.parametrize("path", ["/api/v1/no-such-route", "/api/v1/locales"])
def test_every_string_is_wrapped_under_en_pseudo(client, path):
    response = client.get(path, headers={"X-Client-Language": "en@pseudo"})
    payload = response.get_json()
    assert unwrapped_strings(payload, allow_keys=DEFAULT_ALLOW_KEYS) == []
    if path.endswith("route"):
        assert is_wrapped(payload["error"]["message"])


def test_error_envelope_is_right_to_left_under_ar_pseudo(client):
    response = client.post("/api/v1/locales", headers={"X-Client-Language": "ar@pseudo"})
    body = response.get_json()
    assert body["dir"] == "rtl" and body["locale"] == "ar@pseudo"
    assert is_wrapped(body["error"]["message"]) and "\u202e" in body["error"]["message"]
    assert response.headers["Content-Language"] == "ar-XB"
