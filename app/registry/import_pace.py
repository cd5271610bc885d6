"""How fast an import goes: rows per second so far and the time left, for progress displays."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pace:
    """Rows read, the estimated total, rows per second and seconds left (None until known)."""

    rows: int
    total: int
    rate: float
    eta_seconds: int | None

    @property
    def percent(self) -> int:
        """How far along, 0–99 while running (the total is an estimate)."""
        return min(99, int(100 * self.rows / self.total)) if self.total else 0


def pace(rows: int, total: int, elapsed: float) -> Pace:
    """The pace after `rows` of about `total` rows in `elapsed` seconds."""
    rate = rows / elapsed if elapsed > 0 and rows else 0.0
    eta = round(max(0, total - rows) / rate) if rate and total else None
    return Pace(rows, total, rate, eta)


def clock_text(seconds: int | None) -> str:
    """Seconds as `1:02:03` or `2:03` (`?` when unknown)."""
    if seconds is None:
        return "?"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
