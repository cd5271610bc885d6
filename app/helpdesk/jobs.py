"""Jobs for WeChat pushes: each one answered in its user's language."""

from __future__ import annotations

import logging

from app import pushes
from app.extensions import get_queue, get_redis
from app.helpdesk import answers as helpdesk
from app.i18n import force_locale

log = logging.getLogger("app.helpdesk.jobs")


def handle(message: dict, claim: dict | None = None) -> str:
    """Handle one verified push under the user's locale, unless it turned out a duplicate or replay."""
    if not pushes.claim_holds(get_redis(), claim):
        log.info("wechat push skipped: duplicate or replay", extra={"msg_type": message.get("MsgType")})
        return "skipped"
    locale = helpdesk.locale_for(message)
    with force_locale(locale):
        outcome = helpdesk.handle_push(message)
    log.info(
        "wechat push handled",
        extra={
            "outcome": outcome,
            "msg_type": message.get("MsgType"),
            "event": message.get("Event"),
            "locale": locale,
        },
    )
    return outcome


def pump(hold: str) -> int:
    """Turn the push inbox into handler jobs (see app/pushes.py); the number moved."""
    moved = pushes.pump(get_redis(), get_queue(), hold)
    log.info("wechat push inbox pumped", extra={"moved": moved})
    return moved
