"""PII key rotation: re-encrypt every identifier under the new PII_KEY, re-key its look-up hash, retire the old key.

The procedure is in docs/deploy.md, §4. While it runs, every process has the new key as PII_KEY
(it encrypts and hashes) and the old one as PII_KEY_PREVIOUS (it still decrypts, and searches try
both keys' hashes), so the service keeps working throughout.

Progress is the data itself: a value still to do is one whose ciphertext does not start with the
new key's id. Each batch re-encrypts its rows, recomputes their look-up hashes in the same UPDATE,
and counts them in the rotation's record, in one transaction; each UPDATE applies only if the
value is still the ciphertext that was read (a value the service rewrote meanwhile is already
under the new key). So a run killed at any point loses nothing, a second run carries on where the
data says, and no value is re-encrypted twice.

Hashes kept without their value cannot all be recomputed: a verification attempt's WeChat subject
is re-keyed through the openids of existing accounts; the other attempt hashes (never searched,
kept for their retention period) and in-person references (random codes stored only as hashes)
keep the old key's hash. Retiring the old key waits until no open reference from before the
rotation is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, Text, and_, bindparam, case, func, insert, or_, select, type_coerce, update

from app import clock, pii
from app.accounts.models.user import UserAccount
from app.columns import EncryptedString
from app.extensions import db, table_of
from app.journeys.models import EncryptedJSON
from app.privacy.models import PiiKeyRotation
from app.verify.models import InPersonReference, VerificationAttempt
from app.verify.verification import WECHAT_SUBJECT_KIND

#: (table, encrypted column) -> (its look-up hash column, the identifier kind it is hashed as).
LOOKUP_HASHES = {
    ("people", "phone"): ("phone_hash", "phone"),
    ("people", "pr_id"): ("pr_id_hash", "pr_id"),
    ("identity_documents", "number"): ("number_hash", "passport"),
    ("work_permits", "permit_number"): ("permit_number_hash", "permit"),
    ("social_security_accounts", "ssn"): ("ssn_hash", "ssn"),
}
#: Hash columns with no encrypted value beside them, and what the rotation does with each.
HASH_ONLY = {
    ("verification_attempts", "wechat_subject"): "re-keyed through the openids of existing accounts",
    ("verification_attempts", "identifier_hash"): "kept: never searched, deleted after the retention period",
    (
        "in_person_references",
        "reference_hash",
    ): "kept: open ones from before the rotation delay the retirement",
}
DEFAULT_BATCH = 500
#: Reads of a row the service keeps rewriting before the batch leaves it to the next run.
_TRIES = 3


class RotationError(RuntimeError):
    """The rotation or the retirement cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """The encrypted columns of one table, with their look-up hashes."""

    table: Table
    columns: tuple[str, ...]

    def hash_of(self, column: str) -> tuple[str, str] | None:
        """(hash column, kind) of an encrypted column, or None."""
        return LOOKUP_HASHES.get((self.table.name, column))


