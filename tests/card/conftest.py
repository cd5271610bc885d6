"""Fixtures for the card area: verified holders with known identifiers, and their sign-in headers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_contribution, make_employer, make_person, make_user


@pytest.fixture
def holder(db):
    """A German card holder in Shanghai: a normal card and 24 months of contributions to 2025-12."""
    employer = make_employer(
        name_zh="上海测试科技有限公司", name_en="Shanghai Test Tech Co., Ltd.", city_code="310000"
    )
    person = make_person(
        passport_name="MÜLLER, Hans",
        nationality="DEU",
        card_status="normal",
        card_number="123456789",
        employer=employer,
        work_city_code="310115",
        contributions_months=24,
        contributions_until="2025-12",
        contribution_base=Decimal("23456.78"),
    )
    return person


@pytest.fixture
def holder_user(holder):
    """The holder's verified mini-program account."""
    return make_user(person=holder, verified=True, locale="en")


@pytest.fixture
def other_holder(db):
    """A second verified holder (Korean, Shenzhen) whose records must never leak."""
    person = make_person(
        passport_name="KIM, Min-jun",
        nationality="KOR",
        card_status="sealed",
        work_city_code="440300",
        contributions_months=3,
        contributions_until="2025-12",
    )
    make_contribution(
        person,
        period="2025-06",
        insurance_type="pension",
        employer_amount=Decimal("9999.99"),
        employee_amount=Decimal("8888.88"),
    )
    return person


@pytest.fixture
def other_user(other_holder):
    """The second holder's verified account."""
    return make_user(person=other_holder, verified=True, locale="ko")


#: A few German translations of this area's strings, compiled into a catalog for the tests that
#: prove screens are translated (the project's real catalogs come from the translators).
GERMAN = {
    ("card status", "Normal"): "Normal (aktiv)",
    (
        None,
        "The card works. Use the physical card or the electronic Social Security Card to prove who "
        "you are and to look up your records. Use it also to pay medical costs with your medical "
        "insurance.",
    ): "Die Karte funktioniert.",
    ("csv column", "Month"): "Monat",
    ("csv column", "Employer amount"): "Arbeitgeberanteil",
    ("insurance", "Pension"): "Rente",
    ("time left", ("%(num)d day left", "%(num)d days left")): ("noch %(num)d Tag", "noch %(num)d Tage"),
    (None, "Choose a year between 1990 and 2100."): "Wählen Sie ein Jahr zwischen 1990 und 2100.",
}


@pytest.fixture(scope="session")
def translations_dir(tmp_path_factory):
    """A translations folder holding a compiled German catalog of GERMAN."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    root = tmp_path_factory.mktemp("translations")
    catalog = Catalog(locale="de", fuzzy=False)
    for (context, msgid), text in GERMAN.items():
        catalog.add(msgid, text, context=context)
    folder = root / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return str(root)
