"""Journey texts name only the icons and buttons the user sees, and the service links rather than activates."""

from __future__ import annotations

import re

import pytest

from app.client_texts import client_texts
from app.i18n import force_locale, pgettext
from app.journeys.preview import all_screens

QUOTED = re.compile(r"[“„«「]\s?([^”“»」]+?)\s?[”“»」]")


def _texts(screen: dict) -> list[str]:
    """Every sentence of a screen: title, body lines and error messages."""
    texts = [screen.get("title") or ""]
    texts += [line if isinstance(line, str) else line.get("text", "") for line in screen.get("body") or []]
    texts += [error.get("message", "") for error in screen.get("errors") or []]
    return texts


@pytest.mark.parametrize("locale", ["en", "de", "ja", "ru"])
def test_verify_screens_quote_only_visible_labels(app, locale):
    with app.test_request_context(), force_locale(locale):
        visible = set(client_texts()["nav"].values())
    seen = 0
    for item in all_screens(locale=locale):
        if item["flow"] != "verify":
            continue
        screen = item["screen"]
        buttons = {action.get("label") for action in screen.get("actions") or []}
        buttons |= {field.get("label") for field in screen.get("fields") or []}
        for text in _texts(screen):
            for name in QUOTED.findall(text):
                seen += 1
                assert name in visible | buttons, (item["sample"], name)
    assert seen >= 4


def test_result_screen_links_the_account_and_names_the_card_icon(app):
    result = next(
        item["screen"]
        for item in all_screens(locale="en")
        if item["flow"] == "verify" and item["sample"] == "result"
    )
    text = " ".join(_texts(result))
    # It claims no activation, and says so: the card keeps the status the registry records.
    assert "is active" not in text and "activated" not in text
    assert "This service does not activate your card." in text
    with app.test_request_context():
        assert f"“{pgettext('navigation', 'Card')}”" in text
    assert "My card" not in text


def test_expired_permit_message_promises_no_activation(app):
    check = next(
        item["screen"]
        for item in all_screens(locale="en")
        if item["flow"] == "verify" and item["sample"] == "check.permit_inactive"
    )
    text = " ".join(_texts(check))
    assert "activat" not in text
    assert "link your WeChat account" in text


def test_name_screen_states_one_rule(app):
    name = next(
        item["screen"]
        for item in all_screens(locale="en")
        if item["flow"] == "verify" and item["sample"] == "name"
    )
    text = " ".join(_texts(name)) + " " + name["fields"][0]["hint"]
    assert "A to Z" in text and "family name first" in text
    assert "accent" not in text and "Müller" not in text


def test_the_official_app_name_is_on_the_result_screen_not_on_check(journey, wechat_emulator):
    from tests.factories import make_person

    person = make_person(passport_name="MÜLLER-LÜDENSCHEIDT, Hans Peter")
    trip = journey()
    check = trip.to_check(person, name="mueller luedenscheidt hans peter")
    assert check["step"] == "check"
    assert len(check["body"]) == 1 and "official" not in check["body"][0]
    trip.answer("check", "confirm")
    trip.answer("second_factor", method="phone")
    result = trip.answer("phone", phone_code=wechat_emulator.mint_phone_code(trip.openid, person.phone))
    assert result["step"] == "result"
    assert result["body"][-1] == (
        f"When the official 电子社保卡 app asks for your name, type it like this: {person.name_canonical}"
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("ssn", "Enter your social security number."),
        ("pr_id", "Enter your permanent resident ID number."),
        ("permit_number", "Enter your work permit number."),
    ],
)
def test_an_empty_number_names_the_field(journey, kind, message):
    trip = journey()
    trip.get()
    for step, answers in [
        ("start", {}),
        ("consent", {"consent_sensitive": True}),
        ("name", {"passport_name": "MUELLER HANS"}),
        ("identifier_type", {"identifier_type": kind}),
    ]:
        trip.answer(step, **answers)
    response = trip.post("identifier", identifier=" ")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == message


def test_a_wrong_check_character_says_what_to_compare(journey):
    trip = journey()
    trip.get()
    for step, answers in [
        ("start", {}),
        ("consent", {"consent_sensitive": True}),
        ("name", {"passport_name": "MUELLER HANS"}),
        ("identifier_type", {"identifier_type": "ssn"}),
    ]:
        trip.answer(step, **answers)
    response = trip.post("identifier", identifier="931410198503150010")
    assert response.get_json()["errors"][0]["message"] == (
        "Check your social security number against your social security card."
    )


def test_an_unusable_phone_code_names_the_button(journey, person):
    trip = journey()
    trip.to_check(person)
    trip.answer("check", "confirm")
    trip.answer("second_factor", method="phone")
    response = trip.post("phone", phone_code="x" * 200)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == (
        "We could not get your phone number from WeChat. Tap “Share my phone number” again."
    )
