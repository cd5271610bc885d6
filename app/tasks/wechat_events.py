"""Jobs for WeChat pushes: each one answered in its user's language."""

from __future__ import annotations

import logging

from app.i18n import force_locale
from app.services import helpdesk

log = logging.getLogger("app.tasks.wechat_events")


def handle(message: dict) -> str:
    """Handle one verified, de-duplicated push under the user's locale."""
    locale = helpdesk.locale_for(message)
    with force_locale(locale):
        outcome = helpdesk.handle_push(message)
    log.info("wechat push handled", extra={"outcome": outcome, "msg_type": message.get("MsgType"),
                                           "event": message.get("Event"), "locale": locale})
    return outcome
