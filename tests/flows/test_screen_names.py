"""Journey texts name only the icons and buttons the user sees, and the service links rather than activates."""

from __future__ import annotations

import re

import pytest

from app.flows.preview import all_screens
from app.i18n import force_locale, pgettext
from app.services.client_texts import client_texts

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
        for text in _texts(screen):
            for name in QUOTED.findall(text):
                seen += 1
                assert name in visible | buttons, (item["sample"], name)
    assert seen >= 4


def test_result_screen_links_the_account_and_names_the_card_icon(app):
    result = next(item["screen"] for item in all_screens(locale="en")
                  if item["flow"] == "verify" and item["sample"] == "result")
    text = " ".join(_texts(result))
    assert "active" not in text and "activat" not in text
    with app.test_request_context():
        assert f"“{pgettext('navigation', 'Card')}”" in text
    assert "My card" not in text


def test_expired_permit_message_promises_no_activation(app):
    check = next(item["screen"] for item in all_screens(locale="en")
                 if item["flow"] == "verify" and item["sample"] == "check.permit_inactive")
    text = " ".join(_texts(check))
    assert "activat" not in text
    assert "link your WeChat account" in text
