"""The card screens are translated: a German catalog changes labels, explanations and CSV headers."""

from __future__ import annotations

import pytest

from tests.factories import make_user


@pytest.fixture
def app_config(database_url, translations_dir):
    """This module's apps read the German test catalog."""
    from tests.conftest import make_test_config

    return make_test_config(database_url, TRANSLATIONS_DIR=translations_dir)


def test_card_status_and_explanation_in_german(client, login, holder):
    user = make_user(person=holder, verified=True, locale="de")
    body = client.get("/api/v1/card", headers=login(user)).get_json()
    assert body["locale"] == "de"
    assert body["card"]["status"]["name"] == "Normal (aktiv)"
    assert body["card"]["status"]["explanation"] == "Die Karte funktioniert."
    assert body["card"]["status"]["term_zh"] == "正常"


def test_same_card_in_japanese_falls_back_to_english(client, login, holder):
    user = make_user(person=holder, verified=True, locale="ja")
    body = client.get("/api/v1/card", headers=login(user)).get_json()
    assert body["locale"] == "ja"
    assert body["card"]["status"]["name"] == "Normal"


def test_csv_header_in_german(client, login, holder):
    user = make_user(person=holder, verified=True, locale="de")
    response = client.get("/api/v1/card/contributions.csv?year=2025", headers=login(user))
    header = response.get_data().decode("utf-8-sig").splitlines()[0].split(",")
    assert header[0] == "Monat" and header[6] == "Arbeitgeberanteil"
    assert response.get_data().decode("utf-8-sig").splitlines()[1].split(",")[1] == "Rente"


@pytest.mark.calendar
def test_days_left_and_errors_in_german(client, login, holder):
    user = make_user(person=holder, verified=True, locale="de")
    headers = login(user)
    permit = client.get("/api/v1/card/permit", headers=headers).get_json()["permit"]
    assert permit["validity"]["days_left_text"].startswith("noch ")
    assert permit["validity"]["days_left_text"].endswith("Tage")
    error = client.get("/api/v1/card/contributions?year=1", headers=headers).get_json()["error"]
    assert error["message"] == "Wählen Sie ein Jahr zwischen 1990 und 2100."
