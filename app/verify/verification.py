"""Proving who a user is: match the registry, check a second factor, link the account to the person.

Every try is recorded as a VerificationAttempt (identifier hashed, never in clear) and counted by
the AttemptLimiter against the WeChat identity and the identifier: a wrong guess counts, a pass and
a non-guess (an expired WeChat code, a person already claimed) do not. Success links the user to the person, stamps `verified_at` and writes an audit
record, in one transaction. It never changes the card: activation happens in the official channels,
and the card's status is the one the registry records.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import overload

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import clock, pii, view_cache
from app.accounts.consents import active_consent
from app.accounts.models.user import UserAccount
from app.audit import log as audit
from app.errors import AppError, Conflict, NotFound, ServiceUnavailable, Unauthorized
from app.extensions import db, get_redis
from app.i18n import _l
from app.registry.identifiers import IdentifierError, identifier_hash, identifier_hashes, normalize_phone
from app.registry.models import Person, SocialSecurityAccount, WorkPermit
from app.verify.attempts import AttemptLimiter, Locked, Reservation
from app.verify.models import InPersonReference, VerificationAttempt
from app.verify.name_match import MATCH, NEAR, compare_names

#: The identifier types a user may choose, and the look-up hash kind of each.
IDENTIFIER_KINDS = {"permit_number": "permit", "ssn": "ssn", "pr_id": "pr_id"}

#: Outcomes of matching, as recorded with each attempt.
PASS = "pass"  # noqa: S105 - an outcome name, not a password
NOT_FOUND = "not_found"
NAME_MISMATCH = "name_mismatch"
NAME_NEAR = "name_near"
DOB_MISMATCH = "dob_mismatch"
PERMIT_INACTIVE = "permit_inactive"
ALREADY_LINKED = "already_linked"
#: What the user is told for any of NOT_FOUND, NAME_MISMATCH and DOB_MISMATCH: one answer that
#: tells no guesser whether the number exists or which detail was wrong.
NO_MATCH = "no_match"
#: The detailed outcomes only staff see; users see NO_MATCH instead.
UNDISCLOSED = frozenset({NOT_FOUND, NAME_MISMATCH, DOB_MISMATCH})
#: Outcomes of the phone check.
PHONE_MISMATCH = "phone_mismatch"
PHONE_MISSING = "phone_missing"
CODE_INVALID = "code_invalid"

#: Outcomes that are not guesses, so they do not use up an attempt.
NOT_COUNTED = frozenset({PASS, ALREADY_LINKED, PHONE_MISSING, CODE_INVALID})

#: The look-up hash kind of a WeChat openid in attempt limits and records.
WECHAT_SUBJECT_KIND = "wechat-openid"

#: In-person references: 8 characters of Crockford's base 32 (no I, L, O, U), shown as XXXX-XXXX.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8
REFERENCE_HASH_KIND = "in_person_ref"
DEFAULT_REFERENCE_TTL_SECONDS = 7 * 24 * 60 * 60
#: How many of a user's latest identity checks staff see beside their reference.
CHECKS_SHOWN_TO_STAFF = 10


class VerificationLocked(AppError):
    """Too many failed tries for this user or this identifier; `until` says when the lock lifts."""

    code = "verification.locked"
    status = 429
    message = _l("Too many attempts. Please try again later.")

    def __init__(self, until: datetime):
        super().__init__(details={"retry_at": until.isoformat()})
        self.until = until


class PersonAlreadyLinked(AppError):
    """The registry person is already linked to another account."""

    code = "verification.already_linked"
    status = 409
    message = _l(
        "Another WeChat account already uses these details. If that is not you, "
        "go to a service point with your passport or call 12333."
    )


class AccountLinkedElsewhere(AppError):
    """This account is already verified as a different person."""

    code = "verification.account_linked"
    status = 409
    message = _l("You already verified your account with other details.")


class ReferenceNotFound(NotFound):
    """No in-person reference matches what staff typed."""

    code = "verification.reference_not_found"
    message = _l("No waiting check has this reference. Check the characters and try again.")


#: The consent identity checks rest on (the journey asks for it before the first question).
CONSENT_PURPOSE = "sensitive_identifiers"


class ReferenceWithdrawn(Conflict):
    """The person withdrew their consent to identity checks after the reference was made."""

    code = "verification.reference_withdrawn"
    message = _l(
        "This person withdrew their consent to identity checks. You can no longer use this reference."
    )


class ReferenceExpired(Conflict):
    """The in-person reference is past its expiry or was replaced."""

    code = "verification.reference_expired"
    message = _l("This reference has expired. Ask the person to start the in-person check again.")


class ReferenceUsed(Conflict):
    """The in-person reference was already confirmed."""

    code = "verification.reference_used"
    message = _l("A service point already confirmed this reference.")


class PhoneCheckUnavailable(ServiceUnavailable):
    """WeChat could not be asked for the phone number."""

    code = "verification.phone_unavailable"
    message = _l("WeChat did not answer. Please try again in a few minutes.")


@dataclass(frozen=True)
class MatchResult:
    """What matching the registry found: an outcome, the person on a pass, a lock when one began."""

    outcome: str
    person_id: int | None = None
    locked_until: datetime | None = None
    #: Failures left before a lock, after a counted failure (None otherwise).
    remaining: int | None = None

    @property
    def shown(self) -> str:
        """The outcome the user is told (`shown_outcome`); `outcome` stays in the record."""
        return shown_outcome(self.outcome)


def limiter() -> AttemptLimiter:
    """The attempt limiter configured for this app."""
    config = current_app.config
    return AttemptLimiter(
        get_redis(), config["VERIFICATION_MAX_FAILURES"], config["VERIFICATION_WINDOW_SECONDS"]
    )


def wechat_subject(openid: str) -> str:
    """The keyed hash that stands for one WeChat identity in attempt limits and records.

    It outlives the account: a new account of the same WeChat user has the same subject, so
    deleting the account resets neither the attempts left nor their record.
    """
    return pii.codec().lookup_hash(openid, WECHAT_SUBJECT_KIND)


def wechat_subjects(openid: str) -> tuple[str, ...]:
    """The subject under every configured PII key (records written before a key rotation finished)."""
    return pii.codec().lookup_hashes(openid, WECHAT_SUBJECT_KIND)


def _subjects_of(user_id: int) -> tuple[str, ...]:
    """The WeChat subject of a signed-in user under each PII key, current first (401 when the account went)."""
    openid = db.session.scalar(select(UserAccount.openid).where(UserAccount.id == user_id))
    if openid is None:
        raise Unauthorized()
    return wechat_subjects(openid)


def _subject_of(user_id: int) -> str:
    """The WeChat subject of a signed-in user (401 when the account went meanwhile)."""
    return _subjects_of(user_id)[0]


def hash_identifier(identifier_type: str, normalized: str) -> str:
    """The look-up hash of a normalised identifier of a user-facing type."""
    return identifier_hash(IDENTIFIER_KINDS[identifier_type], normalized)


def find_person(identifier_type: str, normalized: str) -> tuple[Person | None, WorkPermit | None]:
    """The registry person an identifier points to, with the permit when the identifier is one."""
    digests = identifier_hashes(IDENTIFIER_KINDS[identifier_type], normalized)  # mid-rotation: either key's
    if identifier_type == "permit_number":
        permit = db.session.scalar(select(WorkPermit).where(WorkPermit.permit_number_hash.in_(digests)))
        return (permit.person, permit) if permit is not None else (None, None)
    if identifier_type == "ssn":
        account = db.session.scalar(
            select(SocialSecurityAccount).where(SocialSecurityAccount.ssn_hash.in_(digests))
        )
        return (account.person, None) if account is not None else (None, None)
    return db.session.scalar(select(Person).where(Person.pr_id_hash.in_(digests))), None


def permit_active(person: Person, permit: WorkPermit | None, today: date) -> bool:
    """The permit used (or, by SSN or PR ID, any permit of someone without PR) is valid today."""

    def valid(p: WorkPermit) -> bool:
        return p.status == "valid" and p.valid_from <= today <= p.valid_to

    if permit is not None:
        return valid(permit)
    if person.pr_id or not person.permits:
        return True
    return any(valid(p) for p in person.permits)


def compare_with_record(
    person: Person, passport_name: str, date_of_birth: date, permit: WorkPermit | None, today: date
) -> str:
    """The outcome of comparing answers with a found person (name, then birth date, then permit).

    NAME_NEAR only when the birth date is right too: with the number, the birth date and all but
    a whole name right, the person is surely the holder and may be told what to check.
    """
    names = compare_names(passport_name, person.passport_name)
    if names not in (MATCH, NEAR):
        return NAME_MISMATCH
    if person.date_of_birth != date_of_birth:
        return DOB_MISMATCH
    if names == NEAR:
        return NAME_NEAR
    if not permit_active(person, permit, today):
        return PERMIT_INACTIVE
    return PASS


@overload
def shown_outcome(outcome: str) -> str: ...
@overload
def shown_outcome(outcome: None) -> None: ...
@overload
def shown_outcome(outcome: str | None) -> str | None: ...
def shown_outcome(outcome: str | None) -> str | None:
    """The outcome as the user may learn it: NO_MATCH for every undisclosed detail."""
    return NO_MATCH if outcome in UNDISCLOSED else outcome


def match_identity(
    user_id: int, *, identifier_type: str, identifier: str, passport_name: str, date_of_birth: date
) -> MatchResult:
    """Reserve an attempt, compare the answers with the registry, record the try; raise when locked."""
    digests = identifier_hashes(IDENTIFIER_KINDS[identifier_type], identifier)
    digest = digests[0]
    subjects = _subjects_of(user_id)
    subject = subjects[0]
    limits = limiter()
    try:
        reservation = limits.reserve(subjects, digests)
    except Locked as locked:
        _record(user_id, subject, None, identifier_type, digest, "identifier_match", "locked", None)
        db.session.commit()
        raise VerificationLocked(locked.until) from None
    person, permit = find_person(identifier_type, identifier)
    if person is None:
        outcome = NOT_FOUND
    else:
        outcome = compare_with_record(person, passport_name, date_of_birth, permit, clock.today())
        if outcome == PASS and _linked_to_other(person.id, user_id):
            outcome = ALREADY_LINKED
    return _finish(
        limits,
        reservation,
        user_id,
        subject,
        person.id if person and outcome == PASS else None,
        identifier_type,
        digest,
        "identifier_match",
        outcome,
    )


def verify_phone(
    user_id: int,
    *,
    openid: str | None,
    person_id: int,
    identifier_type: str,
    identifier: str,
    phone_code: str,
) -> MatchResult:
    """Exchange the WeChat phone code, compare the number with the registry's; link on a match."""
    from app.wechat import get_wechat
    from app.wechat.errors import WeChatError, WeChatInvalidCode, WeChatUnavailable
    from app.wechat_errors import as_app_error

    person = db.session.get(Person, person_id)
    digests = identifier_hashes(IDENTIFIER_KINDS[identifier_type], identifier)
    digest = digests[0]
    if person is None or not person.phone:
        return MatchResult(PHONE_MISSING)
    subjects = _subjects_of(user_id)
    subject = subjects[0]
    limits = limiter()
    try:
        reservation = limits.reserve(subjects, digests)
    except Locked as locked:
        _record(user_id, subject, person_id, identifier_type, digest, "phone", "locked", None)
        db.session.commit()
        raise VerificationLocked(locked.until) from None
    try:
        info = get_wechat().get_phone_number(phone_code, openid)
    except WeChatInvalidCode:
        return _finish(
            limits, reservation, user_id, subject, person_id, identifier_type, digest, "phone", CODE_INVALID
        )
    except WeChatUnavailable as error:
        limits.give_back(reservation)
        raise PhoneCheckUnavailable() from error
    except WeChatError as error:
        # Rate limits, a blocked user or a foreign watermark: not the user's guess, so not counted.
        limits.give_back(reservation)
        raise as_app_error(error) from error
    except Exception:
        limits.give_back(reservation)
        raise
    outcome = PASS if _same_phone(info, person.phone) else PHONE_MISMATCH
    if outcome == PASS and _linked_to_other(person_id, user_id):
        outcome = ALREADY_LINKED
    result = _finish(
        limits,
        reservation,
        user_id,
        subject,
        person_id,
        identifier_type,
        digest,
        "phone",
        outcome,
        commit=outcome != PASS,
    )
    if outcome == PASS:
        complete_verification(user_id, person_id, method="phone", actor_type="user", actor_id=user_id)
    return result


