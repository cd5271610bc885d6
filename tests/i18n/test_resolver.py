"""The locale resolver: WeChat tags, Accept-Language, junk; script-aware for Chinese; never raises."""

from __future__ import annotations

import pytest
from flask import jsonify
from hypothesis import given, settings
from hypothesis import strategies as st

from app.i18n import current_locale_id, select_locale
from app.i18n.locales import PSEUDO, SUPPORTED, match, parse_accept_language, resolve_locale

from .conftest import mini_app

JUNK = "x" * 500

TABLE = [
    ("zh_CN", "zh_Hans"),
    ("zh-CN", "zh_Hans"),
    ("zh", "zh_Hans"),
    ("ZH-cn", "zh_Hans"),
    ("zh-Hans", "zh_Hans"),
    ("zh_Hans_CN", "zh_Hans"),
    ("zh_SG", "zh_Hans"),
    ("zh-hans-sg", "zh_Hans"),
    ("cmn", "zh_Hans"),
    ("zh_TW", "zh_Hant"),
    ("zh-TW", "zh_Hant"),
    ("zh_HK", "zh_Hant"),
    ("zh-Hant-HK", "zh_Hant"),
    ("zh_MO", "zh_Hant"),
    ("zh-Hant", "zh_Hant"),
    ("ZH_hant_tw", "zh_Hant"),
    ("zh_Hans_TW", "zh_Hans"),
    ("yue-HK", "zh_Hant"),
    ("en", "en"),
    ("en_US", "en"),
    ("en-GB", "en"),
    ("EN-gb", "en"),
    ("en_US.UTF-8", "en"),
    ("ko", "ko"),
    ("ko_KR", "ko"),
    ("ko-kr", "ko"),
    ("ja", "ja"),
    ("ja_JP", "ja"),
    ("ru", "ru"),
    ("ru-RU", "ru"),
    ("fr_CA", "fr"),
    ("fr-FR", "fr"),
    ("de-AT", "de"),
    ("es-419", "es"),
    ("es_MX", "es"),
    ("pt_BR", "pt"),
    ("pt-PT", "pt"),
    ("vi_VN", "vi"),
    ("ar", "ar"),
    ("ar_SA", "ar"),
    ("ar-EG", "ar"),
    ("en_XA", "en"),  # Android's pseudo-locale id: the language part still counts
    ("qps-ploc", "en"),
    ("xx", "en"),
    ("", "en"),
    ("   ", "en"),
    (None, "en"),
    (JUNK, "en"),
    ("../../etc/passwd", "en"),
    ("en;q=0.9", "en"),
    ("*", "en"),
    ("th", "en"),
    ("he-IL", "en"),
    ("zh_CN\x00", "en"),
    ("<script>", "en"),
    ("1234", "en"),
    (42, "en"),
    (["zh_CN"], "en"),
    ("en@pseudo", "en"),  # not served unless pseudo-locales are on
]


@pytest.mark.parametrize(("tag", "expected"), TABLE)
def test_resolver_table(tag, expected):
    assert len(TABLE) >= 40
    assert resolve_locale(tag) == expected


@pytest.mark.parametrize("tag", PSEUDO)
def test_pseudo_locales_resolve_only_when_served(tag):
    assert resolve_locale(tag, supported=SUPPORTED + PSEUDO) == tag
    # Not served: the modifier is dropped and the language counts.
    assert resolve_locale(tag) == tag.split("@")[0]


def test_candidates_in_order_and_default():
    assert resolve_locale(None, "", "xx", "ko_KR", "ja") == "ko"
    assert resolve_locale("xx", default="ja") == "ja"
    assert resolve_locale("xx", supported=("ko", "ja"), default="en") == "ko"


def test_traditional_fallback_is_configurable():
    served = ("en", "zh_Hans", "ko")
    assert resolve_locale("zh_TW", supported=served, traditional_fallback="zh_Hans") == "zh_Hans"
    assert resolve_locale("zh_TW", supported=served, traditional_fallback="en") == "en"
    # An unusable fallback falls through to the next candidate, then the default.
    assert resolve_locale("zh_HK", "ko", supported=served, traditional_fallback="fr") == "ko"


