"""Dates, months, numbers, CNY amounts, percentages, times and country names from CLDR via Babel.

Every function uses the active locale (or the one given) and, for times, the user's time zone
(Asia/Shanghai unless the app says otherwise). Babel's output contains non-breaking spaces and, in
Arabic, direction marks: compare with Babel's own output in tests, never with hand-typed text.
Digits are Latin in every locale (what official documents and SMS codes use).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Literal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from app import clock

from .countries import alpha2
from .locales import locale_info
from .translate import current_locale_id

#: What the money and percent formatters take: exact as Decimal, or as the text or number of one.
Amount = Decimal | float | int | str

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _locale(locale_id: str | None) -> Locale:
    """The Babel Locale to format in: the given id, else the active one."""
    return locale_info(locale_id or current_locale_id())


def user_timezone(name: str | None = None) -> tzinfo:
    """The time zone to show times in: the given name, the app's default, else Asia/Shanghai."""
    return clock.zone(name)


def to_user_time(value: datetime, tz: str | None = None) -> datetime:
    """An aware datetime in the user's zone (naive values are taken as UTC, as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(user_timezone(tz))


def format_date(
    value: date | datetime, format: str = "medium", locale: str | None = None, tz: str | None = None
) -> str:
    """A date such as 'Mar 5, 2025' / '2025年3月5日' (datetimes are shown in the user's zone)."""
    if isinstance(value, datetime):
        value = to_user_time(value, tz).date()
    return babel_dates.format_date(value, format=format, locale=_locale(locale))


def format_datetime(
    value: datetime, format: str = "medium", locale: str | None = None, tz: str | None = None
) -> str:
    """A date and time in the user's time zone."""
    return babel_dates.format_datetime(to_user_time(value, tz), format=format, locale=_locale(locale))


def format_time(
    value: datetime | time, format: str = "short", locale: str | None = None, tz: str | None = None
) -> str:
    """A time of day such as '14:30' / '下午2:30', for "try again after %(time)s"."""
    if isinstance(value, datetime):
        value = to_user_time(value, tz).timetz().replace(tzinfo=None)
    return babel_dates.format_time(value, format=format, locale=_locale(locale))


def parse_month(value: str | date) -> date:
    """The first day of a contribution month given as 'YYYY-MM' (or a date); ValueError otherwise."""
    if isinstance(value, date):
        return value.replace(day=1)
    found = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValueError(f"not a YYYY-MM month: {value!r}")
    return date(int(found.group(1)), int(found.group(2)), 1)


def format_month(value: str | date, locale: str | None = None, skeleton: str = "yMMMM") -> str:
    """A contribution month: '2025-03' → 'March 2025', '2025年3月', 'březen'…"""
    return babel_dates.format_skeleton(skeleton, parse_month(value), locale=_locale(locale))


def format_number(value: float | Decimal | str, locale: str | None = None) -> str:
    """A number with the locale's grouping and decimal signs."""
    return babel_numbers.format_decimal(value, locale=_locale(locale))


def _decimal(value: Amount) -> Decimal:
    """An exact Decimal (floats go through their shortest repr, never their binary value)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError) as error:
        raise ValueError(f"not an amount: {value!r}") from error


def format_cny(
    amount: Amount,
    locale: str | None = None,
    format_type: Literal["name", "standard", "accounting"] = "standard",
) -> str:
    """A CNY amount, exact to the fen: Decimal('1234.5') → 'CN¥1,234.50', '¥1,234.50', '1 234,50 CN¥'."""
    return babel_numbers.format_currency(
        _decimal(amount), "CNY", locale=_locale(locale), format_type=format_type
    )


def format_percent(ratio: Amount, locale: str | None = None, decimals: int = 0) -> str:
    """A ratio as a percentage: 0.085 → '9%' (or '8.5%' with decimals=1); '%' placement per locale."""
    pattern = None
    if decimals:
        base = _locale(locale).percent_formats[None].pattern
        pattern = base.replace("0", "0." + "0" * decimals, 1) if "." not in base else base
    return babel_numbers.format_percent(_decimal(ratio), format=pattern, locale=_locale(locale))


def days_until(until: date | datetime, today: date | None = None, tz: str | None = None) -> int:
    """Whole days from today (in the user's zone) to a date; negative once it has passed."""
    if today is None:
        today = clock.today(tz)
    if isinstance(until, datetime):
        until = to_user_time(until, tz).date()
    return (until - today).days


def format_days(days: int, locale: str | None = None) -> str:
    """45 → '45 days', '45일' (CLDR), for a value on its own; in a sentence use a plural message."""
    return babel_dates.format_timedelta(
        timedelta(days=abs(int(days))), granularity="day", threshold=10**9, locale=_locale(locale)
    )


def country_name(code: str, locale: str | None = None) -> str:
    """The country of an ISO alpha-3 (or ICAO passport) nationality code in the user's language."""
    territory = alpha2(code)
    if territory is None:
        return code
    name: str = _locale(locale).territories.get(territory, code)
    return name
