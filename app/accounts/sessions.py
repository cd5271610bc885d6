"""Opaque session tokens in Redis: all key names and TTLs of sessions live here.

A token is `<owner id>.<256 random bits>` and is stored only as a hash. The owner id in front is
an address, never a credential: `lookup` uses it to fetch the keys a view will read about that
owner in the same round trip as the session, and keeps what it fetched only when the session it
found belongs to that owner. Changing the id changes the hash, so an edited token finds nothing.

Each owner has an index of their sessions, which `revoke_all` (sign out everywhere, account
deletion) reads. The index lives as long as the longest of its sessions: whatever slides a
session's expiry extends the index's expiry to at least the same moment (EXPIRE … GT), so a
session in use for days is still found and ended.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app import clock

PREFIX = "ssc"
#: `lookup` slides a session's expiry at most this often per process (the expiry is then known to
#: within this many seconds, instead of costing a write on every request); more often when the
#: lifetime itself is short (a quarter of it).
SLIDE_INTERVAL_SECONDS = 60
#: The index outlives the moment its longest session expires by this much (clock rounding).
INDEX_MARGIN_SECONDS = 60
_MAX_TOKEN_LENGTH = 128
_MAX_REMEMBERED_SLIDES = 50_000
_last_slide: dict[str, float] = {}


def _digest(token: str) -> str:
    """Sessions are stored under a hash of the token, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_key(kind: str, token: str) -> str:
    """Redis key of one session."""
    return f"{PREFIX}:{kind}:{_digest(token)}"


def owner_hint(token: str) -> int | None:
    """The owner id a token names in front of its dot (unverified), or None."""
    head, dot, _ = token.partition(".")
    return int(head) if dot and head.isascii() and head.isdigit() and len(head) <= 18 else None


def index_key(kind: str, owner_id) -> str:
    """Redis key of the set of one owner's sessions (for revoke-all)."""
    return f"{PREFIX}:{kind}-index:{owner_id}"


@dataclass(frozen=True)
class Session:
    """What a valid token stands for."""

    token_hash: str
    owner_id: int | None
    data: dict


