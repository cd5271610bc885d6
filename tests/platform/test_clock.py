"""app/clock.py: the users' date is Shanghai's, never the machine's; the lint keeps it the only reader."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from app import clock

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.calendar


def test_the_users_date_is_a_day_ahead_of_utc_after_16_00(users_day_ahead):
    assert clock.now() >= users_day_ahead and clock.now().tzinfo is UTC
    assert clock.today() == date(2027, 1, 1)
    assert clock.local_now().utcoffset().total_seconds() == 8 * 3600
    assert datetime.now().date() == date(2026, 12, 31)  # noqa: DTZ005, TID251 - what the machine says


def test_the_zone_comes_from_the_app_then_the_default(app, users_day_ahead):
    assert str(clock.zone()) == "Asia/Shanghai"
    app.config["DEFAULT_TIMEZONE"] = "Europe/Berlin"
    assert str(clock.zone()) == "Europe/Berlin" and clock.today() == date(2026, 12, 31)
    assert clock.today("Asia/Kolkata") == date(2026, 12, 31)  # 22:00 there
    assert clock.today(clock.zone("Asia/Tokyo")) == date(2027, 1, 1)


def test_outside_the_app_the_default_zone_applies(users_day_ahead):
    assert str(clock.zone()) == clock.DEFAULT_TIMEZONE == "Asia/Shanghai"
    assert clock.today() == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("source", "codes"),
    [
        ("from datetime import date\n\nx = date.today()\n", {"DTZ011", "TID251"}),
        ("from datetime import datetime\n\nx = datetime.now()\n", {"DTZ005", "TID251"}),
        ("from datetime import UTC, datetime\n\nx = datetime.now(UTC)\n", {"TID251"}),
        ("import datetime\n\nx = datetime.datetime.utcnow()\n", {"DTZ003", "TID251"}),
        ("import time\n\nx = time.time()\n", {"TID251"}),
    ],
)
@pytest.mark.parametrize("where", ["app/card/example.py", "tests/card/test_example.py"])
def test_the_lint_refuses_a_clock_read_outside_the_clock_module(source, codes, where):
    assert _lint(source, where) == codes


def test_the_clock_module_may_read_the_clock_but_never_naively():
    assert _lint("from datetime import UTC, datetime\n\nx = datetime.now(UTC)\n", "app/clock.py") == set()
    assert _lint("from datetime import datetime\n\nx = datetime.now()\n", "app/clock.py") == {"DTZ005"}


def _lint(source: str, filename: str) -> set[str]:
    """The codes ruff, with the project's settings, reports for `source` as the file `filename`."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--output-format",
            "json",
            "--stdin-filename",
            filename,
            "-",
        ],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return {finding["code"] for finding in json.loads(result.stdout)}
