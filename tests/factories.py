"""Test data: complete registry records with known plaintext identifiers.

Every factory adds to `db.session` and commits (pass `commit=False` to only flush). Identifiers
are deterministic but unique within a test run (module counters), already normalised, and
stored the way the import stores them: encrypted columns plus keyed look-up hashes.

    person = make_person(passport_name="MÜLLER, Hans", nationality="DEU", contributions_months=12)
    person.permits[0].permit_number   # 18 digits, plaintext in Python
    person.account.ssn                # 18 characters
    person.documents[0].number        # passport number
    user = make_user(person=person, verified=True, locale="de")
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date, timedelta
from decimal import Decimal

from app import clock, pii
from app.accounts.models.user import UserAccount
from app.extensions import db
from app.registry.identifiers import mod11_2_check_char
from app.registry.models import (
    INSURANCE_TYPES,
    ContributionRecord,
    Employer,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)
from app.registry.names import canonical_name, split_name

_counter = itertools.count(1)
_DEFAULT = object()

# ISO 3166-1 numeric codes used to build realistic 2023-style numbers (pos 4–6).
_NUMERIC = {
    "DEU": "276",
    "KOR": "410",
    "JPN": "392",
    "USA": "840",
    "FRA": "250",
    "GBR": "826",
    "CAN": "124",
    "IND": "356",
    "AUS": "036",
    "RUS": "643",
    "ESP": "724",
    "ITA": "380",
    "IRL": "372",
    "BRA": "076",
    "VNM": "704",
    "NLD": "528",
    "CHE": "756",
    "DNK": "208",
}

# Rough employer/employee rates per insurance, only to make amounts look plausible.
_RATES = {
    "pension": (Decimal("0.16"), Decimal("0.08")),
    "medical": (Decimal("0.095"), Decimal("0.02")),
    "work_injury": (Decimal("0.004"), Decimal("0")),
    "unemployment": (Decimal("0.005"), Decimal("0.005")),
    "maternity": (Decimal("0.008"), Decimal("0")),
}

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def next_number() -> int:
    """The next value of the shared counter behind every generated identifier."""
    return next(_counter)


def mod11_2_check(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    return mod11_2_check_char(body17)


def make_permit_number(n: int | None = None) -> str:
    """A unique 18-digit work permit number."""
    n = next_number() if n is None else n
    return f"{156000000000000000 + n:018d}"


def make_ssn(date_of_birth: date = date(1990, 1, 1), nationality: str = "DEU", n: int | None = None) -> str:
    """A unique 18-character SSN in the `9…` form with a correct MOD 11-2 check character."""
    n = next_number() if n is None else n
    province = 11 + (n // 1000) % 89
    body = f"9{province:02d}{_NUMERIC.get(nationality, '999')}{date_of_birth:%Y%m%d}{n % 1000:03d}"
    return body + mod11_2_check(body)


def make_pr_id(date_of_birth: date = date(1990, 1, 1), nationality: str = "DEU", n: int | None = None) -> str:
    """A unique 2023-form permanent-resident ID (same shape as make_ssn)."""
    return make_ssn(date_of_birth, nationality, n)


def make_passport_number(n: int | None = None) -> str:
    """A unique 9-character passport number (a letter and eight digits)."""
    n = next_number() if n is None else n
    return f"P{n:08d}"


def make_phone(n: int | None = None) -> str:
    """A unique Chinese mobile number in E.164."""
    n = next_number() if n is None else n
    return f"+86139{n:08d}"


def make_uscc(n: int | None = None) -> str:
    """A unique unified social credit code with a correct GB 32100 check character."""
    n = next_number() if n is None else n
    body = f"91310000{n:09d}"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def _hash(value: str, kind: str) -> str:
    """The keyed look-up hash the application uses for this identifier kind."""
    return pii.codec().lookup_hash(value, kind)


def _finish(commit: bool) -> None:
    """Commit, or just flush so ids exist."""
    if commit:
        db.session.commit()
    else:
        db.session.flush()


def make_employer(commit: bool = True, **kw) -> Employer:
    """An employer; override uscc, name_zh, name_en, city_code, address."""
    n = next_number()
    employer = Employer(
        uscc=kw.pop("uscc", None) or make_uscc(n),
        name_zh=kw.pop("name_zh", f"上海测试科技有限公司{n}"),
        name_en=kw.pop("name_en", f"Shanghai Test Technology Co., Ltd. {n}"),
        city_code=kw.pop("city_code", "310000"),
        address=kw.pop("address", f"上海市浦东新区世纪大道{n}号"),
    )
    if kw:
        raise TypeError(f"make_employer got unknown fields: {sorted(kw)}")
    db.session.add(employer)
    _finish(commit)
    return employer


def make_person(
    *,
    passport_name: str = "MÜLLER-LÜDENSCHEIDT, Hans Peter",
    nationality: str = "DEU",
    date_of_birth: date = date(1988, 4, 12),
    sex: str | None = "M",
    passport_number: str | None = None,
    passport_expires_on: date | None = _DEFAULT,  # type: ignore[assignment]
    permit_number: str | None = None,
    permit_category: str = "B",
    permit_valid_from: date | None = None,
    permit_valid_to: date | None = None,
    permit_status: str = "valid",
    entry_date: date | None = None,
    position: str = "软件工程师 / Software Engineer",
    employer: Employer | None = None,
    work_city_code: str | None = None,
    work_address: str | None = None,
    ssn: str | None = None,
    pr_id: str | None = None,
    card_number: str | None = None,
    card_status: str = "not_activated",
    phone: str | None = _DEFAULT,  # type: ignore[assignment]
    enrolments: dict[str, str] | None = None,
    enrolment_start: str | None = None,
    exempt: tuple[str, ...] = (),
    exemption_country: str | None = None,
    exemption_certificate: str | None = None,
    exemption_valid_to: date | None = None,
    contributions_months: int = 0,
    contributions_until: str | None = None,
    contribution_base: Decimal = Decimal("20000.00"),
    contribution_status: str = "paid",
    commit: bool = True,
) -> Person:
    """A person with one current passport, a work permit, an SSN account, a card and five enrolments.

    `phone=None` leaves the phone out; `exempt=("pension",)` makes those enrolments exempt under
    a bilateral agreement (country defaults to the nationality); `enrolments={"maternity":
    "ended"}` sets other statuses; `contributions_months=N` adds N months of records for every
    enrolled insurance, ending with `contributions_until` (YYYY-MM, default last month).
    """
    n = next_number()
    today = clock.today()
    employer = employer or make_employer(commit=False)
    family, given = split_name(passport_name)
    person = Person(
        passport_name=passport_name,
        name_canonical=canonical_name(passport_name),
        family_name=family or None,
        given_names=given or None,
        nationality=nationality,
        date_of_birth=date_of_birth,
        sex=sex,
    )
    if phone is _DEFAULT:
        phone = make_phone(n)
    if phone:
        person.phone, person.phone_hash = phone, _hash(phone, "phone")
    if pr_id:
        person.pr_id, person.pr_id_hash = pr_id, _hash(pr_id, "pr_id")
    db.session.add(person)

    passport_number = passport_number or make_passport_number(n)
    if passport_expires_on is _DEFAULT:
        passport_expires_on = today + timedelta(days=5 * 365)
    db.session.add(
        IdentityDocument(
            person=person,
            type="passport",
            number=passport_number,
            number_hash=_hash(passport_number, "passport"),
            issuing_country=nationality,
            expires_on=passport_expires_on,
            is_current=True,
        )
    )

    permit_number = permit_number or make_permit_number(n)
    valid_from = permit_valid_from or today - timedelta(days=180)
    valid_to = permit_valid_to or valid_from + timedelta(days=730)
    db.session.add(
        WorkPermit(
            person=person,
            permit_number=permit_number,
            permit_number_hash=_hash(permit_number, "permit"),
            category=permit_category,
            employer=employer,
            position=position,
            work_address=work_address or employer.address or "上海市浦东新区",
            work_city_code=work_city_code or employer.city_code,
            valid_from=valid_from,
            valid_to=valid_to,
            status=permit_status,
            entry_date=entry_date,
        )
    )

    ssn = ssn or make_ssn(date_of_birth, nationality, n)
    account = SocialSecurityAccount(person=person, ssn=ssn, ssn_hash=_hash(ssn, "ssn"))
    db.session.add(account)
    db.session.add(
        SocialSecurityCard(
            account=account,
            card_number=card_number,
            status=card_status,
            issuing_city_code=work_city_code or employer.city_code,
        )
    )

    start = enrolment_start or f"{valid_from:%Y-%m}"
    statuses = {kind: "enrolled" for kind in INSURANCE_TYPES}
    statuses.update({kind: "exempt" for kind in exempt})
    statuses.update(enrolments or {})
    for kind, status in statuses.items():
        enrolment = InsuranceEnrolment(
            account=account, insurance_type=kind, status=status, start_period=start
        )
        if status == "exempt":
            enrolment.exemption_country = exemption_country or nationality
            enrolment.exemption_certificate = exemption_certificate or f"COC-{nationality}-{n:06d}"
            enrolment.exemption_valid_to = exemption_valid_to or today + timedelta(days=3 * 365)
        db.session.add(enrolment)

    if contributions_months:
        db.session.flush()  # contribution rows reference the account by id
        until = contributions_until or _previous_period(today)
        for period in periods_ending(until, contributions_months):
            for kind, status in statuses.items():
                if status != "enrolled":
                    continue
                employer_rate, employee_rate = _RATES[kind]
                db.session.add(
                    ContributionRecord(
                        account_id=account.id,
                        insurance_type=kind,
                        period=period,
                        base=contribution_base,
                        employer_amount=(contribution_base * employer_rate).quantize(Decimal("0.01")),
                        employee_amount=(contribution_base * employee_rate).quantize(Decimal("0.01")),
                        currency="CNY",
                        status=contribution_status,
                        employer=employer,
                        paid_on=_period_day(period, 15) if contribution_status == "paid" else None,
                    )
                )
    _finish(commit)
    return person


def make_contribution(
    person: Person,
    *,
    period: str,
    insurance_type: str = "pension",
    base: Decimal = Decimal("20000.00"),
    employer_amount: Decimal = Decimal("3200.00"),
    employee_amount: Decimal = Decimal("1600.00"),
    status: str = "paid",
    employer: Employer | None = None,
    paid_on: date | None = None,
    commit: bool = True,
) -> ContributionRecord:
    """One contribution record for a person's account (employer defaults to the permit's)."""
    db.session.flush()
    record = ContributionRecord(
        account_id=person.account.id,
        insurance_type=insurance_type,
        period=period,
        base=base,
        employer_amount=employer_amount,
        employee_amount=employee_amount,
        currency="CNY",
        status=status,
        employer=employer or person.permits[-1].employer,
        paid_on=paid_on,
    )
    db.session.add(record)
    _finish(commit)
    return record


def make_user(
    person: Person | None = None,
    verified: bool = False,
    locale: str | None = None,
    *,
    openid: str | None = None,
    commit: bool = True,
) -> UserAccount:
    """A mini-program user; `verified=True` links a person (made if not given) and stamps verified_at."""
    if verified and person is None:
        person = make_person(commit=False)
    user = UserAccount(
        openid=openid or "o" + secrets.token_hex(12),
        locale=locale,
        person=person,
        verified_at=clock.now() if verified else None,
    )
    db.session.add(user)
    _finish(commit)
    return user


def periods_ending(last: str, count: int) -> list[str]:
    """`count` consecutive YYYY-MM periods, oldest first, ending with `last`."""
    year, month = (int(part) for part in last.split("-"))
    index = year * 12 + month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def _previous_period(day: date) -> str:
    """The month before `day`, as YYYY-MM."""
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def _period_day(period: str, day: int) -> date:
    """A day of a YYYY-MM period."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, day)


def make_in_person_reference(user, person) -> str:
    """A reference for the in-person check, made as the journey makes it: after consent to identity checks."""
    from app.accounts.consents import grant_consent
    from app.verify import verification
    from app.verify.journey import CONSENT_TEXT_VERSION

    grant_consent(
        user.id, verification.CONSENT_PURPOSE, text_version=CONSENT_TEXT_VERSION, locale=user.locale or "en"
    )
    reference, _ = verification.create_in_person_reference(user.id, person.id)
    return reference
