"""Import progress: plain lines off a terminal, a live bar on one, the pace they show."""

from __future__ import annotations

import re

from app.registry import import_pace
from app.registry.cli import registry as registry_cli

from .conftest import people_row


def test_off_a_terminal_the_command_prints_plain_progress_lines(db, runner, feed_file):
    path = feed_file([people_row() for _ in range(10)])
    result = runner.invoke(args=["registry", "import", str(path), "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("…")]
    assert [
        re.match(r"… ([\d,]+) of about 10 rows, [\d,]+ rows/s, [\d:?]+ left$", line).group(1)
        for line in lines
    ] == [
        "4",
        "8",
        "10",
    ]
    assert "\r" not in result.stderr and "added" in result.stdout


def test_quiet_prints_no_progress(db, runner, feed_file):
    result = runner.invoke(args=["registry", "import", str(feed_file([people_row()])), "--quiet"])
    assert result.exit_code == 0 and "…" not in result.stderr


def test_on_a_terminal_the_bar_shows_rows_rate_and_eta(db, runner, feed_file, monkeypatch):
    shown = []

    class Bar(registry_cli._ProgressBar):
        def update(self, rows: int) -> None:
            super().update(rows)
            shown.append(self.bar.current_item)

    monkeypatch.setattr(registry_cli, "_ProgressBar", Bar)
    monkeypatch.setattr(registry_cli, "_on_terminal", lambda: True)
    result = runner.invoke(
        args=["registry", "import", str(feed_file([people_row() for _ in range(3)])), "--batch-size", "2"]
    )
    assert result.exit_code == 0, result.output
    assert [re.match(r"([\d,]+)/3 rows  [\d,]+ rows/s  ETA [\d:?]+$", text).group(1) for text in shown] == [
        "2",
        "3",
    ]


def test_pace_rate_eta_and_clock_text():
    now = import_pace.pace(250, 1000, 5.0)
    assert (now.rate, now.eta_seconds, now.percent) == (50.0, 15, 25)
    assert import_pace.pace(0, 1000, 0.0).eta_seconds is None
    assert import_pace.pace(2000, 1000, 1.0).percent == 99
    assert [import_pace.clock_text(s) for s in (None, 5, 125, 3725)] == ["?", "0:05", "2:05", "1:02:05"]


def test_the_command_can_check_rows_in_worker_processes(db, runner, feed_file):
    rows = [people_row() for _ in range(5)] + [people_row(nationality="XYZ")]
    result = runner.invoke(args=["registry", "import", str(feed_file(rows)), "--workers", "2", "--quiet"])
    assert result.exit_code == 3, result.output
    assert "nationality" in result.stdout
    assert [line.split()[:2] for line in result.stdout.splitlines() if line.strip().startswith("added")] == [
        ["added", "5"]
    ]