def _same_phone(info: dict, recorded: str) -> bool:
    """WeChat's number (pure number + country code) equals the registry's, both in E.164."""
    pure = str(info.get("pure_phone_number") or "")
    country = str(info.get("country_code") or "86")
    try:
        theirs = normalize_phone(f"+{country}{pure}" if pure else info.get("phone_number"))
        ours = normalize_phone(recorded)
    except IdentifierError:
        return False
    return secrets.compare_digest(theirs, ours)


def _linked_to_other(person_id: int, user_id: int) -> bool:
    """Another account already claimed this person."""
    return (
        db.session.scalar(
            select(UserAccount.id)
            .where(UserAccount.person_id == person_id, UserAccount.id != user_id)
            .limit(1)
        )
        is not None
    )


def _record(user_id, subject, person_id, identifier_type, digest, step, result, failure_code) -> None:
    """Add one attempt row (the caller commits)."""
    db.session.add(
        VerificationAttempt(
            user_id=user_id,
            wechat_subject=subject,
            person_id=person_id,
            identifier_type=identifier_type,
            identifier_hash=digest,
            step=step,
            result=result,
            failure_code=failure_code,
        )
    )


def _finish(
    limits: AttemptLimiter,
    reservation: Reservation,
    user_id: int,
    subject: str,
    person_id: int | None,
    identifier_type: str,
    digest: str,
    step: str,
    outcome: str,
    *,
    commit: bool = True,
) -> MatchResult:
    """Keep or give back the reserved attempt, record the try, and report a lock if this one began it."""
    locked_until = remaining = None
    if outcome in NOT_COUNTED:
        limits.give_back(reservation)
    else:
        locked_until = limits.locked_until(reservation)
        remaining = max(limits.max_failures - max(reservation.counts), 0)
    _record(
        user_id,
        subject,
        person_id,
        identifier_type,
        digest,
        step,
        "pass" if outcome == PASS else "fail",
        None if outcome == PASS else outcome,
    )
    if commit:
        db.session.commit()
    return MatchResult(outcome, person_id if outcome == PASS else None, locked_until, remaining)


