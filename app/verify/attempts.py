"""Verification attempt limits in Redis: failures per WeChat identity and per identifier in a fixed window.

The per-person limit is keyed by the WeChat identity (a keyed hash of the openid, see
`verification.wechat_subject`), not by the account: deleting the account and signing in again
starts a new account with the same counter, so it is no way to fresh attempts.

A try *reserves* one attempt on every key before any matching runs (an atomic INCR inside one
MULTI/EXEC pipeline), so concurrent submissions cannot all slip under the limit: only the first
`max_failures` increments in a window are admitted. A try that passes, or ends for a reason that
is not a guess, gives its reservation back; a failure keeps it. The window starts with the first
failure and the lock lifts when the key expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app import clock

PREFIX = "ssc:verification_record"


def subject_key(subject: str) -> str:
    """Redis key counting the failures of one WeChat identity, across its accounts."""
    return f"{PREFIX}:wechat:{subject}"


def identifier_key(identifier_hash: str) -> str:
    """Redis key counting failures against one identifier, across every account."""
    return f"{PREFIX}:identifier:{identifier_hash}"


@dataclass(frozen=True)
class Reservation:
    """An admitted attempt: the keys it holds and how many failures each had including this one."""

    keys: tuple[str, ...]
    counts: tuple[int, ...]
    ttls_ms: tuple[int, ...]


class Locked(Exception):
    """The attempt was refused: a limit is reached until `until` (aware UTC)."""

    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


class AttemptLimiter:
    """Reserve, keep (failure) or give back (pass) attempts against per-person and per-identifier limits."""

    def __init__(self, redis_client, max_failures: int, window_seconds: int):
        self.redis = redis_client
        self.max_failures = int(max_failures)
        self.window = int(window_seconds)

    def keys_for(
        self, subject: str | tuple[str, ...], identifier_hash: str | tuple[str, ...] | None
    ) -> tuple[str, ...]:
        """The keys one attempt counts against.

        During a PII key rotation a caller gives the hashes under both keys (the current first), so
        the counts made under the old key still hold and new ones accrue under the new key.
        """
        subjects = (subject,) if isinstance(subject, str) else subject
        identifiers = (identifier_hash,) if isinstance(identifier_hash, str) else identifier_hash or ()
        return tuple(
            [subject_key(one) for one in subjects] + [identifier_key(one) for one in identifiers if one]
        )

    def reserve(
        self,
        subject: str | tuple[str, ...],
        identifier_hash: str | tuple[str, ...] | None,
        *,
        now: datetime | None = None,
    ) -> Reservation:
        """Admit one attempt or raise Locked; one round trip, atomic across every key."""
        keys = self.keys_for(subject, identifier_hash)
        with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.set(key, 0, ex=self.window, nx=True)
                pipe.incr(key)
                pipe.pttl(key)
            results = pipe.execute()
        counts = tuple(int(results[i * 3 + 1]) for i in range(len(keys)))
        ttls = tuple(max(int(results[i * 3 + 2]), 0) for i in range(len(keys)))
        over = [i for i, count in enumerate(counts) if count > self.max_failures]
        if over:
            # Give back what this refused try took from the keys that were still open, so a
            # locked identifier does not also use up the person's own attempts.
            self._give_back([keys[i] for i in range(len(keys)) if i not in over])
            raise Locked(self._until(max(ttls[i] for i in over), now))
        return Reservation(keys=keys, counts=counts, ttls_ms=ttls)

    def give_back(self, reservation: Reservation) -> None:
        """The try passed or was not a guess: it does not count as a failure."""
        self._give_back(list(reservation.keys))

    def locked_until(self, reservation: Reservation, *, now: datetime | None = None) -> datetime | None:
        """After a kept failure: when the limit this failure reached lifts, or None if tries remain."""
        full = [
            ttl
            for count, ttl in zip(reservation.counts, reservation.ttls_ms, strict=True)
            if count >= self.max_failures
        ]
        return self._until(max(full), now) if full else None

    def status(
        self,
        subject: str | tuple[str, ...],
        identifier_hash: str | tuple[str, ...] | None,
        *,
        now: datetime | None = None,
    ) -> datetime | None:
        """When the current lock lifts, or None if another try is allowed (read only)."""
        keys = self.keys_for(subject, identifier_hash)
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.get(key)
                pipe.pttl(key)
            results = pipe.execute()
        ttls = [
            max(int(results[i * 2 + 1]), 0)
            for i in range(len(keys))
            if results[i * 2] is not None and int(results[i * 2]) >= self.max_failures
        ]
        return self._until(max(ttls), now) if ttls else None

    def reset(
        self, subject: str | tuple[str, ...], identifier_hash: str | tuple[str, ...] | None = None
    ) -> None:
        """Forget the counters (an operator's decision, or a test)."""
        self.redis.delete(*self.keys_for(subject, identifier_hash))

    def _give_back(self, keys: list[str]) -> None:
        """Decrement keys; EXPIRE NX keeps a key recreated by a race with expiry from living forever."""
        if not keys:
            return
        with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                pipe.decr(key)
                pipe.expire(key, self.window, nx=True)
            pipe.execute()

    def _until(self, ttl_ms: int, now: datetime | None) -> datetime:
        """The moment a key with this remaining lifetime expires, rounded up to the next minute."""
        now = now or clock.now()
        moment = now + timedelta(milliseconds=ttl_ms or self.window * 1000)
        if moment.second or moment.microsecond:
            moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        return moment
