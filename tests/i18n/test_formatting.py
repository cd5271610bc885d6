"""Formatting from CLDR: compared with Babel's own output (NBSP, RLM marks), in the active locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from app.i18n import force_locale
from app.i18n import formatting as fmt
from app.i18n.locales import SUPPORTED

from .conftest import mini_app

UTC_0630 = datetime(2025, 3, 5, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai


@pytest.fixture
def app(tmp_path):
    return mini_app(tmp_path)


@pytest.mark.parametrize("locale", SUPPORTED)
def test_month_date_number_amount_percent_follow_babel(app, locale):
    babel_locale = Locale.parse(locale)
    with app.app_context(), force_locale(locale):
        assert fmt.format_month("2025-03") == babel_dates.format_skeleton(
            "yMMMM", date(2025, 3, 1), locale=babel_locale
        )
        assert fmt.format_date(date(2025, 3, 5)) == babel_dates.format_date(
            date(2025, 3, 5), "medium", locale=babel_locale
        )
        assert fmt.format_number(1234567.5) == babel_numbers.format_decimal(1234567.5, locale=babel_locale)
        assert fmt.format_cny(Decimal("1234.50")) == babel_numbers.format_currency(
            Decimal("1234.50"), "CNY", locale=babel_locale
        )
        assert fmt.format_percent(Decimal("0.25")) == babel_numbers.format_percent(
            Decimal("0.25"), locale=babel_locale
        )
        assert fmt.format_time(UTC_0630) == babel_dates.format_time(
            time(14, 30), "short", locale=babel_locale
        )
        assert fmt.country_name("DEU") == babel_locale.territories["DE"]
        assert fmt.format_days(45) == babel_dates.format_timedelta(
            timedelta(days=45), granularity="day", threshold=10**9, locale=babel_locale
        )


def test_known_shapes_with_their_special_spaces_and_marks():
    assert fmt.format_month("2025-03", "zh_Hans") == "2025年3月"
    assert fmt.format_month(date(2025, 3, 17), "en") == "March 2025"
    assert fmt.format_time(UTC_0630, locale="zh_Hans") == "14:30"
    assert fmt.format_cny(Decimal("1234.5"), "ru") == "1\xa0234,50\xa0CN¥"  # NBSP from CLDR
    assert fmt.format_cny(Decimal("1234.5"), "ar").startswith("\u200f")  # RLM from CLDR
    assert "\u202f" in fmt.format_number(1234, "fr")  # NNBSP grouping
    assert fmt.format_days(45, "en") == "45 days" and fmt.format_days(1, "en") == "1 day"
    assert fmt.country_name("KOR", "ko") == "대한민국" and fmt.country_name("D<<", "en") == "Germany"


def test_amounts_are_exact():
    assert fmt.format_cny(Decimal("0.1") + Decimal("0.2"), "en") == "CN¥0.30"
    assert fmt.format_cny("99999999.99", "en") == "CN¥99,999,999.99"
    assert fmt.format_cny(0.1 + 0.2, "en") == "CN¥0.30"  # float repr, never its binary value
    with pytest.raises(ValueError):
        fmt.format_cny("twelve", "en")
    with pytest.raises(TypeError):
        fmt.format_cny(True, "en")


def test_percent_with_decimals():
    assert fmt.format_percent(Decimal("0.085"), "en", decimals=1) == "8.5%"
    assert fmt.format_percent(Decimal("0.085"), "fr", decimals=1) == babel_numbers.format_percent(
        Decimal("0.085"), "#,##0.0\xa0%", locale="fr"
    )


def test_times_use_the_user_time_zone():
    assert fmt.format_time(UTC_0630, locale="en", tz="Europe/Berlin") == babel_dates.format_time(
        time(7, 30), "short", locale="en"
    )
    naive = datetime(2025, 3, 5, 6, 30)  # noqa: DTZ001 - a naive value is taken as UTC, as stored
    assert fmt.format_time(naive, locale="zh_Hans") == "14:30"
    assert fmt.format_date(datetime(2025, 3, 5, 20, 0, tzinfo=UTC), "short", "en") == "3/6/25"
    assert fmt.format_datetime(UTC_0630, "short", "zh_Hans") == babel_dates.format_datetime(
        datetime(2025, 3, 5, 14, 30),  # noqa: DTZ001 - babel reads a naive value as UTC
        "short",
        locale="zh_Hans",
    )


@pytest.mark.calendar
def test_days_until_counts_in_the_user_zone():
    assert fmt.days_until(date(2025, 3, 10), today=date(2025, 3, 5)) == 5
    assert fmt.days_until(date(2025, 3, 1), today=date(2025, 3, 5)) == -4
    assert fmt.days_until(datetime(2025, 3, 9, 17, 0, tzinfo=UTC), today=date(2025, 3, 5)) == 5


@pytest.mark.parametrize("bad", ["2025-13", "2025-3", "March", "", None, 202503])
def test_bad_months_are_refused(bad):
    with pytest.raises(ValueError):
        fmt.parse_month(bad)


def test_unknown_nationality_code_is_shown_as_is():
    assert fmt.country_name("XXA", "en") == "XXA"
    assert fmt.country_name("???", "en") == "???"


def test_default_time_zone_is_shanghai_outside_an_app():
    assert str(fmt.user_timezone()) == "Asia/Shanghai"