def targets() -> list[Target]:
    """Every table with an encrypted column, found in the models' metadata (so none is forgotten)."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = tuple(
            column.name
            for column in table.columns
            if isinstance(column.type, EncryptedString | EncryptedJSON)
        )
        if columns:
            found.append(Target(table, columns))
    return found


@dataclass
class BatchDone:
    """What one committed batch did."""

    table: str
    values: int
    hashes: int
    total: int


@dataclass
class Report:
    """What a run of rotate-key did."""

    values: int = 0
    hashes: int = 0
    subjects: int = 0
    changed_meanwhile: int = 0
    remaining: dict[str, int] = field(default_factory=dict)
    total: int = 0


def _raw(column):
    """The column as stored (the ciphertext), not through its decrypting type."""
    return type_coerce(column, Text)


def _codec_for_rotation() -> pii.PiiCodec:
    """The configured codec, which must hold both keys."""
    codec = pii.codec()
    if codec.previous is None:
        raise RotationError(
            "PII_KEY_PREVIOUS is not set: set PII_KEY to the new key and PII_KEY_PREVIOUS "
            "to the old one, restart every web and worker process, then run this again"
        )
    return codec


def _previous_key(codec: pii.PiiCodec) -> pii.PiiKey:
    """The key being rotated away from (_codec_for_rotation made sure there is one)."""
    assert codec.previous is not None
    return codec.previous


def _record(conn, codec: pii.PiiCodec, *, create: bool) -> dict | None:
    """The rotation record from the previous key to the current one (made on the first run)."""
    table = table_of(PiiKeyRotation)
    retired = conn.execute(
        select(table.c.retired_at).where(table.c.from_key_id == codec.key_id, table.c.retired_at.is_not(None))
    ).first()
    if retired is not None:
        raise RotationError(
            f"PII_KEY is key {codec.key_id}, retired on {retired.retired_at:%Y-%m-%d %H:%M} UTC: "
            "it must not encrypt again"
        )
    where = and_(table.c.from_key_id == _previous_key(codec).key_id, table.c.to_key_id == codec.key_id)
    row = conn.execute(select(table).where(where)).mappings().first()
    if row is None and create:
        conn.execute(
            insert(table).values(
                from_key_id=_previous_key(codec).key_id,
                to_key_id=codec.key_id,
                started_at=clock.now(),
                values_reencrypted=0,
            )
        )
        row = conn.execute(select(table).where(where)).mappings().first()
    return dict(row) if row is not None else None


def _pending(target: Target, key_id: str):
    """Rows of the target with a value not yet under the key `key_id`."""
    return or_(
        *(
            and_(target.table.c[name].is_not(None), _raw(target.table.c[name]).not_like(f"{key_id}:%"))
            for name in target.columns
        )
    )


def rotate(batch_size: int = DEFAULT_BATCH, on_batch: Callable[[BatchDone], None] | None = None) -> Report:
    """Re-encrypt every value not under the current key, with its hash; re-key attempt subjects."""
    codec = _codec_for_rotation()
    with db.engine.begin() as conn:
        record = _record(conn, codec, create=True)
    assert record is not None  # create=True makes it
    report = Report()
    for target in targets():
        last_id = 0
        while True:
            with db.engine.begin() as conn:
                done, last_id = _rotate_batch(conn, codec, target, last_id, batch_size, report, record["id"])
            if done is None:
                break
            if on_batch is not None:
                on_batch(done)
    report.subjects = _rekey_subjects(codec, batch_size)
    report.remaining = remaining(codec.key_id)
    with db.engine.begin() as conn:
        table = table_of(PiiKeyRotation)
        report.total = conn.execute(
            select(table.c.values_reencrypted).where(table.c.id == record["id"])
        ).scalar_one()
        if not report.remaining:
            conn.execute(
                update(table)
                .where(table.c.id == record["id"], table.c.finished_at.is_(None))
                .values(finished_at=clock.now())
            )
    return report


def _rotate_batch(
    conn, codec: pii.PiiCodec, target: Target, last_id: int, batch_size: int, report: Report, record_id: int
) -> tuple[BatchDone | None, int]:
    """One batch of one table in the caller's transaction: (what it did or None at the end, the last id)."""
    table = target.table
    columns = (table.c.id, *(_raw(table.c[name]).label(name) for name in target.columns))
    rows = (
        conn.execute(
            select(*columns)
            .where(table.c.id > last_id, _pending(target, codec.key_id))
            .order_by(table.c.id)
            .limit(batch_size)
        )
        .mappings()
        .all()
    )
    if not rows:
        return None, last_id
    values = hashes = 0
    for row in rows:
        for _ in range(_TRIES):
            done = _rotate_row(conn, codec, target, row)
            if done is not None:
                values, hashes = values + done[0], hashes + done[1]
                break
            report.changed_meanwhile += 1
            # Read it again as now committed, and hold it (a plain read would see this transaction's snapshot).
            row = (
                conn.execute(select(*columns).where(table.c.id == row["id"]).with_for_update())
                .mappings()
                .first()
            )
            if row is None:
                break
    rotations = table_of(PiiKeyRotation)
    conn.execute(
        update(rotations)
        .where(rotations.c.id == record_id)
        .values(values_reencrypted=rotations.c.values_reencrypted + values)
    )
    report.values += values
    report.hashes += hashes
    return BatchDone(table.name, values, hashes, report.values), rows[-1]["id"]


