"""The customer-service chat and other pushes: answer in the user's language, keep the subscription ledger."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Literal, overload

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.auth import client_locale
from app.accounts.models.user import UserAccount
from app.client_texts import nav_label
from app.extensions import db
from app.helpdesk.topics import KEYWORDS, TOPICS
from app.i18n import _, lazy_pgettext, served_locales, to_text
from app.i18n.locales import SUPPORTED, native_name
from app.notices import subscriptions
from app.wechat import get_wechat
from app.wechat.errors import WeChatError, WeChatNoAnswer

log = logging.getLogger("app.helpdesk.answers")

ECHO_MAX_CHARS = 40
#: The subscription events; the first (the user accepting in the mini program's popup) is the only one
#: that makes an account for an openid that has none.
SUBSCRIBE_EVENTS = ("subscribe_msg_popup_event", "subscribe_msg_change_event", "subscribe_msg_sent_event")
#: The lost-card guide's title, the same message as in app/guides/journey.py (a test keeps them equal).
LOST_CARD_TITLE = lazy_pgettext("guide title", "Lost your card?")
_SPACELESS = re.compile(r"[\u0600-\u06ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


# -- keywords and language -------------------------------------------------------------------------------


def normalize_text(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@lru_cache(maxsize=1)
def _matchers() -> dict[tuple[str, str], list[re.Pattern]]:
    """The compiled keyword patterns of each (topic, locale), built once."""
    matchers: dict[tuple[str, str], list[re.Pattern]] = {}
    for topic in TOPICS:
        for locale, words in KEYWORDS[topic].items():
            for word in words:
                folded = normalize_text(word)
                prefix = "" if _SPACELESS.search(folded) else r"(?<!\w)"
                matchers.setdefault((topic, locale), []).append(re.compile(prefix + re.escape(folded)))
    return matchers


def find_topic(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The topic a message asks about (the first of TOPICS with a matching word) and the locales it matched in."""
    folded = normalize_text(text or "")
    for topic in TOPICS:
        locales = tuple(locale for locale in SUPPORTED if _locale_has(topic, locale, folded))
        if locales:
            return topic, locales
    return None, ()


def _locale_has(topic: str, locale: str, folded: str) -> bool:
    return any(pattern.search(folded) for pattern in _matchers().get((topic, locale), ()))


@overload
def user_for(openid: str, create: Literal[True]) -> UserAccount: ...
@overload
def user_for(openid: str, create: bool = False) -> UserAccount | None: ...
def user_for(openid: str, create: bool = False) -> UserAccount | None:
    """The user with this openid (created for events from the mini program when asked)."""
    user = db.session.scalars(select(UserAccount).where(UserAccount.openid == openid)).first()
    if user is None and create:
        user = UserAccount(openid=openid, status="active")
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            user = db.session.scalars(select(UserAccount).where(UserAccount.openid == openid)).one()
    return user


def locale_for(message: dict) -> str:
    """The language to answer in: saved choice, else the language of the words used, else the client's."""
    config = current_app.config
    supported = served_locales(config)
    user = user_for(message.get("FromUserName", ""))
    if user is not None and user.locale in supported:
        return user.locale
    remembered = client_locale(user.id) if user is not None else None
    if message.get("MsgType") == "text":
        _topic, locales = find_topic(str(message.get("Content") or ""))
        if remembered in locales:
            return remembered
        if locales:
            return locales[0]
    return remembered if remembered in supported else config["DEFAULT_LOCALE"]


# -- replies ------------------------------------------------------------------------------------------------


def _keyword_hint() -> str:
    # TRANSLATORS: Words the user can write to the help desk; translate them as users would write them.
    return _("“card”, “permit”, “contributions”, “lost card” or “language”")


def topic_reply(topic: str) -> str:
    """The help text for a topic, in the active locale (screens named by their visible labels)."""
    if topic == "card":
        # TRANSLATORS: %(card)s, %(qr)s and %(verify)s are the names of icons in the mini program's
        # bottom bar, already translated.
        return _(
            "To see your electronic Social Security Card and its status, tap “%(card)s” in the "
            "mini program. To show your identity QR code, tap “%(qr)s”. Not verified yet? Tap "
            "“%(verify)s” first.",
            card=nav_label("card"),
            qr=nav_label("qr"),
            verify=nav_label("verify"),
        )
    if topic == "permit":
        # TRANSLATORS: %(card)s is an icon of the bottom bar and %(permit)s a shortcut on the card
        # screen, both already translated.
        return _(
            "To see your work permit, tap “%(card)s”, then “%(permit)s”. Your work permit "
            "number never changes. When your employer renews your permit, the new dates appear "
            "there once your record is up to date. You do not need to verify again.",
            card=nav_label("card"),
            permit=nav_label("permit"),
        )
    if topic == "contributions":
        # TRANSLATORS: %(card)s is an icon of the bottom bar and %(contributions)s a shortcut on the
        # card screen, both already translated.
        return _(
            "To see what you and your employer paid each month, tap “%(card)s”, then "
            "“%(contributions)s”. Are months missing? Ask your employer's HR team first, then "
            "call the 12333 hotline.",
            card=nav_label("card"),
            contributions=nav_label("contributions"),
        )
    if topic == "lost_card":
        # TRANSLATORS: %(guide)s is the title of the lost-card guide and %(guides)s the icon of the
        # bottom bar that lists the guides, both already translated.
        return _(
            "Lost your card? Report it lost at once: call the 12333 hotline, use the official "
            "电子社保卡 app, or call the card's bank. Then make a formal report in person at a "
            "service point, with your passport. After you report it lost, you cannot use "
            "it. The guide “%(guide)s” under “%(guides)s” explains each step.",
            guide=to_text(LOST_CARD_TITLE),
            guides=nav_label("guides"),
        )
    if topic == "language":
        names = ", ".join(native_name(locale) for locale in SUPPORTED)
        # TRANSLATORS: %(settings)s is the icon of the bottom bar, already translated;
        # %(languages)s is the list of languages, each written in its own language.
        return _(
            "To change the language, tap “%(settings)s” in the mini program. You can choose: %(languages)s.",
            settings=nav_label("settings"),
            languages=names,
        )
    # TRANSLATORS: the answer to "help" or "person". This chat answers automatically and no one
    # reads it; %(keywords)s is the list of words from the help-desk hint, already translated.
    return _(
        "This chat answers automatically. No one reads your messages here. To talk to a "
        "person, call the 12333 hotline, ask your employer's HR team, or go to a service point. "
        "Here you can write %(keywords)s.",
        keywords=_keyword_hint(),
    )


