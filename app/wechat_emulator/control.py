"""Driving the emulator from tests and tools: mint codes, inject faults, read the outbox, push."""

from __future__ import annotations

from collections.abc import Callable

from app.wechat_emulator.push import PushSigner, play


class EmulatorControl:
    """A handle on a running emulator's state, plus a signer and a delivery function for pushes."""

    def __init__(
        self,
        emulator_app,
        base_url: str,
        signer: PushSigner,
        deliver: Callable[[str, bytes, dict], object],
        callback_path: str = "/wechat/callback",
    ):
        self.app = emulator_app
        self.state = emulator_app.extensions["wechat_emulator"]
        self.base_url = base_url
        self.signer = signer
        self.deliver = deliver
        self.callback_path = callback_path

    def mint_login_code(self, openid: str, phone: str | None = None, unionid: str | None = None) -> str:
        """A wx.login code for this openid (5 minutes, single use)."""
        return self.state.mint_login_code(openid, phone, unionid)

    def mint_phone_code(self, openid: str, phone: str) -> str:
        """A getPhoneNumber code for this openid and phone."""
        return self.state.mint_phone_code(openid, phone)

    def outbox(self, kind: str | None = None) -> list[dict]:
        """What was sent ('subscribe', 'custom' or all)."""
        return self.state.sent(kind)

    def calls(self, endpoint: str) -> int:
        """How many times an endpoint was called ('stable_token', 'custom_send', …)."""
        return self.state.calls[endpoint]

    def fail(self, endpoint: str, errcode: int | None = -1, times: int | None = 1, status: int = 200) -> None:
        """Make an endpoint answer errcode (or an HTTP status) the next `times` calls (None: always)."""
        self.state.fail(endpoint, errcode, times, status)

    def slow(self, endpoint: str, seconds: float) -> None:
        """Delay an endpoint's answers."""
        self.state.slow(endpoint, seconds)

    def grant_subscription(self, openid: str, template_id: str, n: int = 1) -> None:
        """The user accepted a template n times."""
        self.state.grant_subscription(openid, template_id, n)

    def set_high_risk(self, openid: str, high_risk: bool = True) -> None:
        """Block a user's logins with 40226."""
        self.state.set_high_risk(openid, high_risk)

    def user_wrote(self, openid: str) -> None:
        """Open the 48-hour reply window as if the user had written."""
        self.state.user_wrote(openid)

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock forward."""
        self.state.advance(seconds)

    def expire_tokens(self) -> None:
        """Expire every access token issued so far."""
        self.state.expire_tokens()

    def message(self, kind: str, openid: str, **fields) -> dict:
        """A user action on the WeChat side (state updated) and the message WeChat would push for it."""
        return play(self.state, kind, openid, to=self.signer.original_id or "", **fields)

    def sign(
        self, message: dict | str, fmt: str = "json", mode: str | None = None, **options
    ) -> tuple[str, bytes, dict]:
        """(path with query, body, headers) of a signed push of this message (mode None: as configured)."""
        return self.signer.request(self.callback_path, message, fmt=fmt, mode=mode, **options)

    def push(
        self,
        kind: str | None = None,
        openid: str | None = None,
        *,
        message: dict | str | None = None,
        fmt: str = "json",
        mode: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        **fields,
    ):
        """Build (or take `message`: a dict, or raw JSON/XML text), sign and deliver a push to our callback."""
        if message is None:
            if kind is None or openid is None:
                raise TypeError("push() needs a kind and an openid, or a message")
            message = self.message(kind, openid, **fields)
        path, body, headers = self.sign(message, fmt, mode, timestamp=timestamp, nonce=nonce)
        return self.deliver(path, body, headers)
