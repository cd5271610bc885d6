"""Wire shapes for the card screens: money, days, months and countries, formatted for the user's locale.

Every value is sent twice: exact and machine-readable ("1234.56", "2025-03-01") for the client
to compute with, and formatted for people in the active locale (by app.i18n.formatting).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from app.i18n import _, current_locale_id, formatting

_FEN = Decimal("0.01")


@lru_cache(maxsize=16384)
def _cny(locale_id: str, exact: Decimal) -> str:
    """A CNY amount formatted for a locale (memoized)."""
    return formatting.format_cny(exact, locale=locale_id)


@lru_cache(maxsize=8192)
def _date(locale_id: str, value: date) -> str:
    """A medium date formatted for a locale (memoized)."""
    return formatting.format_date(value, locale=locale_id)


@lru_cache(maxsize=4096)
def _month(locale_id: str, period: str) -> str:
    """A YYYY-MM month formatted for a locale (memoized)."""
    return formatting.format_month(period, locale=locale_id)


def money(amount: Decimal | None) -> dict | None:
    """{"value": "1234.56", "display": "CN¥1,234.56" in the user's locale}; exact to the fen."""
    if amount is None:
        return None
    exact = amount.quantize(_FEN)
    return {"value": f"{exact:.2f}", "display": _cny(current_locale_id(), exact)}


def day(value: date | datetime | None) -> dict | None:
    """{"iso": "2025-03-01", "display": localized medium date}; datetimes in the user's zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = formatting.to_user_time(value).date()
    return {"iso": value.isoformat(), "display": _date(current_locale_id(), value)}


def month(period: str) -> str:
    """A YYYY-MM period as a localized month and year ("March 2025", "2025年3月")."""
    return _month(current_locale_id(), period)


def period(value: str | None) -> dict | None:
    """{"value": "2025-03", "display": "March 2025"}."""
    if not value:
        return None
    return {"value": value, "display": month(value)}


def days_left(days: int) -> str:
    """"12 days left", "Ends today" or "Ended 3 days ago" in the user's language."""
    if days > 0:
        # TRANSLATORS: days is a localized count with its unit, e.g. "12 days".
        return _("%(days)s left", days=formatting.format_days(days))
    if days == 0:
        return _("Ends today")
    # TRANSLATORS: days is a localized count with its unit, e.g. "3 days".
    return _("Ended %(days)s ago", days=formatting.format_days(-days))


def country(code: str | None) -> dict | None:
    """{"code": "DEU", "name": the country's name in the user's language}."""
    if not code:
        return None
    return {"code": code, "name": formatting.country_name(code)}
