"""The last journey screen rendered for each user, kept in Redis with what it was rendered from.

Showing a journey screen is a pure function of the saved state, the locale, whether the user is
on their first run, and the release (code and catalogs) for the steps that declare themselves
`cacheable` (no database read, no clock). So the screen a GET renders from the state's Redis
copy (app/journeys/flow_cache.py) is kept as bytes under the user and the flow, behind a stamp
naming those inputs: the locale, the first-run flag, the SHA-256 of the copy's exact bytes, the
copy generation and the release. A later GET whose inputs give the same stamp gets the same bytes
without rendering; any change (an answer saved, another language, a bulk change that bumped the
generation, a new release) gives another stamp, and the screen is rendered again and replaces it.

Only one screen per user and flow is kept (the one last shown), so a user who switches language
costs one render, and nothing needs invalidating: a stale entry can never match. The body shows
the user's answers, so it is sealed with the PII key (AES-GCM, bound to its stamp), as the state's
copy keeps its answers encrypted; deleting an account or withdrawing consent drops it at once.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from app import pii
from app.journeys import flow_cache

PREFIX = "ssc:flow-screen"
#: Where the app keeps its release id (`release_id` of its code and catalogs).
RELEASE_EXTENSION = "ssc_screen_release"
TTL_SECONDS = 600
_SEPARATOR = b"\n"


def key(user_id: int, flow: str) -> str:
    """The Redis key of one user's last rendered screen of one flow."""
    return f"{PREFIX}:{int(user_id)}:{flow}"


def stamp(*, locale: str, first_run: bool, copy_raw: bytes, generation: int, release: str) -> bytes:
    """What a screen was rendered from, as one line (no newline inside)."""
    digest = hashlib.sha256(copy_raw).hexdigest()
    return f"{release}|{locale}|{int(first_run)}|{generation}|{digest}".encode("ascii")


def put(redis_client, cache_key: str, screen_stamp: bytes, body: bytes, ttl: int = TTL_SECONDS) -> None:
    """Keep a rendered body behind its stamp, sealed with the PII key (it shows the user's answers)."""
    redis_client.set(cache_key, screen_stamp + _SEPARATOR + pii.codec().seal(body, screen_stamp), ex=ttl)


def body_if_current(kept: bytes | None, screen_stamp: bytes) -> bytes | None:
    """The kept body when it was rendered from exactly these inputs, else None."""
    if not kept:
        return None
    head, separator, sealed = kept.partition(_SEPARATOR)
    if not separator or head != screen_stamp:
        return None
    return pii.codec().unseal(sealed, screen_stamp)


def forget_user(redis_client, user_id: int) -> int:
    """Drop every kept screen of a user (account deleted, consent withdrawn); the number dropped."""
    keys = list(redis_client.scan_iter(match=f"{PREFIX}:{int(user_id)}:*", count=100))
    return redis_client.delete(*keys) if keys else 0


def kept_body(
    fetched: dict, user_id: int, flow: str, *, locale: str, first_run: bool, release: str
) -> bytes | None:
    """The kept screen, when `fetched` (the values of `keys`) shows it is still the one to show."""
    copy_key, generation_key, screen_key = keys(user_id, flow)
    copy_raw = fetched.get(copy_key)
    if copy_raw is None:
        return None
    screen_stamp = stamp(
        locale=locale,
        first_run=first_run,
        copy_raw=copy_raw,
        generation=int(fetched.get(generation_key) or 0),
        release=release,
    )
    return body_if_current(fetched.get(screen_key), screen_stamp)


def keys(user_id: int, flow: str) -> list[str]:
    """Every key `kept_body` reads: the state's copy, the copy generation, and the kept screen."""
    return [*flow_cache.keys(user_id, flow), key(user_id, flow)]


def keep(
    redis_client,
    user_id: int,
    flow: str,
    copy: flow_cache.StateCopy,
    *,
    locale: str,
    first_run: bool,
    release: str,
    body: bytes,
) -> None:
    """Keep a screen just rendered from `copy` (a flow_cache copy, with its raw bytes and generation)."""
    screen_stamp = stamp(
        locale=locale, first_run=first_run, copy_raw=copy.raw, generation=copy.generation, release=release
    )
    put(redis_client, key(user_id, flow), screen_stamp, body)


@lru_cache(maxsize=8)
def release_id(*roots: str | Path) -> str:
    """A short id of what screens are rendered with: the content of the code and catalogs under `roots`.

    Computed once per process; content, not file times, so every machine running the same release
    agrees on it.
    """
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in (".py", ".mo") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode("utf-8"))
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]
