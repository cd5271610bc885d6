"""The CPU time of the processes a benchmark runs beside, read from /proc (Linux).

A load test on one machine shares its CPUs between the app and everything it talks to: the
database, Redis, a stand-in for WeChat, the load client. `Meter` measures what each of them spent
while a phase ran, so a capacity figure can say where the machine's CPU went, and what the app
itself spent per request.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable, Iterable
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
#: Hosts a database URL may name for a server on this machine.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (None when the process is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int | None, reaped: bool = False) -> float | None:
    """User and system CPU time of process `pid` so far, with its reaped children's if `reaped` (None when unknown)."""
    fields = None if pid is None else _stat_fields(pid)
    if fields is None:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def tree(pid: int) -> list[int]:
    """`pid` and every process descended from it that runs now."""
    children: dict[int, list[int]] = {}
    for other in _pids():
        fields = _stat_fields(other)
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(other)
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, ()))
    return found


def named(*commands: str) -> list[int]:
    """The processes running now whose command name is one of `commands`."""
    found = []
    for pid in _pids():
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() in commands:
                found.append(pid)
        except OSError:
            continue
    return found


def database_server(url: str) -> int | None:
    """The process id of the MariaDB/MySQL server behind a loopback database `url`, if it runs here."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("mysql") or parsed.host not in LOOPBACK:
        return None
    servers = named("mariadbd", "mysqld")
    return servers[0] if servers else None


def machine_seconds() -> tuple[float, float]:
    """CPU seconds this machine's CPUs have spent so far: (busy, idle), from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and waiting on I/O
    busy = sum(ticks[:8]) - idle  # user, nice, system, irq, softirq, steal (guest time is in user)
    return busy / CLOCK_TICKS, idle / CLOCK_TICKS


class Meter:
    """CPU seconds spent by groups of processes between `start` and `stop` (a context manager).

    Each group is a function giving its processes' ids, asked at the start and at the end; a
    group's figure counts the children its processes have reaped, so a gunicorn worker that ended
    meanwhile still counts (in its master's). Besides the groups: this process (`bench`), the
    children it waited for meanwhile (`load client`, the wrk runs), the rest of the machine's busy
    time (`other`) and its `idle` time.
    """

    def __init__(self, groups: dict[str, Callable[[], Iterable[int]]]) -> None:
        self.groups = groups
        self.figures: dict[str, float] = {}
        self._start: dict = {}

    def _read(self) -> dict:
        pids = {name: list(find()) for name, find in self.groups.items()}
        return {
            "groups": {
                name: {pid: cpu_seconds(pid, reaped=True) or 0.0 for pid in found}
                for name, found in pids.items()
            },
            "bench": time.process_time(),
            "children": _children_seconds(),
            "machine": machine_seconds(),
            "wall": time.monotonic(),
        }

    def start(self) -> Meter:
        """Read every figure now."""
        self._start = self._read()
        return self

    def stop(self) -> dict[str, float]:
        """Read every figure again; the seconds spent meanwhile, by group, then the rest."""
        end, start = self._read(), self._start
        figures = {}
        for name, now in end["groups"].items():
            before = start["groups"][name]
            figures[name] = sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
        figures["load client"] = end["children"] - start["children"]
        figures["bench"] = end["bench"] - start["bench"]
        busy = end["machine"][0] - start["machine"][0]
        figures["other"] = max(0.0, busy - sum(figures.values()))
        figures["idle"] = end["machine"][1] - start["machine"][1]
        figures["wall"] = end["wall"] - start["wall"]
        self.figures = {name: round(seconds, 2) for name, seconds in figures.items()}
        return self.figures

    def __enter__(self) -> Meter:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _children_seconds() -> float:
    """CPU seconds of the children this process has waited for, so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
