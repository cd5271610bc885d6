"""The signed-in user's card, holder, work permit and insurances, each read with one joined query.

Only verified users (a linked registry person and a verified_at stamp) may read any of it; every
query starts from the user's own row, so there is no way to name someone else's records.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, select
from sqlalchemy.orm import aliased

from app import facts as content
from app import pii
from app.accounts.models.user import UserAccount
from app.card import formatting as fmt
from app.card.terms import (
    AGREEMENTS,
    CARD_STATUSES,
    CLAIMS,
    ENROLMENT_STATUSES,
    INSURANCES,
    LOST_CARD_STATUSES,
    ONSITE_CHECK_CATEGORIES,
    ONSITE_CHECK_DAYS,
    PERMIT_CATEGORIES,
    PERMIT_STATUSES,
    USABLE_CARD_STATUSES,
    describe,
)
from app.errors import AppError, Unauthorized
from app.extensions import db
from app.i18n import _, _l, pgettext
from app.registry.city_codes import describe_place
from app.registry.models import (
    Employer,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)


class NotVerified(AppError):
    """The user has not linked and verified a registry identity yet."""

    code = "card.not_verified"
    status = 403
    message = _l("Verify your identity first to see your card and records.")


class NoAccount(AppError):
    """The verified person has no social security account in the registry."""

    code = "card.no_account"
    status = 404
    message = _l("We have no social security account on record for you yet.")


class NoPermit(AppError):
    """The verified person has no work permit in the registry."""

    code = "card.no_permit"
    status = 404
    message = _l("We have no work permit on record for you yet.")


def ensure_verified(status: str | None, verified_at, person_id: int | None) -> int:
    """Refuse a missing or inactive user (401) and an unverified one (403); the person id."""
    if status is None or status != "active":
        raise Unauthorized()
    if person_id is None or verified_at is None:
        raise NotVerified()
    return person_id


def require_verified(user_id: int) -> int:
    """The person id of a verified user; raises like ensure_verified otherwise."""
    row = db.session.execute(
        select(UserAccount.status, UserAccount.verified_at, UserAccount.person_id).where(
            UserAccount.id == user_id
        )
    ).first()
    if row is None:
        raise Unauthorized()
    return ensure_verified(*row)


def _current_permit_join():
    """Join condition for the person's current permit (valid first, then the latest end date)."""
    other = aliased(WorkPermit)
    latest = (
        select(other.id)
        .where(other.person_id == Person.id)
        .order_by(case((other.status == "valid", 0), else_=1), other.valid_to.desc(), other.id.desc())
        .limit(1)
        .correlate(Person)
        .scalar_subquery()
    )
    return and_(WorkPermit.person_id == Person.id, WorkPermit.id == latest)


def card_status(code: str | None) -> dict | None:
    """A card status with its translated name and explanation, the Chinese term and usability."""
    described = describe(CARD_STATUSES, code)
    if described is None:
        return None
    return {**described, "usable": code in USABLE_CARD_STATUSES}


def card_view(user_id: int) -> dict:
    """Card status, holder and masked numbers, in one query."""
    users, people = UserAccount.__table__, Person.__table__
    accounts, cards = SocialSecurityAccount.__table__, SocialSecurityCard.__table__
    # Core columns, not ORM entities: the card is the hottest read and needs no objects.
    row = db.session.execute(
        select(
            users.c.status,
            users.c.verified_at,
            users.c.person_id,
            people.c.passport_name,
            people.c.nationality,
            accounts.c.id,
            accounts.c.ssn,
            cards.c.id,
            cards.c.card_number,
            cards.c.status,
            cards.c.issuing_city_code,
            cards.c.last_status_change_at,
        )
        .select_from(
            users.outerjoin(people, people.c.id == users.c.person_id)
            .outerjoin(accounts, accounts.c.person_id == people.c.id)
            .outerjoin(cards, cards.c.account_id == accounts.c.id)
        )
        .where(users.c.id == user_id)
    ).first()
    if row is None:
        raise Unauthorized()
    ensure_verified(*row[:3])
    (_s, _v, _p, name, nationality, account_id, ssn, card_id, card_number, status, city, changed_at) = row
    if account_id is None:
        raise NoAccount()
    card = None
    if card_id is not None:
        card = {
            "status": {**(card_status(status) or {}), "changed_on": fmt.day(changed_at)},
            "number_masked": pii.mask(card_number) or None,
            "issuing_city": describe_place(city),
        }
    return {
        "title": pgettext("screen title", "My social security card"),
        "labels": {
            # TRANSLATORS: row heading of the card screen: the holder's name as the passport writes it.
            "holder_name": pgettext("card row", "Name in passport"),
            "nationality": pgettext("card row", "Nationality"),
            "ssn": pgettext("card row", "Social security number"),
            "card_number": pgettext("card row", "Card number"),
            # TRANSLATORS: row heading of the card screen; the value is the city whose social security
            # agency issued the card (not a date, not a country).
            "issuing_city": pgettext("card row", "Issued in"),
        },
        "card": card,
        "holder": {
            "name": name,
            "nationality": fmt.country(nationality),
            "ssn_masked": pii.mask(ssn),
        },
        "next_step": {"guide": "lost-card"} if status in LOST_CARD_STATUSES else None,
        "disclaimer": _(
            "This is a copy of your records, for reference. Only the official 电子社保卡 "
            "app and your social security agency can change them."
        ),
    }


