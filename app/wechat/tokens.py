"""The access token, shared by every process through Redis and refreshed by one process at a time."""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any, TypedDict, TypeGuard

from .errors import WeChatUnavailable

log = logging.getLogger("app.wechat")


class _Entry(TypedDict):
    """The shared token as Redis holds it (JSON)."""

    token: str
    expires_at: float  # Unix seconds


class TokenCache:
    """Reads the token from Redis; refreshes it under a Redis lock (SET NX EX) before it expires.

    stable_token always hands out a token with at least 300 s left, so a margin below that keeps
    processes from refreshing on every call while still renewing before expiry. A token read is kept
    in this process for `local_seconds` (so a send does not cost a Redis round trip); one that
    another process replaced meanwhile is refused by WeChat and refreshed from Redis as any other.
    """

    def __init__(
        self,
        redis: Any,
        appid: str,
        fetch: Callable[[bool], tuple[str, int]],
        *,
        key_prefix: str = "ssc:wechat",
        margin: int = 120,
        lock_seconds: int = 15,
        # The token's expiry is Unix seconds in Redis, shared by every worker.
        wait_seconds: float = 6.0,
        clock: Callable[[], float] = time.time,  # noqa: TID251
        local_seconds: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.fetch = fetch
        self.key = f"{key_prefix}:{appid}:access_token"
        self.lock_key = f"{key_prefix}:{appid}:access_token:lock"
        self.margin = margin
        self.lock_seconds = lock_seconds
        self.wait_seconds = wait_seconds
        self.clock = clock
        self.local_seconds = local_seconds
        self.monotonic = monotonic
        #: (entry, when it was read): the last token this process read or stored.
        self._local: tuple[_Entry, float] | None = None

    def _read(self) -> _Entry | None:
        raw = self.redis.get(self.key)
        entry: _Entry | None = json.loads(raw) if raw else None
        self._local = (entry, self.monotonic()) if entry else None
        return entry

    def _fresh(self, entry: _Entry | None, rejected: str | None = None) -> TypeGuard[_Entry]:
        return (
            entry is not None
            and entry["token"] != rejected
            and entry["expires_at"] - self.clock() > self.margin
        )

    def get(self) -> str:
        """A valid token: the shared one while fresh, else a refreshed one."""
        local = self._local
        if local is not None and self.monotonic() - local[1] < self.local_seconds and self._fresh(local[0]):
            return local[0]["token"]
        entry = self._read()
        if self._fresh(entry):
            return entry["token"]
        return self._refresh(rejected=None, stale=entry)

    def refresh(self, rejected: str | None) -> str:
        """A token other than `rejected` (which WeChat refused), fetched once for every process."""
        return self._refresh(rejected=rejected, stale=None)

    def _refresh(self, rejected: str | None, stale: _Entry | None) -> str:
        owner = secrets.token_hex(8)
        if self.redis.set(self.lock_key, owner, nx=True, ex=self.lock_seconds):
            try:
                entry = self._read()
                if self._fresh(entry, rejected):
                    return entry["token"]  # another process refreshed while we waited for the lock
                token, expires_in = self.fetch(False)
                if rejected is not None and token == rejected:
                    # stable_token hands back the same token while it lives; WeChat refused it, so force.
                    token, expires_in = self.fetch(True)
                self._store(token, expires_in)
                log.info("access token refreshed", extra={"expires_in": expires_in})
                return token
            finally:
                self._release(owner)
        return self._wait_for_other(rejected, stale)

    def _wait_for_other(self, rejected: str | None, stale: _Entry | None) -> str:
        """Another process holds the lock: wait for its token rather than fetching a second one."""
        deadline = self.clock() + self.wait_seconds
        while self.clock() < deadline:
            time.sleep(0.05)
            entry = self._read()
            if self._fresh(entry, rejected):
                return entry["token"]
        if stale and stale["token"] != rejected and stale["expires_at"] > self.clock():
            return stale["token"]  # still valid, only inside the refresh margin
        raise WeChatUnavailable(None, "access token refresh did not finish")

    def _store(self, token: str, expires_in: int) -> None:
        entry: _Entry = {"token": token, "expires_at": self.clock() + expires_in}
        self.redis.set(self.key, json.dumps(entry), ex=max(1, int(expires_in)))
        self._local = (entry, self.monotonic())

    def _release(self, owner: str) -> None:
        """Delete the lock only if it is still ours (it may have expired and been taken)."""
        import redis

        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(self.lock_key)
                current = pipe.get(self.lock_key)
                if (
                    current is not None
                    and (current.decode() if isinstance(current, bytes) else current) == owner
                ):
                    pipe.multi()
                    pipe.delete(self.lock_key)
                    pipe.execute()
            except redis.WatchError:
                pass

    def forget(self) -> None:
        """Drop the shared token (tests, or after changing the app secret)."""
        self._local = None
        self.redis.delete(self.key)
