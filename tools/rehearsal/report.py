"""The rehearsal's table: each step, what it proved, how long it took."""

from __future__ import annotations

import contextlib
import textwrap
import time
from dataclasses import dataclass, field


@dataclass
class Row:
    """One step: its name, what it showed (or why it failed), seconds, and whether it held."""

    step: str
    proved: str = ""
    seconds: float = 0.0
    ok: bool = True


@dataclass
class Report:
    """Rows in the order the steps ran."""

    rows: list[Row] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @contextlib.contextmanager
    def step(self, name: str):
        """Time a step; the block fills `row.proved`. A failure is recorded, then raised on."""
        row = Row(name)
        self.rows.append(row)
        print(f"==> rehearsal: {name}", flush=True)
        began = time.monotonic()
        try:
            yield row
        except BaseException as error:
            row.ok = False
            row.proved = f"FAILED: {str(error)[:500] or type(error).__name__}"
            raise
        finally:
            row.seconds = time.monotonic() - began

    @property
    def passed(self) -> bool:
        """Whether every step held."""
        return bool(self.rows) and all(row.ok for row in self.rows)

    def table(self, width: int = 100) -> str:
        """A plain-text table: step, seconds, result, what it proved (wrapped)."""
        name_width = max(len(row.step) for row in self.rows) if self.rows else 4
        text_width = max(30, width - name_width - 17)
        lines = [
            f"{'step':<{name_width}}  {'seconds':>7}  {'':4}  what it proved",
            f"{'-' * name_width}  {'-' * 7}  ----  {'-' * min(text_width, 40)}",
        ]
        for row in self.rows:
            wrapped = textwrap.wrap(row.proved or "-", text_width) or ["-"]
            mark = "ok" if row.ok else "FAIL"
            lines.append(f"{row.step:<{name_width}}  {row.seconds:7.1f}  {mark:<4}  {wrapped[0]}")
            lines.extend(f"{'':<{name_width}}  {'':7}  {'':4}  {more}" for more in wrapped[1:])
        total = time.monotonic() - self.started
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"rehearsal {verdict}: {sum(r.ok for r in self.rows)} of {len(self.rows)} steps held, "
            f"{total:.0f} s in all"
        )
        return "\n".join(lines)