def _validity(valid_from: date, valid_to: date, today: date) -> dict:
    """From, to, days left and the expired flag of a permit."""
    days_left = (valid_to - today).days
    return {
        "from": fmt.day(valid_from),
        "to": fmt.day(valid_to),
        "days_left": max(days_left, 0),
        "days_left_text": fmt.days_left(days_left),
        "expired": days_left < 0,
    }


def _onsite_check(category: str, entry_date: date | None, today: date) -> dict | None:
    """For B and C holders: the deadline to attend the acceptance window (entry + 30 days)."""
    if category not in ONSITE_CHECK_CATEGORIES:
        return None
    explanation = _(
        "Local agencies ask category B and C holders to go to the local work permit office "
        "(受理窗口) within 30 days of entering China. Go in person or through your "
        "employer. Bring the original documents and a medical examination report from an "
        "inspection and quarantine institution in China, less than 6 months old. The practice "
        "varies by city: ask your employer or the local office."
    )
    sources = _claim_sources(CLAIMS["onsite_check"])
    if entry_date is None:
        return {
            "required": True,
            "entry_date": None,
            "deadline": None,
            "passed": None,
            "days_left": None,
            "days_left_text": None,
            "explanation": explanation,
            "sources": sources,
        }
    deadline = entry_date + timedelta(days=ONSITE_CHECK_DAYS)
    days_left = (deadline - today).days
    return {
        "required": True,
        "entry_date": fmt.day(entry_date),
        "deadline": fmt.day(deadline),
        "passed": days_left < 0,
        "days_left": max(days_left, 0),
        "days_left_text": fmt.days_left(days_left),
        "explanation": explanation,
        "sources": sources,
    }


def _claim_sources(claim_id: str) -> list[dict]:
    """The sources of a reviewed claim, official first, each with the day it was checked."""
    return [
        {**source.as_dict(), "checked_on": checked.isoformat()}
        for source, checked in content.claims_sources([claim_id])
    ]


def permit_view(user_id: int, today: date) -> dict:
    """The current work permit with employer, place, validity and the on-site check, in one query."""
    row = db.session.execute(
        select(UserAccount.status, UserAccount.verified_at, UserAccount.person_id, WorkPermit, Employer)
        .select_from(UserAccount)
        .outerjoin(Person, Person.id == UserAccount.person_id)
        .outerjoin(WorkPermit, _current_permit_join())
        .outerjoin(Employer, Employer.id == WorkPermit.employer_id)
        .where(UserAccount.id == user_id)
    ).first()
    if row is None:
        raise Unauthorized()
    ensure_verified(*row[:3])
    permit, employer = row[3], row[4]
    if permit is None:
        raise NoPermit()
    status = permit.status
    if status == "valid" and permit.valid_to < today:
        status = "expired"
    return {
        "title": pgettext("screen title", "My work permit"),
        "labels": {
            "permit_number": pgettext("card row", "Work permit number"),
            "employer": pgettext("card row", "Employer"),
            # TRANSLATORS: row heading of the work permit screen; the value is the job title (not a place).
            "position": pgettext("card row", "Position"),
            "work_address": pgettext("card row", "Work address"),
            "work_city": pgettext("card row", "City of work"),
            # TRANSLATORS: row heading of the work permit screen; the value is two dates, the first and the
            # last day the permit is valid.
            "validity": pgettext("card row", "Valid from – to"),
        },
        "permit": {
            "number_masked": pii.mask(permit.permit_number),
            "category": describe(PERMIT_CATEGORIES, permit.category),
            "status": describe(PERMIT_STATUSES, status),
            "employer": {
                "name": (employer.name_en or employer.name_zh) if employer else None,
                "name_en": employer.name_en if employer else None,
                "name_zh": employer.name_zh if employer else None,
            },
            "position": permit.position,
            "work_address": permit.work_address,
            "work_city": describe_place(permit.work_city_code),
            "validity": _validity(permit.valid_from, permit.valid_to, today),
            "onsite_check": _onsite_check(permit.category, permit.entry_date, today),
        },
    }


