"""Contribution records of the signed-in user: one year by month and insurance, totals, gaps, arrears, CSV.

Everything here is exact: amounts are Decimals from the database, summed as Decimals, and sent
both as exact strings ("1234.56") and formatted for the user's locale. One SQL query serves a
page: the user row (for the verified check), the account, the year's records with their
employer, and the account's first and last periods (for gaps across year boundaries).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from app.errors import AppError
from app.extensions import db
from app.i18n import _l, pgettext, to_text
from app.models.registry import ContributionRecord, Employer, SocialSecurityAccount
from app.models.user import UserAccount
from app.services import card_format as fmt
from app.services.card import NoAccount, ensure_verified
from app.services.card_terms import (
    CONTRIBUTION_STATUSES,
    INSURANCE_ORDER,
    INSURANCE_SHORT,
    INSURANCES,
    describe,
)

ZERO = Decimal("0.00")
MIN_YEAR, MAX_YEAR = 1990, 2100
DEFAULT_PAGE_SIZE = 60
MAX_PAGE_SIZE = 200
#: Statuses that count toward totals (a reversed record was cancelled).
COUNTED = frozenset({"paid", "due", "arrears"})
_YEAR = re.compile(r"^\d{4}$")
_CURSOR_SALT = "ssc-bridge contributions cursor v1"


class InvalidYear(AppError):
    """The year parameter is not a four-digit year in range."""

    code = "contributions.invalid_year"
    status = 400
    message = _l("Choose a year between 1990 and 2100.")


class InvalidCursor(AppError):
    """The cursor was not issued to this user for this year, or was altered."""

    code = "contributions.invalid_cursor"
    status = 400
    message = _l("This list has changed. Please reload it from the start.")


class InvalidPageSize(AppError):
    """The limit parameter is not a number from 1 to 200."""

    code = "contributions.invalid_limit"
    status = 400
    message = _l("Ask for between 1 and 200 records at a time.")


@dataclass(frozen=True)
class Record:
    """One contribution row as read from the database."""

    id: int
    insurance_type: str
    period: str
    base: Decimal
    employer_amount: Decimal
    employee_amount: Decimal
    currency: str
    status: str
    paid_on: object
    employer_id: int
    employer_name_zh: str | None
    employer_name_en: str | None

    @property
    def sort_key(self) -> tuple:
        """The stable order: month, then the official insurance order, then employer, then id."""
        return (self.period, INSURANCE_ORDER.get(self.insurance_type, 99), self.employer_id, self.id)


def parse_year(raw: str | None, default: int) -> int:
    """The requested year, or `default` when none is given."""
    if raw is None or raw == "":
        return default
    if not _YEAR.match(raw.strip()):
        raise InvalidYear()
    year = int(raw)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidYear()
    return year


def parse_limit(raw: str | None) -> int:
    """The page size, DEFAULT_PAGE_SIZE when none is given."""
    if raw is None or raw == "":
        return DEFAULT_PAGE_SIZE
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise InvalidPageSize()
    return int(raw)


def _serializer(secret_key: str) -> URLSafeSerializer:
    """Signs cursors so they cannot be forged or moved to another user."""
    return URLSafeSerializer(secret_key, salt=_CURSOR_SALT)


def make_cursor(secret_key: str, user_id: int, year: int, key: tuple) -> str:
    """An opaque, signed cursor for the row after `key`, valid only for this user and year."""
    return _serializer(secret_key).dumps({"u": user_id, "y": year, "k": list(key)})


def read_cursor(secret_key: str, cursor: str | None, user_id: int, year: int) -> tuple | None:
    """The sort key a cursor points after; refuses cursors of another user, year or signer."""
    if not cursor:
        return None
    if len(cursor) > 300:
        raise InvalidCursor()
    try:
        data = _serializer(secret_key).loads(cursor)
    except BadSignature as error:
        raise InvalidCursor() from error
    key = data.get("k") if isinstance(data, dict) else None
    if data.get("u") != user_id or data.get("y") != year or not isinstance(key, list) or len(key) != 4:
        raise InvalidCursor()
    return tuple(key)


def _load(user_id: int, year: int | None) -> tuple[int, list[Record], str | None, str | None]:
    """(account id, records, first period, last period) in one query; year None means all years."""
    record_join = ContributionRecord.account_id == SocialSecurityAccount.id
    if year is not None:
        record_join = and_(record_join, ContributionRecord.period >= f"{year:04d}-01",
                           ContributionRecord.period <= f"{year:04d}-12")
    every = aliased(ContributionRecord)
    first = (select(func.min(every.period)).where(every.account_id == SocialSecurityAccount.id)
             .correlate(SocialSecurityAccount).scalar_subquery())
    last = (select(func.max(every.period)).where(every.account_id == SocialSecurityAccount.id)
            .correlate(SocialSecurityAccount).scalar_subquery())
    stmt = (
        select(
            UserAccount.status, UserAccount.verified_at, UserAccount.person_id,
            SocialSecurityAccount.id, first, last,
            ContributionRecord.id, ContributionRecord.insurance_type, ContributionRecord.period,
            ContributionRecord.base, ContributionRecord.employer_amount,
            ContributionRecord.employee_amount, ContributionRecord.currency,
            ContributionRecord.status, ContributionRecord.paid_on, ContributionRecord.employer_id,
            Employer.name_zh, Employer.name_en,
        )
        .select_from(UserAccount)
        .outerjoin(SocialSecurityAccount, SocialSecurityAccount.person_id == UserAccount.person_id)
        .outerjoin(ContributionRecord, record_join)
        .outerjoin(Employer, Employer.id == ContributionRecord.employer_id)
        .where(UserAccount.id == user_id)
    )
    rows = db.session.execute(stmt).all()
    head = rows[0] if rows else None
    ensure_verified(head[0] if head else None, head[1] if head else None, head[2] if head else None)
    if head[3] is None:
        raise NoAccount()
    records = [Record(*row[6:]) for row in rows if row[6] is not None]
    records.sort(key=lambda record: record.sort_key)
    return head[3], records, head[4], head[5]


def _periods(first: str, last: str) -> list[str]:
    """Every YYYY-MM from first to last inclusive."""
    start = int(first[:4]) * 12 + int(first[5:7]) - 1
    end = int(last[:4]) * 12 + int(last[5:7]) - 1
    return [f"{index // 12:04d}-{index % 12 + 1:02d}" for index in range(start, end + 1)]


def _sums(records) -> tuple[Decimal, Decimal]:
    """Employer and employee sums of the records that count (Decimal, to the fen)."""
    employer = employee = ZERO
    for record in records:
        if record.status in COUNTED:
            employer += record.employer_amount
            employee += record.employee_amount
    return employer, employee


def _totals(records) -> dict:
    """{employer, employee, total} as money objects."""
    employer, employee = _sums(records)
    return {"employer": fmt.money(employer), "employee": fmt.money(employee),
            "total": fmt.money(employer + employee)}


def _record_view(record: Record) -> dict:
    """One record for the wire."""
    return {
        "id": record.id,
        "period": record.period,
        "insurance": {**describe(INSURANCES, record.insurance_type),
                      "short_name": to_text(INSURANCE_SHORT.get(record.insurance_type, record.insurance_type))},
        "base": fmt.money(record.base),
        "employer_amount": fmt.money(record.employer_amount),
        "employee_amount": fmt.money(record.employee_amount),
        "total": fmt.money(record.employer_amount + record.employee_amount),
        "currency": record.currency,
        "status": describe(CONTRIBUTION_STATUSES, record.status),
        "arrears": record.status == "arrears",
        "paid_on": fmt.day(record.paid_on),
        "employer": {"name": record.employer_name_en or record.employer_name_zh,
                     "name_zh": record.employer_name_zh},
    }


def year_view(user_id: int, *, year_param: str | None, cursor: str | None, limit_param: str | None,
              secret_key: str, current_year: int) -> dict:
    """One page of a year's contributions, with the whole year's totals, gaps and arrears."""
    limit = parse_limit(limit_param)
    year = parse_year(year_param, current_year)
    _account_id, records, first, last = _load(user_id, year)
    after = read_cursor(secret_key, cursor, user_id, year)
    if after is not None:
        page_start = next((i for i, record in enumerate(records) if list(record.sort_key) > list(after)),
                          len(records))
    else:
        page_start = 0
    page = records[page_start:page_start + limit]
    more = page_start + limit < len(records)

    by_month: dict[str, list[Record]] = {}
    for record in records:
        by_month.setdefault(record.period, []).append(record)
    months = []
    for record in page:
        if not months or months[-1]["period"] != record.period:
            month_records = by_month[record.period]
            months.append({
                "period": record.period,
                "label": fmt.month(record.period),
                "records": [],
                "totals": _totals(month_records),
                "has_arrears": any(r.status == "arrears" for r in month_records),
            })
        months[-1]["records"].append(_record_view(record))

    by_insurance = []
    for code in INSURANCES:
        of_kind = [record for record in records if record.insurance_type == code]
        if of_kind:
            by_insurance.append({"insurance": describe(INSURANCES, code), **_totals(of_kind)})

    gaps = []
    if first and last:
        counted_periods = {record.period for record in records if record.status in COUNTED}
        start, end = max(first, f"{year:04d}-01"), min(last, f"{year:04d}-12")
        if start <= end:
            gaps = [{"period": period, "label": fmt.month(period)}
                    for period in _periods(start, end) if period not in counted_periods]
    arrears = [{"period": record.period, "label": fmt.month(record.period),
                "insurance": describe(INSURANCES, record.insurance_type),
                "amount": fmt.money(record.employer_amount + record.employee_amount)}
               for record in records if record.status == "arrears"]
    years = list(range(int(first[:4]), int(last[:4]) + 1)) if first and last else []
    return {
        "year": year,
        "currency": "CNY",
        "years": years,
        "first_period": first,
        "last_period": last,
        "months": months,
        "totals": {**_totals(records), "by_insurance": by_insurance, "records": len(records)},
        "gaps": gaps,
        "arrears": arrears,
        "has_arrears": bool(arrears),
        "next_cursor": make_cursor(secret_key, user_id, year, page[-1].sort_key) if more and page else None,
    }


def _csv_header() -> list[str]:
    """The CSV header row in the active locale (values stay exact and locale-independent)."""
    return [
        pgettext("csv column", "Month"),
        pgettext("csv column", "Insurance"),
        pgettext("csv column", "Insurance (Chinese)"),
        pgettext("csv column", "Employer"),
        pgettext("csv column", "Employer (Chinese)"),
        pgettext("csv column", "Contribution base"),
        pgettext("csv column", "Employer amount"),
        pgettext("csv column", "Employee amount"),
        pgettext("csv column", "Currency"),
        pgettext("csv column", "Status"),
        pgettext("csv column", "Paid on"),
    ]


def _cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(user_id: int, year_param: str | None) -> tuple[str, str]:
    """(filename, CSV text with a BOM) of the user's own records: one year, or all when none is given."""
    year = parse_year(year_param, 0) if year_param else None
    _account_id, records, _first, _last = _load(user_id, year)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(_csv_header())
    for record in records:
        insurance = INSURANCES.get(record.insurance_type)
        status = describe(CONTRIBUTION_STATUSES, record.status)
        writer.writerow([
            record.period,
            _cell(to_text(INSURANCE_SHORT.get(record.insurance_type, record.insurance_type))),
            insurance.term_zh if insurance else "",
            _cell(record.employer_name_en),
            _cell(record.employer_name_zh),
            f"{record.base:.2f}",
            f"{record.employer_amount:.2f}",
            f"{record.employee_amount:.2f}",
            record.currency,
            _cell(status["name"]),
            record.paid_on.isoformat() if record.paid_on else "",
        ])
    filename = f"contributions-{year}.csv" if year else "contributions.csv"
    return filename, buffer.getvalue()
