"""How WeChat failures reach our clients: each WeChatError as an AppError with a fitting status."""

from __future__ import annotations

import logging

from app.errors import AppError
from app.i18n import _l
from app.wechat.errors import (
    WeChatError,
    WeChatInvalidCode,
    WeChatRateLimited,
    WeChatUserBlocked,
)

log = logging.getLogger("app.wechat_errors")


class InvalidWeChatCode(AppError):
    """A login or phone code was invalid, expired or already used."""

    code = "auth.invalid_code"
    status = 401
    message = _l("Your WeChat sign-in has expired. Please try again.")


class WeChatRateLimitedError(AppError):
    """WeChat's frequency limit for this user was reached."""

    code = "wechat.rate_limited"
    status = 429
    message = _l("Too many attempts. Please wait a minute and try again.")


class AccountRestricted(AppError):
    """WeChat (or we) restricted this account."""

    code = "auth.account_restricted"
    status = 403
    message = _l("This WeChat account is restricted. Contact WeChat support, or go to a service point.")


class WeChatUnavailableError(AppError):
    """WeChat could not be reached or is busy."""

    code = "wechat.unavailable"
    status = 503
    message = _l("WeChat is not responding right now. Please try again in a few minutes.")


def as_app_error(error: WeChatError) -> AppError:
    """The AppError to raise for a WeChat failure (anything unexpected counts as unavailable)."""
    if isinstance(error, WeChatInvalidCode):
        return InvalidWeChatCode()
    if isinstance(error, WeChatRateLimited):
        return WeChatRateLimitedError()
    if isinstance(error, WeChatUserBlocked):
        return AccountRestricted()
    log.warning("wechat call failed", extra={"errcode": error.errcode, "wechat_error": type(error).__name__})
    return WeChatUnavailableError(details={"errcode": error.errcode} if error.errcode else None)