def _rotate_row(conn, codec: pii.PiiCodec, target: Target, row) -> tuple[int, int] | None:
    """Re-encrypt a row's values not under the current key, with their hashes: (values, hashes) written.

    None when the row no longer holds what was read (the service rewrote it meanwhile): nothing is written.
    """
    table = target.table
    changes: dict = {}
    checks = [table.c.id == row["id"]]
    for name in target.columns:
        stored = row[name]
        if stored is None or stored.startswith(f"{codec.key_id}:"):
            continue
        plain = _decrypt(codec, table.name, name, row["id"], stored)
        changes[name] = codec.encrypt(plain)
        checks.append(_raw(table.c[name]) == stored)
        paired = target.hash_of(name)
        if paired is not None:
            hash_column, kind = paired
            changes[hash_column] = codec.lookup_hash(plain, kind)
    if not changes:
        return 0, 0
    statement = (
        update(table)
        .where(*checks)
        .values(
            {
                table.c[name]: (
                    type_coerce(bindparam(f"v_{name}"), Text)
                    if name in target.columns
                    else bindparam(f"v_{name}")
                )
                for name in changes
            }
        )
    )
    if conn.execute(statement, {f"v_{name}": value for name, value in changes.items()}).rowcount != 1:
        return None
    written = sum(1 for name in changes if name in target.columns)
    return written, len(changes) - written


def _decrypt(codec: pii.PiiCodec, table: str, column: str, row_id: int, stored: str) -> str:
    """A stored value's plaintext, or a RotationError naming the row when no configured key opens it."""
    try:
        return codec.decrypt(stored)
    except pii.UnknownPiiKey as error:
        raise RotationError(
            f"{table}.{column} of row {row_id} is under key {pii.key_tag(stored)!r}, which is "
            f"neither PII_KEY nor PII_KEY_PREVIOUS ({error})"
        ) from None


def _subject_pairs(codec: pii.PiiCodec, batch_size: int) -> Iterator[list[tuple[str, str]]]:
    """(previous key's subject, current key's) of existing accounts' openids, a batch at a time."""
    previous = _previous_key(codec)
    last_id = 0
    while True:
        with db.engine.connect() as conn:
            users = conn.execute(
                select(UserAccount.id, UserAccount.openid)
                .where(UserAccount.id > last_id)
                .order_by(UserAccount.id)
                .limit(batch_size)
            ).all()
        if not users:
            return
        last_id = users[-1].id
        yield [
            (
                previous.lookup_hash(user.openid, WECHAT_SUBJECT_KIND),
                codec.lookup_hash(user.openid, WECHAT_SUBJECT_KIND),
            )
            for user in users
        ]


def _rekey_subjects(codec: pii.PiiCodec, batch_size: int) -> int:
    """Attempt records naming an existing account's WeChat identity by the old key's hash get the new one."""
    attempts = table_of(VerificationAttempt)
    changed = 0
    for pairs in _subject_pairs(codec, batch_size):
        new_of = dict(pairs)
        with db.engine.begin() as conn:
            present = (
                conn.execute(
                    select(attempts.c.wechat_subject).distinct().where(attempts.c.wechat_subject.in_(new_of))
                )
                .scalars()
                .all()
            )
            for old in present:
                changed += (
                    conn.execute(
                        update(attempts)
                        .where(attempts.c.wechat_subject == old)
                        .values(wechat_subject=new_of[old])
                    ).rowcount
                    or 0
                )
    return changed


