"""A short-lived Redis cache of one user's rendered card screens (JSON bytes, per locale).

The card and a year of contributions are read far more often than the registry changes (imports
run at most daily), and rendering them costs several database round trips and hundreds of
formatted amounts. A rendered screen is kept for TTL_SECONDS under the user's id, so a repeat
view costs one Redis GET. Only successful screens of verified users are kept; every key names
the user, so one user's entry can never answer another's request, and each body is sealed with
the PII key (AES-GCM) bound to its key, so Redis never holds a holder's screen in the clear.
`forget_user` drops them all (after a registry import or a change of verification); otherwise
they expire on their own.
"""

from __future__ import annotations

import hashlib

from app import pii

PREFIX = "ssc:view"
TTL_SECONDS = 60


def key(user_id: int, screen: str, locale: str, *parts: str) -> str:
    """The cache key of one screen of one user in one locale (extra parts are hashed)."""
    suffix = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24] if parts else "-"
    return f"{PREFIX}:{int(user_id)}:{screen}:{locale}:{suffix}"


def get(redis_client, cache_key: str, prefetched: dict | None = None) -> bytes | None:
    """The cached body, or None: from `prefetched` when it was fetched already, else one GET."""
    sealed = prefetched[cache_key] if prefetched and cache_key in prefetched else redis_client.get(cache_key)
    return unsealed(cache_key, sealed)


def unsealed(cache_key: str, sealed: bytes | None) -> bytes | None:
    """The body kept under `cache_key`, from its stored (sealed) value; None when none or not opening."""
    return pii.codec().unseal(sealed, cache_key.encode("utf-8")) if sealed else None


def put(redis_client, cache_key: str, body: bytes, ttl: int = TTL_SECONDS) -> None:
    """Keep a rendered body for `ttl` seconds, sealed with the PII key and bound to its key."""
    redis_client.set(cache_key, pii.codec().seal(body, cache_key.encode("utf-8")), ex=ttl)


def forget_user(redis_client, user_id: int) -> int:
    """Drop every cached screen of a user; the number dropped."""
    keys = list(redis_client.scan_iter(match=f"{PREFIX}:{int(user_id)}:*", count=100))
    return redis_client.delete(*keys) if keys else 0


def forget_everyone(redis_client) -> int:
    """Drop every cached screen (after a registry import changed rows of many people)."""
    dropped = 0
    batch = []
    for cache_key in redis_client.scan_iter(match=f"{PREFIX}:*", count=500):
        batch.append(cache_key)
        if len(batch) >= 500:
            dropped += redis_client.delete(*batch)
            batch = []
    if batch:
        dropped += redis_client.delete(*batch)
    return dropped