def complete_verification(
    user_id: int, person_id: int, *, method: str, actor_type: str, actor_id, request_id: str | None = None
) -> UserAccount:
    """Link the account to the person, stamp verified_at, audit; one transaction (the card is the registry's)."""
    user = db.session.get(UserAccount, user_id)
    person = db.session.get(Person, person_id)
    if user is None or person is None:
        raise NotFound()
    if user.person_id is not None and user.person_id != person_id:
        db.session.rollback()
        raise AccountLinkedElsewhere()
    if _linked_to_other(person_id, user_id):
        # Nothing of this try may stay pending (e.g. a reference marked confirmed).
        db.session.rollback()
        raise PersonAlreadyLinked()
    now = clock.now()
    first_time = user.person_id is None
    user.person_id = person_id
    user.verified_at = user.verified_at or now
    if first_time:
        audit.record(
            "verification.completed",
            actor_type=actor_type,
            actor_id=actor_id,
            entity="user",
            entity_id=user_id,
            details={"person_id": person_id, "method": method},
            request_id=request_id,
        )
    try:
        db.session.commit()
    except IntegrityError as error:
        # The unique person_id on users: another account won a race for the same person.
        db.session.rollback()
        raise PersonAlreadyLinked() from error
    view_cache.forget_user(get_redis(), user_id)
    return user


