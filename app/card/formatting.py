"""Wire shapes for the card screens: money, days, months and countries, formatted for the user's locale.

Every value is sent twice: exact and machine-readable ("1234.56", "2025-03-01") for the client
to compute with, and formatted for people in the active locale (by app.i18n.formatting).

Formatting a CNY amount with Babel costs about 60 µs and a year of contributions shows a few
hundred of them, mostly the same amounts month after month. Output depends only on the locale
and the value, so a Formatter bound to one locale memoizes it; views that format many values
take one Formatter per request instead of resolving the locale for every value.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from app.i18n import current_locale_id, formatting, ngettext, npgettext, pgettext

_FEN = Decimal("0.01")
#: Memo size per locale and kind; cleared when full (values repeat, the set stays small).
_MEMO_LIMIT = 20_000
_MEMOS: dict[tuple[str, str], dict] = {}


class Formatter:
    """Formats money, dates and months for one locale, memoizing each result."""

    __slots__ = ("_dates", "_money", "_months", "locale")

    def __init__(self, locale_id: str):
        self.locale = locale_id
        self._money = _MEMOS.setdefault((locale_id, "money"), {})
        self._dates = _MEMOS.setdefault((locale_id, "date"), {})
        self._months = _MEMOS.setdefault((locale_id, "month"), {})

    def money(self, amount: Decimal | None) -> dict | None:
        """{"value": "1234.56", "display": "CN¥1,234.56"}; exact to the fen."""
        if amount is None:
            return None
        exact = amount.quantize(_FEN)
        value = f"{exact:.2f}"
        display = self._money.get(value)
        if display is None:
            display = _remember(self._money, value, formatting.format_cny(exact, locale=self.locale))
        return {"value": value, "display": display}

    def day(self, value: date | datetime | None) -> dict | None:
        """{"iso": "2025-03-01", "display": localized medium date}; datetimes in the user's zone."""
        if value is None:
            return None
        if isinstance(value, datetime):
            value = formatting.to_user_time(value).date()
        display = self._dates.get(value)
        if display is None:
            display = _remember(self._dates, value, formatting.format_date(value, locale=self.locale))
        return {"iso": value.isoformat(), "display": display}

    def month(self, period: str) -> str:
        """A YYYY-MM period as a localized month and year ("March 2025", "2025年3月")."""
        display = self._months.get(period)
        if display is None:
            display = _remember(self._months, period, formatting.format_month(period, locale=self.locale))
        return display

    def period(self, value: str | None) -> dict | None:
        """{"value": "2025-03", "display": "March 2025"}."""
        if not value:
            return None
        return {"value": value, "display": self.month(value)}


def _remember(memo: dict, key, value: str) -> str:
    """Store a formatted value, starting over when the memo is full."""
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def formatter() -> Formatter:
    """A Formatter for the active locale."""
    return Formatter(current_locale_id())


def money(amount: Decimal | None) -> dict | None:
    """{"value": "1234.56", "display": ...} in the active locale."""
    return formatter().money(amount)


def day(value: date | datetime | None) -> dict | None:
    """{"iso": ..., "display": ...} in the active locale."""
    return formatter().day(value)


def month(period: str) -> str:
    """A YYYY-MM period in the active locale."""
    return formatter().month(period)


def period(value: str | None) -> dict | None:
    """{"value": "2025-03", "display": "March 2025"} in the active locale."""
    return formatter().period(value)


def days_left(days: int) -> str:
    """ "12 days left", "Ends today" or "Ended 3 days ago" in the user's language."""
    if days > 0:
        # TRANSLATORS: %(num)d is a number of days, e.g. 12.
        return npgettext("time left", "%(num)d day left", "%(num)d days left", days)
    if days == 0:
        return pgettext("time left", "Ends today")
    # TRANSLATORS: %(num)d is a number of days, e.g. 3.
    return ngettext("Ended %(num)d day ago", "Ended %(num)d days ago", -days)


def country(code: str | None) -> dict | None:
    """{"code": "DEU", "name": the country's name in the user's language}."""
    if not code:
        return None
    return {"code": code, "name": formatting.country_name(code)}
