"""The emulator's memory: codes, users, tokens, quotas, injected faults and the outbox (thread-safe)."""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from app.wechat_emulator.templates import DEFAULT_TEMPLATES

CODE_TTL = 300
#: The longest life a control route may give a login code (load tests mint ahead of a long run).
MAX_CODE_TTL = 24 * 3600
TOKEN_TTL = 7200
#: stable_token always returns a token with at least this long to live.
STABLE_MIN_LIFE = 300
LOGIN_LIMIT_PER_MINUTE = 100
MESSAGE_WINDOW = (48 * 3600, 5)
SESSION_WINDOW = (60, 2)


@dataclass
class Code:
    """A single-use code for one user (login or phone number)."""

    openid: str
    issued_at: float
    used: bool = False
    phone: str | None = None
    ttl: float = CODE_TTL


@dataclass
class User:
    """What WeChat knows of one user of the mini program."""

    openid: str
    unionid: str | None = None
    phone: str | None = None
    high_risk: bool = False
    session_key: str | None = None
    logins: deque = field(default_factory=lambda: deque(maxlen=LOGIN_LIMIT_PER_MINUTE + 1))
    window_until: float = 0.0
    window_left: int = 0
    quota: Counter = field(default_factory=Counter)


@dataclass
class Token:
    """An access token: where it came from and until when it lives."""

    value: str
    kind: str
    expires_at: float
    revoked: bool = False


@dataclass
class Fault:
    """An injected failure: answer errcode (or an HTTP status) the next `times` calls."""

    errcode: int | None
    status: int
    times: int | None


