"""The rehearsal's processes: each started in a session of its own, logged to a file, stopped by its id."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class StepFailed(RuntimeError):
    """Something the rehearsal checks did not hold."""


def _die_with_parent() -> None:
    """In the child, before exec: a SIGTERM when the rehearsal itself dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class Supervisor:
    """Every process the rehearsal started, newest last; `stop_all` ends them by process group id."""

    logs: Path
    started: list[tuple[str, subprocess.Popen]] = field(default_factory=list)

    def log_path(self, name: str) -> Path:
        """Where a process's output goes."""
        return self.logs / f"{name}.log"

    def start(self, name: str, argv: list[str], *, env: dict, cwd: Path) -> subprocess.Popen:
        """Start a long-running process in its own session (its id is its process group's id)."""
        with self.log_path(name).open("ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.started.append((name, process))
        return process

    def run(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict,
        cwd: Path,
        stdin: str | None = None,
        timeout: float = 600,
    ) -> str:
        """Run a command to its end; its output, or StepFailed with the output's end."""
        try:
            result = subprocess.run(
                argv,
                cwd=cwd,
                env=env,
                input=stdin,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as stuck:
            raise StepFailed(f"{name}: no end within {timeout:.0f} s") from stuck
        output = result.stdout + result.stderr
        with self.log_path(name).open("a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(argv)}\n{output}\n")
        if result.returncode != 0:
            raise StepFailed(f"{name} exited {result.returncode}: {tail(output)}")
        return result.stdout

    def stop(self, process: subprocess.Popen, timeout: float = 15) -> None:
        """SIGTERM to the process's group, then SIGKILL to it and to every descendant still there.

        Descendants are found before the SIGTERM: some leave the group (an RQ work horse calls
        setpgrp), and an orphan is no longer anyone's child.
        """
        family = descendants(process.pid)
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self._kill_all(process, family)

    def kill(self, process: subprocess.Popen) -> list[int]:
        """SIGKILL to the process, its group and all its descendants at once; the descendants' ids."""
        family = descendants(process.pid)
        self._kill_all(process, family)
        return family

    @staticmethod
    def _kill_all(process: subprocess.Popen, family: list[int]) -> None:
        _signal_group(process.pid, signal.SIGKILL)
        for pid in family:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)

    def stop_all(self) -> list[str]:
        """Stop every process still running, newest first; the names of those stopped."""
        stopped = []
        for name, process in reversed(self.started):
            running = process.poll() is None
            self.stop(process)
            if running:
                stopped.append(name)
        self.started.clear()
        return stopped


def _signal_group(pgid: int, signum: int) -> None:
    """Send a signal to a process group that may be gone already."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def children(pid: int) -> list[int]:
    """The ids of a process's living children (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def descendants(pid: int) -> list[int]:
    """A process's children, their children, and so on."""
    found, frontier = [], [pid]
    while frontier:
        kids = [kid for parent in frontier for kid in children(parent)]
        found.extend(kids)
        frontier = kids
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(check, what: str, timeout: float = 60, interval: float = 0.2):
    """Call `check` until it returns something true; that value, or StepFailed naming `what`."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as error:  # noqa: BLE001 - a server still starting answers with connection errors
            last_error = error
            value = None
        if value:
            return value
        time.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise StepFailed(f"{what}: not within {timeout:.0f} s{detail}")


def tail(text: str, lines: int = 25) -> str:
    """The last lines of some output."""
    return "\n".join(text.strip().splitlines()[-lines:])