class SessionStore:
    """Create, look up (sliding TTL), revoke one and revoke all sessions of one kind."""

    def __init__(self, redis_client, kind: str, ttl_seconds: int):
        self.redis = redis_client
        self.kind = kind
        self.ttl = ttl_seconds
        self.slide_interval = min(SLIDE_INTERVAL_SECONDS, ttl_seconds // 4)

    def create(self, owner_id: int | None, data: dict | None = None, *, ttl: int | None = None) -> str:
        """A new random token (256 bits) for the owner (None: a session of nobody yet, not indexed)."""
        with self.redis.pipeline() as pipe:
            token = self.queue_create(pipe, owner_id, data, ttl=ttl)
            pipe.execute()
        return token

    def queue_create(
        self, pipe, owner_id: int | None, data: dict | None = None, *, ttl: int | None = None
    ) -> str:
        """Queue a new session's writes on `pipe`, sent with the caller's own commands; its token."""
        token = (
            secrets.token_urlsafe(32) if owner_id is None else f"{int(owner_id)}.{secrets.token_urlsafe(32)}"
        )
        payload = json.dumps(
            {"owner_id": owner_id, "data": data or {}, "created": int(clock.now().timestamp())}
        )
        pipe.set(session_key(self.kind, token), payload, ex=ttl or self.ttl)
        if owner_id is not None:
            pipe.sadd(index_key(self.kind, owner_id), _digest(token))
            self._keep_index(pipe, owner_id, max(ttl or 0, self.ttl))
        return token

    def peek(self, token: str | None) -> tuple[Session, int] | None:
        """The session and the milliseconds it has left, without sliding its expiry; None if gone."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(session_key(self.kind, token))
            pipe.pttl(session_key(self.kind, token))
            raw, left_ms = pipe.execute()
        return (_session(token, raw), max(int(left_ms), 0)) if raw is not None else None

    def save(self, session: Session, data: dict) -> bool:
        """Replace a session's data, keeping its expiry; False (nothing written) if it ended meanwhile."""
        payload = json.dumps(
            {"owner_id": session.owner_id, "data": data, "created": int(clock.now().timestamp())}
        )
        # XX: a session revoked while this request ran is not brought back (and KEEPTTL on a
        # missing key would have made one that never expires).
        return bool(
            self.redis.set(f"{PREFIX}:{self.kind}:{session.token_hash}", payload, xx=True, keepttl=True)
        )

    def _keep_index(self, pipe, owner_id, ttl: int | None = None) -> None:
        """Queue: the owner's index lives at least as long as a session slid now (never shorter)."""
        index, ttl = index_key(self.kind, owner_id), (ttl or self.ttl) + INDEX_MARGIN_SECONDS
        pipe.expire(index, ttl, nx=True)  # a new index gets its first expiry
        pipe.expire(index, ttl, gt=True)  # an existing one is only ever extended

    def get(self, token: str | None) -> Session | None:
        """The session for a token, its TTL (and its owner's index) refreshed; None if unknown or expired."""
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        hint = owner_hint(token)
        # GETEX reads and slides the TTL in one command (Redis 6.2+); the index is extended with it.
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.getex(session_key(self.kind, token), ex=self.ttl)
            if hint is not None:
                self._keep_index(pipe, hint)
                pipe.sismember(index_key(self.kind, hint), _digest(token))
            results = pipe.execute()
        if results[0] is None:
            return None
        session = _session(token, results[0])
        if session.owner_id != hint or not results[-1]:
            self._rejoin_index(session)
        return session

    def lookup(
        self, token: str | None, owner_keys: Callable[[int], Iterable[str]] | None = None
    ) -> tuple[Session | None, dict]:
        """The session and, in the same round trip, the values of `owner_keys(owner id)`.

        The values come back as {key: value or None}, and only when the session is the named
        owner's; otherwise the dict is empty. The expiry slides as in `get`, at most once per
        SLIDE_INTERVAL_SECONDS in this process.
        """
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None, {}
        key = session_key(self.kind, token)
        hint = owner_hint(token)
        extra = list(owner_keys(hint)) if hint is not None and owner_keys is not None else []
        now = time.monotonic()
        slide = now - _last_slide.get(key, -self.slide_interval) >= self.slide_interval
        indexed = True
        if slide:
            with self.redis.pipeline(transaction=False) as pipe:
                pipe.mget([key, *extra])
                pipe.expire(key, self.ttl)
                if hint is not None:
                    self._keep_index(pipe, hint)
                    pipe.sismember(index_key(self.kind, hint), _digest(token))
                results = pipe.execute()
            values, indexed = results[0], hint is None or bool(results[-1])
            _remember_slide(key, now)
        else:
            values = self.redis.mget([key, *extra])
        if values[0] is None:
            _last_slide.pop(key, None)
            return None, {}
        session = _session(token, values[0])
        if slide and (session.owner_id != hint or not indexed):
            self._rejoin_index(session)
        fetched = dict(zip(extra, values[1:], strict=True)) if session.owner_id == hint else {}
        return session, fetched

    def _rejoin_index(self, session: Session) -> None:
        """Put a live session (back) into its owner's index: one older than the index, or without a name."""
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(index_key(self.kind, session.owner_id), session.token_hash)
            self._keep_index(pipe, session.owner_id)
            pipe.execute()

    def update(self, token: str, data: dict) -> bool:
        """Replace the data kept with a session (its TTL renewed); False (nothing written) if it ended meanwhile."""
        current = self.get(token)
        if current is None:
            return False
        payload = json.dumps(
            {"owner_id": current.owner_id, "data": data, "created": int(clock.now().timestamp())}
        )
        with self.redis.pipeline(transaction=False) as pipe:
            # XX: a logout or a deletion that lands after the read above is not undone.
            pipe.set(session_key(self.kind, token), payload, ex=self.ttl, xx=True)
            self._keep_index(pipe, current.owner_id)
            written, *_ = pipe.execute()
        return bool(written)

    def revoke(self, token: str) -> None:
        """End one session (logout)."""
        current = self.get(token)
        _last_slide.pop(session_key(self.kind, token), None)
        with self.redis.pipeline() as pipe:
            pipe.delete(session_key(self.kind, token))
            if current is not None and current.owner_id is not None:
                pipe.srem(index_key(self.kind, current.owner_id), current.token_hash)
            pipe.execute()

    def revoke_all(self, owner_id: int) -> int:
        """End every session of an owner; the number ended.

        Only the members read are removed from the index, so a session created meanwhile stays
        listed for the next revocation instead of being forgotten with the index.
        """
        index = index_key(self.kind, owner_id)
        hashes = [h.decode() if isinstance(h, bytes) else h for h in self.redis.smembers(index)]
        if not hashes:
            return 0
        with self.redis.pipeline() as pipe:
            for token_hash in hashes:
                pipe.delete(f"{PREFIX}:{self.kind}:{token_hash}")
            pipe.srem(index, *hashes)
            results = pipe.execute()
        return sum(1 for r in results[:-1] if r)


def _session(token: str, raw) -> Session:
    """A Session from its stored payload."""
    payload = json.loads(raw)
    return Session(token_hash=_digest(token), owner_id=payload["owner_id"], data=payload["data"])


def _remember_slide(key: str, when: float) -> None:
    """Note when this process last slid a session's expiry (forgetting all when too many)."""
    if len(_last_slide) >= _MAX_REMEMBERED_SLIDES:
        _last_slide.clear()
    _last_slide[key] = when
