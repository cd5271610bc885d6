"""Console sign-in throttles kept in Redis: per address with backoff, and per name that is no account.

- Per address: every failed sign-in from an address counts, whatever the username. After
  ADDRESS_FREE_FAILURES failures the address waits before its next try, a wait that doubles with
  each further failure (one minute, two, four… up to a day), and the count is forgotten two days
  after the address's last failure. One address therefore cannot keep an account locked: the
  account lock (admin_auth) needs five failures, and after the first few the address is allowed
  fewer and fewer.
- Per name that is no account (or no active one): the same count and lock as a real account's,
  so a username that does not exist answers exactly like one that does. Real accounts keep theirs
  in the database (admin_auth); the rule both follow is `locks_at`.

Moments are stored as epoch seconds from the caller's `now` (so tests can move time); Redis
expiries only clear away what is no longer needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app import pii

PREFIX = "ssc:console-sign-in"
ADDRESS_FREE_FAILURES = 10
ADDRESS_FIRST_WAIT = timedelta(minutes=1)
ADDRESS_LONGEST_WAIT = timedelta(days=1)
ADDRESS_MEMORY = timedelta(days=2)
#: How long the tries against a name are remembered after the last one (accounts keep the same).
NAME_MEMORY = timedelta(days=1)


def locks_at(count: int, max_failures: int) -> bool:
    """The rule of every account lock: each `max_failures`-th counted try locks."""
    return count % max_failures == 0


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def address_key(address: str) -> str:
    """The Redis hash of one address's failures and the moment its next try is allowed."""
    return f"{PREFIX}:address:{address}"


def name_key(username: str) -> str:
    """The Redis hash of the tries against one name that is no account (keyed hash: no names in Redis)."""
    return f"{PREFIX}:name:{pii.codec().lookup_hash(username, 'console-username')}"


def address_wait(redis_client, address: str | None, now: datetime) -> datetime | None:
    """When this address may try again, or None if it may now."""
    if not address:
        return None
    allowed = _text(redis_client.hget(address_key(address), "next_at"))
    moment = _moment(float(allowed)) if allowed else None
    return moment if moment is not None and moment > now else None


def count_address_failure(redis_client, address: str | None, now: datetime) -> datetime | None:
    """Count one failure from an address; when its backoff now applies, until when (else None)."""
    if not address:
        return None
    key = address_key(address)
    with redis_client.pipeline(transaction=True) as pipe:
        pipe.hincrby(key, "failures", 1)
        pipe.expire(key, int(ADDRESS_MEMORY.total_seconds()))
        failures = int(pipe.execute()[0])
    if failures < ADDRESS_FREE_FAILURES:
        return None
    wait = min(ADDRESS_FIRST_WAIT * 2 ** (failures - ADDRESS_FREE_FAILURES), ADDRESS_LONGEST_WAIT)
    until = now + wait
    redis_client.hset(key, "next_at", until.timestamp())
    return until


@dataclass(frozen=True)
class CountedTry:
    """A try admitted against an account's (or a name's) limit: its number, and the lock it started."""

    count: int
    locked_until: datetime | None


class NameLocked(Exception):
    """The name is locked until `until`."""

    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


def count_name_try(
    redis_client, username: str, now: datetime, *, max_failures: int, lockout: timedelta
) -> CountedTry:
    """Admit and count one try against a name that is no account, as accounts count theirs.

    One optimistic transaction (WATCH): parallel tries each get their own number, and none is
    admitted while the name is locked. Raises NameLocked.
    """
    key, now_ts, memory = name_key(username), now.timestamp(), NAME_MEMORY.total_seconds()

    def admit(pipe):
        failed, locked, last = (_text(v) for v in pipe.hmget(key, "failed", "locked_until", "last_try"))
        if locked and float(locked) > now_ts:
            return None, float(locked)
        count = 1 if not last or float(last) < now_ts - memory else int(failed) + 1
        until = now_ts + lockout.total_seconds() if locks_at(count, max_failures) else None
        pipe.multi()
        pipe.hset(key, mapping={"failed": count, "last_try": now_ts, "locked_until": until or 0})
        pipe.expire(key, int(memory + lockout.total_seconds()))
        return count, until

    count, until = redis_client.transaction(admit, key, value_from_callable=True)
    if count is None:
        raise NameLocked(_moment(until))
    return CountedTry(count=count, locked_until=_moment(until) if until else None)
