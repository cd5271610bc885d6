"""The one place the app reads the time: `now()` in UTC, `today()` on the calendar of the users' zone.

A calendar day ("is the permit still valid", "days left", "this year's contributions") is a day
in the users' time zone, Asia/Shanghai unless `DEFAULT_TIMEZONE` says otherwise, never the
machine's: a server on UTC is still on yesterday's date from 00:00 to 08:00 in Shanghai. Code
that needs the date or the time asks this module, so a test can freeze it (time-machine) and a
reviewer finds every reader here. ruff (DTZ, banned-api TID251 in pyproject.toml) rejects
`date.today()`, `datetime.now()` and `time.time()` elsewhere; the few `time.time()` left (WeChat's
Unix timestamps, counters in Redis shared by workers) say why where they stand.

Outside an app context (a WSGI layer before Flask, a script) pass the zone in: `today(zone)`.
A leaf: it imports nothing from the app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

#: The users' time zone when the app does not say otherwise (China has one zone).
DEFAULT_TIMEZONE = "Asia/Shanghai"


@lru_cache(maxsize=32)
def _zone_named(name: str) -> ZoneInfo:
    """A ZoneInfo, built once per name."""
    return ZoneInfo(name)


def zone(name: str | tzinfo | None = None) -> tzinfo:
    """The users' time zone: the one given, else the app's DEFAULT_TIMEZONE, else Asia/Shanghai."""
    if isinstance(name, tzinfo):
        return name
    if name is None and has_app_context():
        name = current_app.config.get("DEFAULT_TIMEZONE")
    return _zone_named(name or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current instant, timezone-aware UTC (what timestamps are stored as)."""
    return datetime.now(UTC)


def local_now(tz: str | tzinfo | None = None) -> datetime:
    """The current instant on the users' wall clock (aware, in their zone)."""
    return now().astimezone(zone(tz))


def today(tz: str | tzinfo | None = None) -> date:
    """Today's date in the users' zone: the day that permits, exemptions and deadlines count from."""
    return local_now(tz).date()