def _old_subjects_left(codec: pii.PiiCodec, batch_size: int) -> int:
    """Attempt records still naming an existing account's WeChat identity by the old key's hash."""
    attempts = table_of(VerificationAttempt)
    left = 0
    for pairs in _subject_pairs(codec, batch_size):
        with db.engine.connect() as conn:
            left += conn.execute(
                select(func.count())
                .select_from(attempts)
                .where(attempts.c.wechat_subject.in_([old for old, _ in pairs]))
            ).scalar_one()
    return left


def key_counts() -> dict[str, Counter]:
    """For each `table.column` holding ciphertexts: how many values each key id (or `v1`) wrote."""
    counts: dict[str, Counter] = {}
    with db.engine.connect() as conn:
        for target in targets():
            for name in target.columns:
                raw = _raw(target.table.c[name])
                tag = case((raw.like(f"{pii.LEGACY_TAG}:%"), pii.LEGACY_TAG), else_=func.substr(raw, 1, 11))
                counts[f"{target.table.name}.{name}"] = Counter(
                    dict(
                        conn.execute(
                            select(tag, func.count()).where(target.table.c[name].is_not(None)).group_by(tag)
                        ).all()
                    )
                )
    return counts


def rotations() -> list[dict]:
    """Every rotation recorded, oldest first: key ids, when it started, values re-encrypted, finished, retired."""
    table = table_of(PiiKeyRotation)
    with db.engine.connect() as conn:
        return [dict(row) for row in conn.execute(select(table).order_by(table.c.id)).mappings()]


def remaining(key_id: str) -> dict[str, int]:
    """`table.column` -> values not under the key `key_id` (only columns that have some)."""
    return {
        name: sum(n for tag, n in tags.items() if tag != key_id)
        for name, tags in key_counts().items()
        if any(tag != key_id for tag in tags)
    }


@dataclass
class Retirement:
    """What retire-key found and did."""

    key_id: str
    retired_at: datetime


def retire(batch_size: int = DEFAULT_BATCH) -> Retirement:
    """Record the previous key as retired, refusing while anything still needs it."""
    codec = _codec_for_rotation()
    with db.engine.connect() as conn:
        record = _record(conn, codec, create=False)
    if record is None:
        raise RotationError(
            f"no rotation from key {_previous_key(codec).key_id} to {codec.key_id} was started: "
            "run `flask --app wsgi pii rotate-key` first"
        )
    if record["retired_at"] is not None:
        return Retirement(_previous_key(codec).key_id, record["retired_at"])
    problems = [f"{name}: {count} values" for name, count in remaining(codec.key_id).items()]
    subjects = _old_subjects_left(codec, batch_size)
    if subjects:
        problems.append(f"verification_attempts.wechat_subject: {subjects} records")
    if problems:
        raise RotationError(
            f"still under key {_previous_key(codec).key_id} (or written before key ids): "
            + "; ".join(problems)
            + ". Run `flask --app wsgi pii rotate-key` again"
        )
    references = table_of(InPersonReference)
    now = clock.now()
    with db.engine.connect() as conn:
        open_count, last_expiry = conn.execute(
            select(func.count(), func.max(references.c.expires_at))
            # <=: timestamps are kept to the second, and one made in the rotation's first second may be old.
            .where(
                references.c.created_at <= record["started_at"],
                references.c.confirmed_at.is_(None),
                references.c.cancelled_at.is_(None),
                references.c.expires_at > now,
            )
        ).one()
    if open_count:
        raise RotationError(
            f"{open_count} in-person references made before the rotation are still open and "
            f"are found only with the old key's hash; the last expires at "
            f"{last_expiry:%Y-%m-%d %H:%M} UTC: retire the key after that"
        )
    rotations = table_of(PiiKeyRotation)
    with db.engine.begin() as conn:
        conn.execute(update(rotations).where(rotations.c.id == record["id"]).values(retired_at=now))
    return Retirement(_previous_key(codec).key_id, now)
