"""GET /api/v1/client-texts: the mini program's privacy pop-up, update dialog and icon names."""

from __future__ import annotations

import pytest

from app.client_texts import ClientTexts
from app.i18n.locales import SUPPORTED

#: wx.showModal shows no dialog at all when a button text is longer than this.
WECHAT_MODAL_BUTTON_MAX = 4


def texts(client, locale, headers=None):
    """The answer in `locale` (asked the way the mini program asks: X-Client-Language)."""
    response = client.get("/api/v1/client-texts", headers={"X-Client-Language": locale, **(headers or {})})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


@pytest.mark.parametrize("locale", SUPPORTED)
def test_every_language_answers_every_text(client, locale):
    response = texts(client, locale)
    body = ClientTexts.model_validate(response.get_json()).model_dump()
    assert body["locale"] == locale and body["dir"] == ("rtl" if locale == "ar" else "ltr")
    assert response.headers["Content-Language"]
    for block in ("privacy", "update", "nav", "icons"):
        assert all(isinstance(text, str) and text.strip() for text in body[block].values()), block
    for button in ("restart", "later"):
        assert len(body["update"][button]) <= WECHAT_MODAL_BUTTON_MAX, (locale, body["update"][button])


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED if locale != "en"])
def test_the_privacy_pop_up_is_translated_not_english(client, locale):
    english = texts(client, "en").get_json()["privacy"]
    translated = texts(client, locale).get_json()["privacy"]
    assert {key for key in english if english[key] == translated[key]} == set()


def test_a_signed_in_user_reads_them_in_the_saved_language(client, login):
    headers = login(locale="ar")
    body = texts(client, "en", headers).get_json()
    assert body["locale"] == "ar" and body["dir"] == "rtl"
    assert body["privacy"]["agree"] == texts(client, "ar").get_json()["privacy"]["agree"]


def test_an_unknown_language_or_a_stale_token_gets_the_default(client):
    body = texts(client, "xx-YY", {"Authorization": "Bearer not-a-token"}).get_json()
    assert body["locale"] == "en" and body["privacy"]["agree"] == "Agree"


def test_other_methods_are_refused_with_the_envelope(client):
    response = client.post("/api/v1/client-texts", json={})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_the_openapi_document_describes_the_answer(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/client-texts"]["get"]
    assert operation["x-access"] == "public"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ClientTexts"}
    described = document["components"]["schemas"]["ClientTexts"]
    assert set(described["required"]) == {"locale", "dir", "privacy", "update", "nav", "icons"}
    assert set(document["components"]["schemas"]["PrivacyTexts"]["properties"]) >= {
        "agree",
        "disagree",
        "read_guide",
    }
