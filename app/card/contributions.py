"""Contribution records of the signed-in user: one year by month and insurance, totals, gaps, arrears, CSV.

Everything here is exact: amounts are Decimals from the database, summed as Decimals, and sent
both as exact strings ("1234.56") and formatted for the user's locale. Records are in CNY (the
registry feed has no other currency). One SQL query serves a page: the user row (for the
verified check), the account, the year's records with their employer, and the account's first
and last periods (for gaps across year boundaries). Pages follow a stable order and continue
from an opaque cursor signed for one user and one year.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, literal, null, select, type_coerce, union_all

from app.accounts.models.user import UserAccount
from app.card import formatting as fmt
from app.card.card import NoAccount, ensure_verified
from app.card.terms import (
    CONTRIBUTION_STATUSES,
    INSURANCE_ORDER,
    INSURANCE_SHORT,
    INSURANCES,
    describe,
)
from app.errors import AppError
from app.extensions import db
from app.i18n import _l, pgettext, to_text
from app.registry.models import ContributionRecord, Employer, SocialSecurityAccount

ZERO = Decimal("0.00")
MIN_YEAR, MAX_YEAR = 1990, 2100
DEFAULT_PAGE_SIZE = 60
MAX_PAGE_SIZE = 200
#: Statuses that count toward totals (a reversed record was cancelled).
COUNTED = frozenset({"paid", "due", "arrears"})
_YEAR = re.compile(r"^[0-9]{4}$")
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


class Record(NamedTuple):
    """One contribution row as read from the database (the columns of the one query, in order)."""

    id: int
    insurance_type: str
    period: str
    base: Decimal
    employer_amount: Decimal
    employee_amount: Decimal
    status: str
    paid_on: date | None
    employer_id: int
    employer_name_zh: str | None
    employer_name_en: str | None


def _sort_key(record: Record) -> tuple:
    """The stable order: month, then the official insurance order, then employer, then id."""
    return (record.period, INSURANCE_ORDER.get(record.insurance_type, 99), record.employer_id, record.id)


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
    if not (raw.isascii() and raw.strip().isdigit()) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
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
    if not isinstance(data, dict) or data.get("u") != user_id or data.get("y") != year:
        raise InvalidCursor()
    key = data.get("k")
    if not isinstance(key, list) or len(key) != 4:
        raise InvalidCursor()
    return tuple(key)


def _typed_null(column):
    """A NULL with a column's type, so both halves of the UNION convert values alike."""
    return type_coerce(null(), column.type)


def _load(user_id: int, year: int | None) -> tuple[list[Record], str | None, str | None]:
    """(records in order, first period, last period) in one query; year None means all years.

    One UNION ALL: a head row (the user's status and verification, the account, its first and
    last periods) and then the records. The head's columns are read once, not once per record.
    """
    users_t, accounts_t = UserAccount.__table__, SocialSecurityAccount.__table__
    records_t, employers_t = ContributionRecord.__table__, Employer.__table__
    users, accounts, records, employers = users_t.c, accounts_t.c, records_t.c, employers_t.c
    record_columns = (
        records.id,
        records.insurance_type,
        records.period,
        records.base,
        records.employer_amount,
        records.employee_amount,
        records.status,
        records.paid_on,
        records.employer_id,
        employers.name_zh,
        employers.name_en,
    )
    every = records_t.alias("every_record")
    first = (
        select(func.min(every.c.period))
        .where(every.c.account_id == accounts.id)
        .correlate(accounts_t)
        .scalar_subquery()
    )
    last = (
        select(func.max(every.c.period))
        .where(every.c.account_id == accounts.id)
        .correlate(accounts_t)
        .scalar_subquery()
    )
    head_columns = (users.status, users.verified_at.is_not(None), users.person_id, accounts.id, first, last)
    head = (
        select(literal(0), *head_columns, *(_typed_null(column) for column in record_columns))
        .select_from(users_t.outerjoin(accounts_t, accounts.person_id == users.person_id))
        .where(users.id == user_id)
    )
    in_period = records.account_id == accounts.id
    if year is not None:
        in_period = and_(in_period, records.period >= f"{year:04d}-01", records.period <= f"{year:04d}-12")
    body = (
        select(literal(1), *(_typed_null(column) for column in head_columns), *record_columns)
        .select_from(
            users_t.join(accounts_t, accounts.person_id == users.person_id)
            .join(records_t, in_period)
            .outerjoin(employers_t, employers.id == records.employer_id)
        )
        .where(users.id == user_id)
    )
    rows = db.session.execute(union_all(head, body)).all()
    heads = [row for row in rows if row[0] == 0]
    status, verified, person_id, account_id, first_period, last_period = (
        heads[0][1:7] if heads else (None,) * 6
    )
    ensure_verified(status, True if verified else None, person_id)
    if account_id is None:
        raise NoAccount()
    found = [Record._make(row[7:]) for row in rows if row[0] == 1]
    found.sort(key=_sort_key)
    return found, first_period, last_period


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


def _totals(records, formatter: fmt.Formatter) -> dict:
    """{employer, employee, total} as money objects."""
    employer, employee = _sums(records)
    return {
        "employer": formatter.money(employer),
        "employee": formatter.money(employee),
        "total": formatter.money(employer + employee),
    }


def _record_view(record: Record, formatter: fmt.Formatter) -> dict:
    """One record for the wire; labels for its codes are in the response's `labels`."""
    return {
        "id": record.id,
        "period": record.period,
        "insurance": record.insurance_type,
        "base": formatter.money(record.base),
        "employer_amount": formatter.money(record.employer_amount),
        "employee_amount": formatter.money(record.employee_amount),
        "status": record.status,
        "arrears": record.status == "arrears",
        "paid_on": formatter.day(record.paid_on),
        "employer_id": record.employer_id,
    }


