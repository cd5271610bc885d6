"""`flask seed-demo`: a realistic synthetic registry, deterministic for a seed."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from app.facts import facts
from app.registry.demo_seed import DemoData, seed_demo
from app.registry.identifiers import normalize_phone, normalize_ssn
from app.registry.models import (
    ContributionRecord,
    Employer,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    WorkPermit,
)
from app.registry.names import canonical_name
from tests.conftest import _clean_tables
from tests.factories import make_person

TODAY = date(2026, 11, 28)


def snapshot(db) -> list[tuple]:
    """The seeded people with their decrypted identifiers, in a comparable form."""
    people = db.session.execute(select(Person).order_by(Person.id)).scalars().all()
    return [
        (
            p.passport_name,
            p.date_of_birth,
            p.nationality,
            p.phone,
            p.account.ssn,
            p.account.card.status,
            tuple(d.number for d in p.documents),
            tuple((w.permit_number, w.category, w.valid_to) for w in p.permits),
            tuple(sorted((e.insurance_type, e.status) for e in p.account.enrolments)),
        )
        for p in people
    ]


def test_the_full_demo_has_what_the_journeys_need(db):
    result = seed_demo(1, today=TODAY)
    assert result.seeded and result.people >= 500 and result.employers >= 5
    people = db.session.execute(select(Person)).scalars().all()
    assert len({p.nationality for p in people}) >= 15
    names = [p.passport_name for p in people]
    assert any(not name.isascii() for name in names)
    assert any("-" in name for name in names) and any("'" in name for name in names)
    assert any(len(name) >= 60 for name in names)
    assert any(len((p.given_names or "").split()) >= 2 for p in people)
    assert all(p.name_canonical == canonical_name(p.passport_name) for p in people)
    cities = db.session.execute(select(Employer.city_code).distinct()).scalars().all()
    assert {"110000", "310000", "440100", "440300", "330100", "510100"} <= set(cities)
    permits = db.session.execute(select(WorkPermit)).scalars().all()
    assert {w.category for w in permits} == {"A", "B", "C"}
    assert {"valid", "expired", "cancelled"} <= {w.status for w in permits}
    assert any(w.status == "valid" and w.valid_to <= TODAY + timedelta(days=30) for w in permits)
    assert sum(1 for p in people if p.phone) > len(people) * 0.8
    exempt = (
        db.session.execute(select(InsuranceEnrolment).where(InsuranceEnrolment.status == "exempt"))
        .scalars()
        .all()
    )
    assert exempt and all(e.exemption_country and e.exemption_certificate for e in exempt)
    periods = db.session.execute(
        select(func.min(ContributionRecord.period), func.max(ContributionRecord.period))
    ).one()
    assert periods == ("2024-11", "2026-10")
    statuses = set(db.session.execute(select(ContributionRecord.status).distinct()).scalars())
    assert {"paid", "arrears", "due"} <= statuses
    renewed = (
        db.session.execute(
            select(IdentityDocument.person_id).group_by(IdentityDocument.person_id).having(func.count() > 1)
        )
        .scalars()
        .all()
    )
    assert renewed
    assert all(p.pr_id is None or p.pr_id_hash for p in people)


def test_the_demo_exempts_only_under_an_agreement_in_force_and_from_what_it_covers(db):
    """Exemptions follow the reviewed facts: France's agreement is signed, not in force; Spain's covers two."""
    seed_demo(1, today=TODAY)
    in_force = {code: set(a.insurances) for code, a in facts().agreements.items() if a.in_force}
    exempt: dict[str, set[str]] = {}
    for enrolment in db.session.execute(
        select(InsuranceEnrolment).where(InsuranceEnrolment.status == "exempt")
    ).scalars():
        country = enrolment.account.person.nationality
        assert enrolment.exemption_country == country
        exempt.setdefault(country, set()).add(enrolment.insurance_type)
    assert exempt and set(exempt) <= set(in_force), set(exempt) - set(in_force)
    for country, insurances in exempt.items():
        assert insurances == in_force[country], country
    assert {"ESP", "CHE", "NLD"} <= set(exempt)


def test_some_people_have_gaps_in_their_contributions(db):
    seed_demo(1, people=120, today=TODAY)
    gaps = 0
    for person in db.session.execute(select(Person)).scalars():
        periods = sorted(
            set(
                db.session.execute(
                    select(ContributionRecord.period).where(
                        ContributionRecord.account_id == person.account.id
                    )
                ).scalars()
            )
        )
        months = [int(p[:4]) * 12 + int(p[5:]) for p in periods]
        gaps += any(b - a > 1 for a, b in pairwise(months))
    assert gaps >= 3


def test_samples_are_valid_varied_identities_that_exist(db):
    result = seed_demo(1, people=300, today=TODAY)
    assert 5 <= len(result.samples) <= 8
    notes = " ".join(s.note for s in result.samples)
    assert "apostrophe" in notes and "expires within 30 days" in notes
    for sample in result.samples:
        assert normalize_ssn(sample.ssn) == sample.ssn
        assert len(sample.permit_number) == 18 and sample.permit_number.isdigit()
        assert sample.phone is None or normalize_phone(sample.phone) == sample.phone
        date.fromisoformat(sample.date_of_birth)


def test_the_same_seed_gives_the_same_registry_and_reseeding_changes_nothing(app, db):
    seed_demo(7, people=80, today=TODAY)
    first = snapshot(db)
    again = seed_demo(7, people=80, today=TODAY)
    assert snapshot(db) == first and again.people == 80
    _clean_tables(app)
    db.session.rollback()  # a new unit of work: on MariaDB the old snapshot would still count people
    seed_demo(7, people=80, today=TODAY)
    assert snapshot(db) == first
    assert DemoData(7, 80, TODAY).samples() == DemoData(7, 80, TODAY).samples()
    assert DemoData(8, 80, TODAY).samples() != DemoData(7, 80, TODAY).samples()


@pytest.mark.calendar
def test_cli_prints_samples_and_json(db, runner):
    result = runner.invoke(args=["seed-demo", "--seed", "2", "--people", "60"])
    assert result.exit_code == 0, result.output
    assert "sample identities" in result.output and "permit number" in result.output
    as_json = runner.invoke(args=["seed-demo", "--seed", "2", "--people", "60", "--json"])
    data = json.loads(as_json.output)
    assert data["people"] == 60 and data["samples"]
    assert set(data["samples"][0]) == {
        "passport_name",
        "date_of_birth",
        "nationality",
        "permit_number",
        "permit_category",
        "ssn",
        "phone",
        "card_status",
        "note",
    }


def test_if_empty_leaves_an_existing_registry_alone_but_still_prints_samples(db, runner):
    existing = make_person(passport_name="KIM, Min-jun", nationality="KOR")
    result = runner.invoke(args=["seed-demo", "--if-empty", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["seeded"] is False and data["people"] == 1
    assert data["samples"][0]["ssn"] == existing.account.ssn
    assert db.session.execute(select(func.count()).select_from(Person)).scalar_one() == 1


@pytest.mark.calendar
def test_if_empty_seeds_an_empty_registry(db, runner):
    result = runner.invoke(args=["seed-demo", "--if-empty", "--people", "40", "--json"])
    data = json.loads(result.output)
    assert data["seeded"] is True and data["people"] == 40