def welcome_text() -> str:
    """The greeting when the user opens the customer-service chat."""
    # TRANSLATORS: %(keywords)s is the list of words from the help-desk hint, already translated.
    return _(
        "Welcome to the help desk. Write a word such as %(keywords)s. We answer automatically, "
        "in your language.",
        keywords=_keyword_hint(),
    )


def fallback_text(echo: str | None) -> str:
    """The answer when no keyword matched; the user's words are quoted only when cleared to echo."""
    if echo:
        # TRANSLATORS: %(text)s is the start of the user's own message; %(keywords)s the help-desk
        # words. “help” is the word that tells the user how to reach a person: translate it as the
        # help-desk keyword of your language.
        return _(
            "We have no ready answer for “%(text)s”. Write %(keywords)s. To find out how to reach "
            "a person, write “help”.",
            text=echo,
            keywords=_keyword_hint(),
        )
    # TRANSLATORS: %(keywords)s is the list of words from the help-desk hint, already translated.
    # “help” is the word that tells the user how to reach a person: translate it as the help-desk
    # keyword of your language.
    return _(
        "We have no ready answer for your message. Write %(keywords)s. To find out how to reach "
        "a person, write “help”.",
        keywords=_keyword_hint(),
    )


def _excerpt(text: str) -> str:
    """The start of the user's text, one line, short enough to quote."""
    line = " ".join(text.split())
    return line if len(line) <= ECHO_MAX_CHARS else line[: ECHO_MAX_CHARS - 1] + "…"


def compose_text_reply(openid: str, content: str) -> tuple[str, str]:
    """(outcome, reply) for a text message; free text is echoed only after msgSecCheck says 'pass'."""
    topic, _locales = find_topic(content)
    if topic:
        return f"topic:{topic}", topic_reply(topic)
    try:
        verdict = get_wechat().msg_sec_check(openid, content[:2500], scene=2)
    except WeChatError as error:
        log.warning("msgSecCheck failed; not echoing", extra={"errcode": error.errcode})
        verdict = "unchecked"
    if verdict == "pass":
        return "echo", fallback_text(_excerpt(content))
    return f"no-echo:{verdict}", fallback_text(None)


def _send(openid: str, text: str) -> str:
    """Send a customer-service text: "" when sent, ":unsent" when WeChat refused it or was not
    reached, ":unconfirmed" when it went out and no answer came (it may have arrived; not resent)."""
    try:
        get_wechat().send_custom_text(openid, text)
    except WeChatError as error:
        unconfirmed = isinstance(error, WeChatNoAnswer)
        log.warning(
            "customer-service reply unconfirmed" if unconfirmed else "customer-service reply not sent",
            extra={"errcode": error.errcode, "wechat_error": type(error).__name__},
        )
        return ":unconfirmed" if unconfirmed else ":unsent"
    return ""


def handle_push(message: dict) -> str:
    """Act on one admitted push (in the active locale); a short outcome for logs and tests."""
    openid = str(message.get("FromUserName") or "")
    msg_type, event = message.get("MsgType"), message.get("Event")
    if msg_type == "event" and event in SUBSCRIBE_EVENTS:
        # Only the user acting in the mini program (the popup) may make an account; a delivery report
        # or a settings change for an openid with no account (deleted meanwhile) brings none back.
        user = user_for(openid, create=event == SUBSCRIBE_EVENTS[0])
        if user is None:
            return "ledger:no-account"
        changed = subscriptions.record_event(
            user.id, openid, event, int(message.get("CreateTime") or 0), list(message.get("List") or [])
        )
        return f"ledger:{changed}"
    if msg_type == "event" and event == "user_enter_tempsession":
        return "welcome" + _send(openid, welcome_text())
    if msg_type == "text":
        outcome, reply = compose_text_reply(openid, str(message.get("Content") or ""))
        return outcome + _send(openid, reply)
    if msg_type in ("image", "miniprogrampage", "voice", "video"):
        return "generic" + _send(openid, fallback_text(None))
    return "ignored"
