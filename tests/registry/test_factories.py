"""The shared factories build complete, valid registry records with known identifiers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.registry import identifiers as ids
from app.registry.models import ContributionRecord, Person
from tests.factories import make_contribution, make_employer, make_person, make_user


def test_make_person_is_complete_valid_and_findable_by_hash(db):
    person = make_person(contributions_months=3)
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    permit, passport, account = person.permits[0], person.documents[0], person.account
    assert ids.normalize_permit_number(permit.permit_number) == permit.permit_number
    assert ids.normalize_ssn(account.ssn) == account.ssn
    assert ids.normalize_passport_number(passport.number) == passport.number
    assert ids.normalize_phone(person.phone) == person.phone
    assert permit.permit_number_hash == ids.identifier_hash("permit", permit.permit_number)
    assert account.ssn_hash == ids.identifier_hash("ssn", account.ssn)
    assert passport.number_hash == ids.identifier_hash("passport", passport.number)
    assert person.phone_hash == ids.identifier_hash("phone", person.phone)
    assert person.name_canonical == "MUELLER LUEDENSCHEIDT HANS PETER"
    assert account.card.status == "not_activated" and passport.is_current
    assert len(account.enrolments) == 5
    assert db.session.execute(select(func.count()).select_from(ContributionRecord)).scalar_one() == 15


def test_make_person_overrides(db):
    employer = make_employer(city_code="440300")
    person = make_person(
        passport_name="Siobhán O'BRIEN",
        nationality="IRL",
        date_of_birth=date(1985, 3, 15),
        phone=None,
        permit_category="C",
        permit_status="expired",
        card_status="normal",
        employer=employer,
        exempt=("pension",),
        exemption_country="DEU",
        enrolments={"maternity": "ended"},
        pr_id="93141019850315001X",
        entry_date=date(2025, 1, 2),
        contributions_months=2,
        contributions_until="2025-06",
    )
    assert (person.family_name, person.given_names) == ("OBRIEN", "SIOBHAN")
    assert person.phone is None and person.pr_id_hash == ids.identifier_hash("pr_id", "93141019850315001X")
    assert person.permits[0].category == "C" and person.permits[0].work_city_code == "440300"
    statuses = {e.insurance_type: e for e in person.account.enrolments}
    assert statuses["pension"].status == "exempt" and statuses["pension"].exemption_country == "DEU"
    assert statuses["maternity"].status == "ended"
    periods = db.session.execute(select(ContributionRecord.period).distinct()).scalars().all()
    assert sorted(periods) == ["2025-05", "2025-06"]
    record = make_contribution(person, period="2025-07", employee_amount=Decimal("1.50"))
    assert record.employee_amount == Decimal("1.50")


def test_identifiers_are_unique_across_people(db):
    people = [make_person() for _ in range(5)]
    assert len({p.account.ssn for p in people}) == 5
    assert len({p.permits[0].permit_number for p in people}) == 5
    assert len({p.permits[0].employer.uscc for p in people}) == 5
    assert all(ids.normalize_uscc(p.permits[0].employer.uscc) for p in people)


def test_make_user(db):
    anonymous = make_user(locale="ko")
    assert anonymous.person is None and anonymous.verified_at is None and anonymous.locale == "ko"
    verified = make_user(verified=True)
    assert verified.person is not None and verified.verified_at.tzinfo is not None
