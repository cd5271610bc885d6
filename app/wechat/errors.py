"""Typed WeChat failures: one class per way a caller must react, built from WeChat's errcode."""

from __future__ import annotations


class WeChatError(Exception):
    """A WeChat API call failed; errcode and errmsg as WeChat sent them (None for transport errors)."""

    def __init__(self, errcode: int | None = None, errmsg: str | None = None):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg or ""


class WeChatUnavailable(WeChatError):
    """WeChat could not be reached, timed out, answered 5xx or 'system busy' (-1)."""


class WeChatNoAnswer(WeChatUnavailable):
    """The request went out but no answer came (read timeout, connection dropped): WeChat may have acted on it."""


class WeChatTokenRejected(WeChatUnavailable):
    """The access token was still refused after one refresh (40001/40014/42001): our side is misconfigured."""


class WeChatRateLimited(WeChatError):
    """A frequency limit was hit (45011, 45009)."""


class WeChatInvalidCode(WeChatError):
    """A login or phone code is invalid, expired or already used (40029, 40163)."""


class WeChatUserBlocked(WeChatError):
    """WeChat marked the user high-risk and blocked the login (40226)."""


class WeChatQuotaExhausted(WeChatError):
    """The user has no accepted subscription left for this template (43101)."""


class WeChatInvalidArgument(WeChatError):
    """WeChat refused a field's value (47003); errmsg names the field."""


class WeChatWindowClosed(WeChatError):
    """The customer-service reply window is closed or used up (45015, 45047)."""


class WeChatInvalidResponse(WeChatError):
    """WeChat's answer could not be trusted (e.g. a phone watermark for another appid)."""


#: errcode → class; anything else is a plain WeChatError.
_BY_ERRCODE: dict[int, type[WeChatError]] = {
    -1: WeChatUnavailable,
    40001: WeChatTokenRejected,
    40014: WeChatTokenRejected,
    42001: WeChatTokenRejected,
    45009: WeChatRateLimited,
    45011: WeChatRateLimited,
    40029: WeChatInvalidCode,
    40163: WeChatInvalidCode,
    40226: WeChatUserBlocked,
    43101: WeChatQuotaExhausted,
    47003: WeChatInvalidArgument,
    45015: WeChatWindowClosed,
    45047: WeChatWindowClosed,
}

#: The errcodes that mean "this access token is no good: refresh it".
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})


def error_for(errcode: int | None, errmsg: str | None = None) -> WeChatError:
    """The typed exception for a WeChat errcode (None means a transport failure)."""
    if errcode is None:
        return WeChatUnavailable(None, errmsg or "unreachable")
    return _BY_ERRCODE.get(errcode, WeChatError)(errcode, errmsg)
