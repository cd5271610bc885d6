"""Opaque session tokens in Redis: all key names and TTLs of sessions live here."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

PREFIX = "ssc"


def _digest(token: str) -> str:
    """Sessions are stored under a hash of the token, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def session_key(kind: str, token: str) -> str:
    """Redis key of one session."""
    return f"{PREFIX}:{kind}:{_digest(token)}"


def index_key(kind: str, owner_id) -> str:
    """Redis key of the set of one owner's sessions (for revoke-all)."""
    return f"{PREFIX}:{kind}-index:{owner_id}"


@dataclass(frozen=True)
class Session:
    """What a valid token stands for."""

    token_hash: str
    owner_id: int
    data: dict


class SessionStore:
    """Create, look up (sliding TTL), revoke one and revoke all sessions of one kind."""

    def __init__(self, redis_client, kind: str, ttl_seconds: int):
        self.redis = redis_client
        self.kind = kind
        self.ttl = ttl_seconds

    def create(self, owner_id: int, data: dict | None = None) -> str:
        """A new random token (256 bits) for the owner."""
        token = secrets.token_urlsafe(32)
        payload = json.dumps({"owner_id": owner_id, "data": data or {}, "created": int(time.time())})
        key = session_key(self.kind, token)
        with self.redis.pipeline() as pipe:
            pipe.set(key, payload, ex=self.ttl)
            pipe.sadd(index_key(self.kind, owner_id), _digest(token))
            pipe.expire(index_key(self.kind, owner_id), self.ttl * 2)
            pipe.execute()
        return token

    def get(self, token: str | None) -> Session | None:
        """The session for a token, its TTL refreshed; None if unknown or expired."""
        if not token or len(token) > 128:
            return None
        # GETEX reads and slides the TTL in one command (Redis 6.2+): no MULTI/EXEC around it.
        raw = self.redis.getex(session_key(self.kind, token), ex=self.ttl)
        if raw is None:
            return None
        payload = json.loads(raw)
        return Session(token_hash=_digest(token), owner_id=payload["owner_id"], data=payload["data"])

    def update(self, token: str, data: dict) -> None:
        """Replace the data kept with a session (same TTL)."""
        current = self.get(token)
        if current is None:
            return
        payload = json.dumps({"owner_id": current.owner_id, "data": data, "created": int(time.time())})
        self.redis.set(session_key(self.kind, token), payload, ex=self.ttl)

    def revoke(self, token: str) -> None:
        """End one session (logout)."""
        current = self.get(token)
        with self.redis.pipeline() as pipe:
            pipe.delete(session_key(self.kind, token))
            if current is not None:
                pipe.srem(index_key(self.kind, current.owner_id), current.token_hash)
            pipe.execute()

    def revoke_all(self, owner_id: int) -> int:
        """End every session of an owner; the number ended."""
        index = index_key(self.kind, owner_id)
        hashes = [h.decode() if isinstance(h, bytes) else h for h in self.redis.smembers(index)]
        with self.redis.pipeline() as pipe:
            for token_hash in hashes:
                pipe.delete(f"{PREFIX}:{self.kind}:{token_hash}")
            pipe.delete(index)
            results = pipe.execute()
        return sum(1 for r in results[:-1] if r)