def _labels() -> dict:
    """The names of every insurance and status code, once per response, in the user's language."""
    insurances = {}
    for code in INSURANCES:
        described = describe(INSURANCES, code)
        insurances[code] = {
            "name": described["name"],
            "term_zh": described["term_zh"],
            "short_name": to_text(INSURANCE_SHORT[code]),
        }
    statuses = {
        code: {"name": term["name"], "term_zh": term["term_zh"]}
        for code, term in ((code, describe(CONTRIBUTION_STATUSES, code)) for code in CONTRIBUTION_STATUSES)
    }
    return {"insurances": insurances, "statuses": statuses}


def _employers(records) -> dict:
    """Employer id → {name (English where known), name_zh} for the records shown."""
    return {
        str(record.employer_id): {
            "name": record.employer_name_en or record.employer_name_zh,
            "name_zh": record.employer_name_zh,
        }
        for record in records
    }


def year_view(
    user_id: int,
    *,
    year_param: str | None,
    cursor: str | None,
    limit_param: str | None,
    secret_key: str,
    current_year: int,
) -> dict:
    """One page of a year's contributions, with the whole year's totals, gaps and arrears."""
    limit = parse_limit(limit_param)
    year = parse_year(year_param, current_year)
    formatter = fmt.formatter()
    records, first, last = _load(user_id, year)
    page, more = _page(records, read_cursor(secret_key, cursor, user_id, year), limit)
    arrears = _arrears(records, formatter)
    return {
        "year": year,
        "currency": "CNY",
        "years": list(range(int(first[:4]), int(last[:4]) + 1)) if first and last else [],
        "first_period": first,
        "last_period": last,
        "months": _months(records, page, formatter),
        "totals": {
            **_totals(records, formatter),
            "by_insurance": _by_insurance(records, formatter),
            "records": len(records),
        },
        "gaps": _gaps(records, year, first, last, formatter),
        "arrears": arrears,
        "has_arrears": bool(arrears),
        "labels": _labels(),
        "employers": _employers(page),
        "next_cursor": make_cursor(secret_key, user_id, year, _sort_key(page[-1])) if more and page else None,
    }


def _page(records: list[Record], after: tuple | None, limit: int) -> tuple[list[Record], bool]:
    """The records after the cursor's key, at most `limit` of them, and whether more follow."""
    page_start = 0
    if after is not None:
        page_start = next(
            (i for i, record in enumerate(records) if list(_sort_key(record)) > list(after)), len(records)
        )
    return records[page_start : page_start + limit], page_start + limit < len(records)


def _months(records: list[Record], page: list[Record], formatter: fmt.Formatter) -> list[dict]:
    """The page's records grouped by month, each month with the whole month's totals."""
    by_month: dict[str, list[Record]] = {}
    for record in records:
        by_month.setdefault(record.period, []).append(record)
    months: list[dict] = []
    for record in page:
        if not months or months[-1]["period"] != record.period:
            month_records = by_month[record.period]
            months.append(
                {
                    "period": record.period,
                    "label": formatter.month(record.period),
                    "records": [],
                    "totals": _totals(month_records, formatter),
                    "has_arrears": any(other.status == "arrears" for other in month_records),
                }
            )
        months[-1]["records"].append(_record_view(record, formatter))
    return months


def _by_insurance(records: list[Record], formatter: fmt.Formatter) -> list[dict]:
    """The year's totals per insurance, in the card's order, for the insurances that have records."""
    totals = []
    for code in INSURANCES:
        of_kind = [record for record in records if record.insurance_type == code]
        if of_kind:
            totals.append({"insurance": code, **_totals(of_kind, formatter)})
    return totals


def _gaps(
    records: list[Record], year: int, first: str | None, last: str | None, formatter: fmt.Formatter
) -> list[dict]:
    """The months of the year, within the record's span, with nothing paid, due or in arrears."""
    if not (first and last):
        return []
    counted_periods = {record.period for record in records if record.status in COUNTED}
    start, end = max(first, f"{year:04d}-01"), min(last, f"{year:04d}-12")
    if start > end:
        return []
    return [
        {"period": period, "label": formatter.month(period)}
        for period in _periods(start, end)
        if period not in counted_periods
    ]


def _arrears(records: list[Record], formatter: fmt.Formatter) -> list[dict]:
    """The year's records in arrears, with the amount owed."""
    return [
        {
            "period": record.period,
            "label": formatter.month(record.period),
            "insurance": record.insurance_type,
            "amount": formatter.money(record.employer_amount + record.employee_amount),
        }
        for record in records
        if record.status == "arrears"
    ]


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
    records, _first, _last = _load(user_id, year)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(_csv_header())
    for record in records:
        insurance = INSURANCES.get(record.insurance_type)
        status = describe(CONTRIBUTION_STATUSES, record.status)
        writer.writerow(
            [
                record.period,
                _cell(to_text(INSURANCE_SHORT.get(record.insurance_type, record.insurance_type))),
                insurance.term_zh if insurance else "",
                _cell(record.employer_name_en),
                _cell(record.employer_name_zh),
                f"{record.base:.2f}",
                f"{record.employer_amount:.2f}",
                f"{record.employee_amount:.2f}",
                "CNY",
                _cell(status["name"]),
                record.paid_on.isoformat() if record.paid_on else "",
            ]
        )
    filename = f"contributions-{year}.csv" if year else "contributions.csv"
    return filename, buffer.getvalue()