def test_accept_language_is_ordered_by_quality():
    assert parse_accept_language("zh-TW,zh;q=0.9,en;q=0.8") == ["zh-TW", "zh", "en"]
    assert parse_accept_language("en;q=0.1, ko, ja;q=0.5, *;q=0.3, fr;q=0") == ["ko", "ja", "en"]
    assert parse_accept_language("en;q=abc") == []
    assert parse_accept_language("x" * 2000) == []
    assert parse_accept_language(None) == []


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.none(), st.integers(), st.binary(max_size=20)))
def test_any_input_gives_a_served_locale(tag):
    assert resolve_locale(tag) in SUPPORTED
    assert match(tag) in (*SUPPORTED, None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_accept_language_header_resolves(header):
    assert resolve_locale(*parse_accept_language(header)) in SUPPORTED


def _locale_app(tmp_path, **config):
    app = mini_app(tmp_path, **config)

    @app.get("/which")
    def which():
        return jsonify(locale=current_locale_id())

    return app


def test_request_with_wechat_tag_and_browser_header_gets_traditional(tmp_path):
    client = _locale_app(tmp_path).test_client()
    response = client.get(
        "/which", headers={"X-Client-Language": "zh_TW", "Accept-Language": "zh-TW,zh;q=0.9,en;q=0.8"}
    )
    assert response.get_json()["locale"] == "zh_Hant"
    assert response.headers["Content-Language"] == "zh-Hant"
    assert "Accept-Language" in response.headers["Vary"]
    # The header alone (Werkzeug's best_match would say en here) also gives Traditional.
    response = client.get("/which", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.8"})
    assert response.get_json()["locale"] == "zh_Hant"


def test_request_precedence_lang_then_client_then_header(tmp_path):
    client = _locale_app(tmp_path).test_client()
    headers = {"X-Client-Language": "ja", "Accept-Language": "ko"}
    assert client.get("/which?lang=ru", headers=headers).get_json()["locale"] == "ru"
    assert client.get("/which", headers=headers).get_json()["locale"] == "ja"
    assert client.get("/which", headers={"Accept-Language": "ko"}).get_json()["locale"] == "ko"
    response = client.get("/which?lang=../../x", headers={"X-Client-Language": "zh-CN;junk"})
    assert response.status_code == 200
    assert response.get_json()["locale"] == "en"
    assert response.headers["Content-Language"] == "en"


def test_request_traditional_fallback_from_config(tmp_path):
    app = _locale_app(tmp_path, TRADITIONAL_CHINESE_FALLBACK="zh_Hans", LOCALE_RELEASE_GATE=True)
    # With the gate on and no compiled catalogs in this folder, only English is offered.
    assert (
        app.test_client().get("/which", headers={"X-Client-Language": "zh_TW"}).get_json()["locale"] == "en"
    )


def test_selector_outside_a_request_returns_none(tmp_path):
    app = mini_app(tmp_path)
    with app.app_context():
        assert select_locale() is None
        assert current_locale_id() == "en"


def test_changing_the_locale_mid_request_switches_translations(tmp_path):
    from app.i18n import _, set_request_locale
    from app.i18n.catalogs import TRANSLATIONS_DIR

    app = mini_app(TRANSLATIONS_DIR)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert current_locale_id() == "fr"
        french = _("Please sign in again.")
        set_request_locale("ko")
        assert current_locale_id() == "ko"
        assert _("Please sign in again.") not in (french, "Please sign in again.")
        set_request_locale("no-such-language")
        assert current_locale_id() == "fr"  # an unusable saved choice falls back to the headers


@pytest.mark.parametrize(
    ("locale", "lang"),
    [
        ("zh_Hans", "zh_CN"),
        ("zh_Hant", "zh_TW"),
        ("ko", "en_US"),
        ("ar", "en_US"),
        ("en@pseudo", "en_US"),
        ("", "en_US"),
    ],
)
def test_wechat_subscribe_message_language(locale, lang):
    from app.i18n.locales import wechat_lang

    assert wechat_lang(locale) == lang


def test_language_headers_merge_into_a_vary_the_view_set(tmp_path):
    app = _locale_app(tmp_path)

    @app.get("/varies")
    def varies():
        response = jsonify(locale=current_locale_id())
        response.headers["Vary"] = "Cookie, Accept-Language"
        response.headers["Content-Language"] = "x-view"
        return response

    response = app.test_client().get("/varies", headers={"Accept-Language": "ko"})
    assert response.headers.getlist("Vary") == ["Cookie, Accept-Language, X-Client-Language"]
    assert response.headers.getlist("Content-Language") == ["x-view"]  # a view's own value stays
