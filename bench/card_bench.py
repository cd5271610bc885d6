"""Card benchmarks: `GET /api/v1/card` and a year of `GET /api/v1/card/contributions`, beside bare Flask.

`prepare(app)` writes one verified holder with 24 months × 5 insurances of contributions and
signs them in; `requests(prepared)` gives the two request specs; `rows(harness)` (what
bench/run.py calls) measures both against the baseline. Targets: the card at least 50% of bare
Flask's requests per second, a year of contributions at least 30%.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

TARGETS = {"card": 0.50, "contributions (a year)": 0.30}
MONTHS = 24
LOCALE = "en"
_RATES = {
    "pension": (Decimal("0.16"), Decimal("0.08")),
    "medical": (Decimal("0.095"), Decimal("0.02")),
    "work_injury": (Decimal("0.004"), Decimal("0")),
    "unemployment": (Decimal("0.005"), Decimal("0.005")),
    "maternity": (Decimal("0.008"), Decimal("0")),
}


def _periods(last: date, count: int) -> list[str]:
    """`count` YYYY-MM periods ending with the month of `last`, oldest first."""
    index = last.year * 12 + last.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def prepare(app) -> dict:
    """One verified holder with 24 months of five insurances, signed in; returns token and year."""
    from app import clock, pii
    from app.accounts.models.user import UserAccount
    from app.accounts.sessions import SessionStore
    from app.extensions import db
    from app.registry.models import (
        ContributionRecord,
        Employer,
        IdentityDocument,
        InsuranceEnrolment,
        Person,
        SocialSecurityAccount,
        SocialSecurityCard,
        WorkPermit,
    )

    codec = pii.codec()
    n = secrets.randbelow(10**8)
    with app.app_context():
        today = clock.today()
        employer = Employer(
            uscc=f"91310000{n:09d}X"[:18],
            name_zh="上海基准测试有限公司",
            name_en="Shanghai Benchmark Co., Ltd.",
            city_code="310000",
            address="上海市浦东新区世纪大道1号",
        )
        person = Person(
            passport_name="MÜLLER, Hans",
            name_canonical="MUELLER HANS",
            family_name="MÜLLER",
            given_names="Hans",
            nationality="DEU",
            date_of_birth=date(1988, 4, 12),
            sex="M",
        )
        db.session.add_all([employer, person])
        passport, permit_number, ssn = f"C{n:08d}", f"{156000000000000000 + n:018d}", f"9310276{n:010d}X"[:18]
        db.session.add(
            IdentityDocument(
                person=person,
                number=passport,
                number_hash=codec.lookup_hash(passport, "passport"),
                issuing_country="DEU",
                expires_on=today + timedelta(days=1500),
            )
        )
        db.session.add(
            WorkPermit(
                person=person,
                permit_number=permit_number,
                permit_number_hash=codec.lookup_hash(permit_number, "permit"),
                category="B",
                employer=employer,
                position="软件工程师 / Software Engineer",
                work_address=employer.address,
                work_city_code="310115",
                valid_from=today - timedelta(days=365),
                valid_to=today + timedelta(days=365),
            )
        )
        account = SocialSecurityAccount(person=person, ssn=ssn, ssn_hash=codec.lookup_hash(ssn, "ssn"))
        db.session.add(account)
        db.session.add(
            SocialSecurityCard(
                account=account, card_number=f"{n:09d}", status="normal", issuing_city_code="310000"
            )
        )
        db.session.flush()  # contribution rows reference the account and employer by id
        periods = _periods(today.replace(day=1) - timedelta(days=1), MONTHS)
        base = Decimal("23456.78")
        for kind, (employer_rate, employee_rate) in _RATES.items():
            db.session.add(
                InsuranceEnrolment(
                    account=account, insurance_type=kind, status="enrolled", start_period=periods[0]
                )
            )
            for period in periods:
                db.session.add(
                    ContributionRecord(
                        account_id=account.id,
                        insurance_type=kind,
                        period=period,
                        base=base,
                        employer_amount=(base * employer_rate).quantize(Decimal("0.01")),
                        employee_amount=(base * employee_rate).quantize(Decimal("0.01")),
                        currency="CNY",
                        status="paid",
                        employer_id=employer.id,
                    )
                )
        user = UserAccount(openid=f"bench-card-{n}", locale=LOCALE, person=person, verified_at=clock.now())
        db.session.add(user)
        db.session.commit()
        store = SessionStore(app.extensions["redis"], "session", app.config["SESSION_TTL_SECONDS"])
        token = store.create(user.id, {"openid": user.openid, "locale": LOCALE})
        # 24 months always hold the whole calendar year after the first month's year.
        return {"token": token, "user_id": user.id, "full_year": int(periods[0][:4]) + 1}


def requests(prepared: dict) -> dict[str, dict]:
    """The request specs by benchmark name: path, method and headers."""
    headers = {"Authorization": f"Bearer {prepared['token']}", "Accept": "application/json"}
    return {
        "card": {"path": "/api/v1/card", "method": "GET", "headers": headers},
        "contributions (a year)": {
            "path": f"/api/v1/card/contributions?year={prepared['full_year']}",
            "method": "GET",
            "headers": headers,
        },
    }


def rows(harness) -> list:
    """The two benchmark rows for bench/run.py, each against its ratio target."""
    from bench.load import Request

    prepared = prepare(harness.app())
    result = []
    for name, spec in requests(prepared).items():
        request = Request(spec["path"], spec["method"], dict(spec["headers"]))
        comparison = harness.compare([request])
        result.append(harness.http_row(name, comparison, min_ratio=TARGETS[name]))
    return result