def _exemption(enrolment: InsuranceEnrolment, today: date) -> dict | None:
    """The bilateral-agreement exemption recorded on an enrolment (explained, not decided)."""
    if enrolment.status != "exempt" and not enrolment.exemption_certificate:
        return None
    agreement = AGREEMENTS.get(enrolment.exemption_country or "")
    valid_to = enrolment.exemption_valid_to
    days_left = (valid_to - today).days if valid_to else None
    return {
        "country": fmt.country(enrolment.exemption_country),
        "agreement_in_force": agreement is not None and agreement.in_force,
        "agreement_status": agreement.status if agreement else None,
        "agreement_in_force_since": fmt.day(agreement.in_force_since) if agreement else None,
        "agreement_covers": [describe(INSURANCES, code) for code in agreement.insurances]
        if agreement
        else [],
        "agreement_sources": _claim_sources(f"agreement-{agreement.country}") if agreement else [],
        "certificate_of_coverage": enrolment.exemption_certificate,
        "valid_to": fmt.day(valid_to),
        "days_left": max(days_left, 0) if days_left is not None else None,
        "days_left_text": fmt.days_left(days_left) if days_left is not None else None,
        "expired": days_left < 0 if days_left is not None else None,
    }


def insurances_view(user_id: int, today: date) -> dict:
    """The five insurances with status, start period and any exemption, in one query."""
    rows = db.session.execute(
        select(
            UserAccount.status,
            UserAccount.verified_at,
            UserAccount.person_id,
            SocialSecurityAccount.id,
            InsuranceEnrolment,
        )
        .select_from(UserAccount)
        .outerjoin(SocialSecurityAccount, SocialSecurityAccount.person_id == UserAccount.person_id)
        .outerjoin(InsuranceEnrolment, InsuranceEnrolment.account_id == SocialSecurityAccount.id)
        .where(UserAccount.id == user_id)
    ).all()
    ensure_verified(*(rows[0][:3] if rows else (None, None, None)))
    if rows[0][3] is None:
        raise NoAccount()
    enrolments = {row[4].insurance_type: row[4] for row in rows if row[4] is not None}
    items = []
    for code in INSURANCES:
        enrolment = enrolments.get(code)
        status = enrolment.status if enrolment else "not_recorded"
        items.append(
            {
                "insurance": describe(INSURANCES, code),
                "status": describe(ENROLMENT_STATUSES, status),
                "start_period": fmt.period(enrolment.start_period) if enrolment else None,
                "end_period": fmt.period(enrolment.end_period) if enrolment else None,
                "exemption": _exemption(enrolment, today) if enrolment else None,
            }
        )
    return {
        "title": pgettext("screen title", "My five insurances"),
        "insurances": items,
        "exemption_note": _(
            "An exemption applies only to the insurances that a bilateral agreement "
            "covers. It lasts only while the certificate of coverage is valid. You and "
            "your employer still pay the other insurances. Only the social security "
            "agency decides who is exempt."
        ),
        "guide": "bilateral-agreements",
    }


def holder_summary(user_id: int) -> dict:
    """The minimal identity a service point sees after a QR check: name, nationality, masked permit, card status."""
    row = db.session.execute(
        select(
            UserAccount.status,
            UserAccount.verified_at,
            UserAccount.person_id,
            Person.passport_name,
            Person.nationality,
            WorkPermit.permit_number,
            SocialSecurityCard.status,
        )
        .select_from(UserAccount)
        .outerjoin(Person, Person.id == UserAccount.person_id)
        .outerjoin(WorkPermit, _current_permit_join())
        .outerjoin(SocialSecurityAccount, SocialSecurityAccount.person_id == Person.id)
        .outerjoin(SocialSecurityCard, SocialSecurityCard.account_id == SocialSecurityAccount.id)
        .where(UserAccount.id == user_id)
    ).first()
    if row is None:
        raise Unauthorized()
    ensure_verified(*row[:3])
    _s, _v, _p, name, nationality, permit_number, status = row
    return {
        "name": name,
        "nationality": fmt.country(nationality),
        "permit_number_masked": pii.mask(permit_number) if permit_number else None,
        "card_status": card_status(status),
    }
