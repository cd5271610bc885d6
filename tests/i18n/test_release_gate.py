"""The release gate: a locale is offered only with its critical strings complete and the rest above the threshold."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Message

from app.i18n import locale_statuses, served_locales
from app.i18n.release import is_critical, release_status
from tests.conftest import make_test_config

from .conftest import FIXTURES, install_po, mini_app


@pytest.fixture
def gate_translations(fixture_project):
    """fr complete; de complete except one consent string."""
    install_po(fixture_project, "fr", FIXTURES / "project" / "fr.po")
    install_po(fixture_project, "de", FIXTURES / "release" / "consent_untranslated.po")
    return fixture_project


@pytest.fixture
def app_config(database_url, gate_translations):
    return make_test_config(
        database_url,
        TRANSLATIONS_DIR=str(gate_translations),
        LOCALE_RELEASE_GATE=True,
        PSEUDO_LOCALES=False,
        LOCALE_RELEASE_THRESHOLD=0.5,
    )


def test_critical_means_a_journey_string_or_a_marked_one():
    assert is_critical(Message("Continue", locations=[("app/verify/journey.py", 3)]))
    assert is_critical(
        Message(
            "I agree",
            locations=[("app/accounts/consents.py", 9)],
            auto_comments=["[critical] consent text shown before verification"],
        )
    )
    assert not is_critical(Message("Beijing", locations=[("app/registry/city_codes.py", 19)]))


def test_one_untranslated_consent_string_removes_the_locale(gate_translations):
    status = release_status(gate_translations, 0.5, ("en", "fr", "de", "ko"))
    assert status["fr"].released and status["fr"].ratio == 1.0
    assert not status["de"].released
    assert status["de"].critical_missing == (
        "I agree that my passport details are checked against the registry.",
    )
    assert status["de"].ratio == 0.8
    assert not status["ko"].released and status["ko"].reason == "not compiled"
    assert status["en"].released


def test_the_threshold_applies_to_the_rest(gate_translations):
    install_po(gate_translations, "fr", FIXTURES / "bad" / "untranslated.po")
    assert release_status(gate_translations, 0.9, ("fr",))["fr"].released is False
    assert release_status(gate_translations, 0.8, ("fr",))["fr"].released is True


def test_the_selector_only_accepts_released_locales(gate_translations):
    app = mini_app(gate_translations, LOCALE_RELEASE_GATE=True, LOCALE_RELEASE_THRESHOLD=0.5)
    with app.app_context():
        assert served_locales() == ("en", "fr")
        assert locale_statuses()["de"].released is False
    client = app.test_client()
    with app.test_request_context(headers={"Accept-Language": "de, fr;q=0.5"}):
        from app.i18n import current_locale_id

        assert current_locale_id() == "fr"
    assert client  # the gate is decided once, at startup


def test_the_gate_is_on_by_default_only_in_production(gate_translations):
    app = mini_app(gate_translations)
    with app.app_context():
        assert "de" in served_locales() and "ko" in served_locales()
    app = mini_app(gate_translations, APP_ENV="production", LOCALE_RELEASE_THRESHOLD=0.5)
    with app.app_context():
        assert served_locales() == ("en", "fr")


def test_locales_endpoint_lists_only_released_locales(client):
    response = client.get("/api/v1/locales", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    items = response.get_json()
    assert [item["id"] for item in items] == ["en", "fr"]
    assert response.headers["Content-Language"] == "en"  # de is not offered, so English