class EmulatorState:
    """All emulator state behind one lock; `now()` can be moved forward to test expiry."""

    def __init__(self, *, appid: str, secret: str, original_id: str | None):
        self.appid = appid
        self.secret = secret
        self.original_id = original_id
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget everything (between tests)."""
        with self.lock:
            self.offset = 0.0
            self.codes: dict[str, Code] = {}
            self.phone_codes: dict[str, Code] = {}
            self.users: dict[str, User] = {}
            self.tokens: dict[str, Token] = {}
            self.current: dict[str, str | None] = {"stable": None, "classic": None}
            self.templates = {tid: dict(keywords) for tid, keywords in DEFAULT_TEMPLATES.items()}
            self.faults: dict[str, Fault] = {}
            self.delays: dict[str, float] = {}
            self.calls: Counter = Counter()
            self.outbox: list[dict] = []
            self.watermark_appid: str | None = None
            self._msgids = itertools.count(3_000_000_000_000_000_001)

    def now(self) -> float:
        """The emulator's clock: WeChat's Unix seconds (a leaf: app.clock is not reachable here)."""
        return time.time() + self.offset  # noqa: TID251

    def advance(self, seconds: float) -> None:
        """Move the clock forward (codes, tokens and windows expire)."""
        with self.lock:
            self.offset += seconds

    # -- users and codes ---------------------------------------------------------------------------

    def user(self, openid: str) -> User:
        """The user with this openid, created on first sight."""
        with self.lock:
            if openid not in self.users:
                self.users[openid] = User(openid=openid)
            return self.users[openid]

    def mint_login_code(
        self, openid: str, phone: str | None = None, unionid: str | None = None, ttl: float = CODE_TTL
    ) -> str:
        """A wx.login code for this user, valid 5 minutes (or `ttl` seconds, a control option), usable once."""
        with self.lock:
            user = self.user(openid)
            user.phone = phone or user.phone
            user.unionid = unionid or user.unionid
            code = "lc_" + secrets.token_urlsafe(18)
            self.codes[code] = Code(openid=openid, issued_at=self.now(), ttl=ttl)
            return code

    def mint_phone_code(self, openid: str, phone: str) -> str:
        """A getPhoneNumber button code for this user and phone, valid 5 minutes, usable once."""
        with self.lock:
            self.user(openid).phone = phone
            code = "pc_" + secrets.token_urlsafe(18)
            self.phone_codes[code] = Code(openid=openid, issued_at=self.now(), phone=phone)
            return code

    def new_session_key(self, user: User) -> str:
        """A fresh session_key (rotated on every login, like WeChat)."""
        user.session_key = base64.b64encode(os.urandom(16)).decode()
        return user.session_key

    def set_high_risk(self, openid: str, high_risk: bool = True) -> None:
        """Mark a user high-risk: their logins answer 40226."""
        with self.lock:
            self.user(openid).high_risk = high_risk

    def user_wrote(self, openid: str) -> None:
        """The user sent a customer-service message: 5 replies within 48 hours."""
        self._open_window(openid, *MESSAGE_WINDOW)

    def user_entered_session(self, openid: str) -> None:
        """The user opened the customer-service chat: 2 replies within a minute."""
        self._open_window(openid, *SESSION_WINDOW)

    def _open_window(self, openid: str, seconds: int, messages: int) -> None:
        with self.lock:
            user = self.user(openid)
            user.window_until = self.now() + seconds
            user.window_left = messages

    def grant_subscription(self, openid: str, template_id: str, n: int = 1) -> None:
        """The user accepted this template n times: n sends allowed."""
        with self.lock:
            self.user(openid).quota[template_id] += n

    def revoke_subscription(self, openid: str, template_id: str) -> None:
        """The user turned the template off in their settings."""
        with self.lock:
            self.user(openid).quota[template_id] = 0

    # -- tokens ------------------------------------------------------------------------------------

    def issue_token(self, kind: str, force: bool = False) -> Token:
        """stable: the same token while it has 300 s left (unless forced); classic: always a new one."""
        with self.lock:
            current = self.tokens.get(self.current[kind] or "")
            now = self.now()
            if (
                kind == "stable"
                and not force
                and current
                and not current.revoked
                and current.expires_at - now >= STABLE_MIN_LIFE
            ):
                return current
            if kind == "classic" or force:
                if current:
                    current.revoked = True  # a re-fetch invalidates the previous token
            token = Token(value="at_" + secrets.token_urlsafe(48), kind=kind, expires_at=now + TOKEN_TTL)
            self.tokens[token.value] = token
            self.current[kind] = token.value
            return token

    def token_error(self, value: str | None) -> tuple[int, str] | None:
        """The errcode a business call gets for this token, or None if it is good."""
        with self.lock:
            if not value:
                return 41001, "access_token missing"
            token = self.tokens.get(value)
            if token is None or token.revoked:
                return 40001, "invalid credential, access_token is invalid or not latest"
            if token.expires_at <= self.now():
                return 42001, "access_token expired"
            return None

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (the next business call gets 42001)."""
        with self.lock:
            for token in self.tokens.values():
                token.expires_at = min(token.expires_at, self.now())

    # -- faults, calls and outbox ------------------------------------------------------------------

    def fail(self, endpoint: str, errcode: int | None = -1, times: int | None = 1, status: int = 200) -> None:
        """Make the next `times` calls of an endpoint fail (times=None: until cleared)."""
        with self.lock:
            self.faults[endpoint] = Fault(errcode=errcode, status=status, times=times)

    def slow(self, endpoint: str, seconds: float) -> None:
        """Delay every answer of an endpoint (0 clears it)."""
        with self.lock:
            self.delays[endpoint] = seconds

    def take_fault(self, endpoint: str) -> Fault | None:
        """The fault to apply to this call, consuming one of its times."""
        with self.lock:
            fault = self.faults.get(endpoint)
            if fault is None:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[endpoint]
            return fault

    def record_call(self, endpoint: str) -> None:
        """Count a call (tests check how many a code path made)."""
        with self.lock:
            self.calls[endpoint] += 1

    def deliver(self, kind: str, payload: dict) -> int:
        """Put an accepted send in the outbox; its msgid."""
        with self.lock:
            msgid = next(self._msgids)
            self.outbox.append({"kind": kind, "msgid": msgid, "at": self.now(), **payload})
            return msgid

    def sent(self, kind: str | None = None) -> list[dict]:
        """A copy of the outbox, optionally of one kind ('subscribe' or 'custom')."""
        with self.lock:
            return [dict(item) for item in self.outbox if kind is None or item["kind"] == kind]
