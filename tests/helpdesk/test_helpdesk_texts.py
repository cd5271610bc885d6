"""The help desk names only screens that exist and promises only what the service does."""

from __future__ import annotations

import re

import pytest

from app.card.terms import USABLE_CARD_STATUSES
from app.client_texts import client_texts
from app.guides.journey import LOST_CARD_GUIDE
from app.helpdesk import answers as helpdesk
from app.helpdesk.topics import KEYWORDS, TOPICS
from app.i18n import force_locale, pgettext, to_text

QUOTED = re.compile(r"[“„«「]\s?([^”“»」]+?)\s?[”“»」]")


def _replies() -> dict[str, str]:
    """Every answer the help desk can give, by topic (the default answer under None)."""
    replies = {topic: helpdesk.topic_reply(topic) for topic in TOPICS}
    replies.update(
        welcome=helpdesk.welcome_text(),
        fallback=helpdesk.fallback_text(None),
        echo=helpdesk.fallback_text("hello"),
    )
    return replies


def test_lost_card_title_is_the_guides_own(app):
    with app.test_request_context():
        assert to_text(helpdesk.LOST_CARD_TITLE) == to_text(LOST_CARD_GUIDE.guide_title)


def test_every_quoted_name_is_a_label_the_user_sees(app):
    with app.test_request_context():
        nav = set(client_texts()["nav"].values())
        words = {word for topic in KEYWORDS.values() for word in topic["en"]}
        hint = set(QUOTED.findall(helpdesk._keyword_hint()))
        allowed = nav | words | hint | {"hello", to_text(LOST_CARD_GUIDE.guide_title)}
        for topic, reply in _replies().items():
            quoted = set(QUOTED.findall(reply))
            assert quoted <= allowed, (topic, quoted - allowed)


@pytest.mark.parametrize("locale", ["de", "ja", "ar", "zh_Hant"])
def test_replies_carry_the_translated_labels(app, locale):
    with app.test_request_context(), force_locale(locale):
        card, settings = pgettext("navigation", "Card"), pgettext("navigation", "Settings")
        assert card != "Card"
        assert card in helpdesk.topic_reply("permit")
        assert card in helpdesk.topic_reply("contributions")
        assert settings in helpdesk.topic_reply("language")


def test_no_reply_promises_that_a_person_answers_in_the_chat(app):
    with app.test_request_context():
        for topic, reply in _replies().items():
            lowered = reply.casefold()
            assert "will answer" not in lowered and "member of our team" not in lowered, topic
        human = helpdesk.topic_reply("human")
        assert "No one reads your messages here" in human
        assert "12333" in human and "service point" in human


def test_lost_card_reply_matches_the_status_table(app):
    assert "temp_lost" not in USABLE_CARD_STATUSES
    with app.test_request_context():
        reply = helpdesk.topic_reply("lost_card")
    assert "keeps working" not in reply
    assert "you cannot use it" in reply
    assert "formal report in person" in reply  # the guide's second step


def test_permit_reply_does_not_ask_to_verify_again(app):
    with app.test_request_context():
        reply = helpdesk.topic_reply("permit")
    assert "You do not need to verify again" in reply
    assert "never changes" in reply