#: Letters read as digits in a typed reference: O as 0, I and L as 1.
_READ_ALIKE = str.maketrans("OIL", "011")


def normalize_reference(raw: str | None) -> str:
    """A reference as typed at a counter: separators dropped, upper case, O→0 and I/L→1."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return text.translate(_READ_ALIKE)


def format_reference(normalized: str) -> str:
    """XXXX-XXXX, easy to read aloud and type."""
    return f"{normalized[:4]}-{normalized[4:]}"


def create_in_person_reference(
    user_id: int, person_id: int, *, ttl_seconds: int | None = None, commit: bool = True
) -> tuple[str, datetime]:
    """A new one-time reference for this user (earlier ones are cancelled); (shown form, expiry)."""
    ttl = ttl_seconds or int(
        current_app.config.get("VERIFICATION_REFERENCE_TTL_SECONDS", DEFAULT_REFERENCE_TTL_SECONDS)
    )
    now = clock.now()
    db.session.execute(
        update(InPersonReference)
        .where(
            InPersonReference.user_id == user_id,
            InPersonReference.confirmed_at.is_(None),
            InPersonReference.cancelled_at.is_(None),
        )
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    expires_at = now + timedelta(seconds=ttl)
    db.session.add(
        InPersonReference(
            user_id=user_id,
            person_id=person_id,
            expires_at=expires_at,
            reference_hash=pii.codec().lookup_hash(reference, REFERENCE_HASH_KIND),
        )
    )
    if commit:
        db.session.commit()
    return format_reference(reference), expires_at


def _reference_row(reference: str, *, for_update: bool = False) -> InPersonReference:
    """The reference row for what staff typed; raises when unknown, used, cancelled or expired."""
    normalized = normalize_reference(reference)
    if len(normalized) != REFERENCE_LENGTH:
        raise ReferenceNotFound()
    query = select(InPersonReference).where(
        InPersonReference.reference_hash.in_(pii.codec().lookup_hashes(normalized, REFERENCE_HASH_KIND))
    )
    if for_update:
        query = query.with_for_update()
    row = db.session.scalar(query)
    if row is None:
        raise ReferenceNotFound()
    if row.confirmed_at is not None:
        raise ReferenceUsed()
    if row.cancelled_at is not None or row.expires_at <= clock.now():
        raise ReferenceExpired()
    # Staff see the person's passport details and may link the account only while the user still
    # consents to identity checks (a confirmation locks the consent against a withdrawal meanwhile).
    if active_consent(row.user_id, CONSENT_PURPOSE, for_update=for_update) is None:
        raise ReferenceWithdrawn()
    return row


def recent_checks(user_id: int, limit: int = CHECKS_SHOWN_TO_STAFF) -> list[dict]:
    """The latest identity checks of this user's WeChat identity, newest first, with their detail.

    For staff only: the outcome is the recorded one (`not_found`, `dob_mismatch` …), which the
    user was never told.
    """
    rows = db.session.scalars(
        select(VerificationAttempt)
        .where(VerificationAttempt.wechat_subject == _subject_of(user_id))
        .order_by(VerificationAttempt.id.desc())
        .limit(limit)
    )
    return [
        {"at": row.created_at, "step": row.step, "outcome": row.failure_code or row.result} for row in rows
    ]


def describe_in_person_reference(reference: str) -> dict:
    """What staff compare with the passport before confirming, and the account's latest checks."""
    row = _reference_row(reference)
    person = db.session.get(Person, row.person_id)
    assert person is not None  # a reference's person_id is a required foreign key
    current = [doc for doc in person.documents if doc.is_current] or person.documents
    return {
        "reference": format_reference(normalize_reference(reference)),
        "user_id": row.user_id,
        "person_id": person.id,
        "passport_name": person.passport_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "nationality": person.nationality,
        "passport_number": pii.mask(current[-1].number) if current else "",
        "expires_at": row.expires_at.isoformat(),
        "checks": recent_checks(row.user_id),
    }


def confirm_in_person(reference: str, staff_admin_id: int, *, request_id: str | None = None) -> dict:
    """Staff checked the passport: confirm the reference once and complete the user's verification."""
    row = _reference_row(reference, for_update=True)
    now = clock.now()
    row.confirmed_at = now
    row.confirmed_by = staff_admin_id
    user_id, person_id = row.user_id, row.person_id
    db.session.flush()
    _record(user_id, _subject_of(user_id), person_id, None, None, "in_person", "pass", None)
    complete_verification(
        user_id,
        person_id,
        method="in_person",
        actor_type="admin",
        actor_id=staff_admin_id,
        request_id=request_id,
    )
    return {"user_id": user_id, "person_id": person_id, "confirmed_at": now.isoformat()}
