"""Server lifecycle (gunicorn on a free loopback port) and the load client (wrk, or a Python fallback).

Both the baseline and the app under test are served by the same gunicorn command line (2 sync
workers on this 2-core machine) and loaded by the same client, alternately, several rounds; we
report medians and the spread. Every load run is bounded in time and only targets 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CONNECTIONS = 32
WRK_THREADS = 2


def client_name() -> str:
    """Which load client this machine has: 'wrk' (preferred) or 'python' (multi-process fallback)."""
    return "wrk" if shutil.which("wrk") else "python"


def gunicorn_available() -> bool:
    """True when gunicorn can be started with this interpreter."""
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Request:
    """One HTTP request to send (the path includes any query string)."""

    path: str = "/"
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class Measurement:
    """One load run against one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    seconds: float

    def as_dict(self) -> dict:
        """Plain data for the JSON report."""
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


class Server:
    """gunicorn serving one WSGI target on a free loopback port; a context manager."""

    def __init__(
        self,
        target: str,
        env: dict | None = None,
        name: str = "server",
        ready_path: str = "/",
        workers: int = WORKERS,
        log_dir: Path | None = None,
        threads: int = 1,
    ):
        self.target = target
        self.env = env or {}
        self.name = name
        self.ready_path = ready_path
        self.workers = workers
        #: More than one: gunicorn's threaded workers (for a stand-in that waits, not for the app).
        self.threads = threads
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.log_path = (log_dir or Path(tempfile.gettempdir())) / f"bench-{name}-{os.getpid()}.log"

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The gunicorn command line: the same for the baseline and the app."""
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync" if self.threads <= 1 else "gthread",
            *(["--threads", str(self.threads)] if self.threads > 1 else []),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "2048",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            self.target,
        ]

    def start(self, timeout: float = 60.0) -> Server:
        """Start gunicorn and wait until it answers."""
        self.port = free_port()
        env = dict(os.environ, **self.env)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # our own interpreter and arguments
            self.command(),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2) as answer:
                    if answer.status < 500:
                        return self
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {self.ready_path} in {timeout:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        """Stop gunicorn (TERM, then KILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- wrk -------------------------------------------------------------------------------------


def lua_string(value: bytes | str) -> str:
    """A Lua string literal for any bytes (non-printables as decimal escapes)."""
    data = value.encode("utf-8") if isinstance(value, str) else value
    out = []
    for byte in data:
        char = chr(byte)
        if 32 <= byte < 127 and char not in '"\\':
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def wrk_script(requests: list[Request]) -> str:
    """A wrk Lua script cycling through the requests and printing one JSON summary line."""
    entries = []
    for req in requests:
        headers = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in req.headers.items())
        body = lua_string(req.body) if req.body is not None else "nil"
        entries.append(f"  {{{lua_string(req.method)}, {lua_string(req.path)}, {{{headers}}}, {body}}},")
    return (
        "\n".join(
            [
                "local specs = {",
                *entries,
                "}",
                "local formatted = {}",
                "local index = 0",
                "init = function(args)",
                "  for i, s in ipairs(specs) do formatted[i] = wrk.format(s[1], s[2], s[3], s[4]) end",
                "end",
                "request = function()",
                "  index = index % #formatted + 1",
                "  return formatted[index]",
                "end",
                "done = function(summary, latency, requests)",
                "  local e = summary.errors",
                '  io.write(string.format("BENCH_JSON {\\"requests\\": %d, \\"duration_us\\": %d, '
                '\\"errors\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d}\\n", summary.requests, summary.duration, '
                "e.connect + e.read + e.write + e.status + e.timeout, latency:percentile(50), "
                "latency:percentile(99)))",
                "end",
            ]
        )
        + "\n"
    )


def run_wrk(
    base_url: str, requests: list[Request], seconds: float, connections: int = CONNECTIONS
) -> Measurement:
    """Load with wrk for `seconds`; non-2xx/3xx answers and socket errors count as errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(requests))
    try:
        threads = min(WRK_THREADS, connections)
        result = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                base_url + requests[0].path,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        os.unlink(script.name)
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {result.stdout[-800:]} {result.stderr[-800:]}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    duration = data["duration_us"] / 1e6
    return Measurement(
        rps=data["requests"] / duration if duration else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        errors=data["errors"],
        seconds=duration,
    )


# --- the Python fallback client ----------------------------------------------------------------


def _python_worker(args) -> tuple[list[float], int, float]:
    """One client process: `connections` threads, each a keep-alive connection, for `seconds`; and how long it ran."""
    port, requests, connections, seconds = args
    began = time.monotonic()
    deadline = began + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def loop(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failures = 0
        index = offset
        while time.monotonic() < deadline:
            req = requests[index % len(requests)]
            index += 1
            started = time.perf_counter()
            try:
                conn.request(req.method, req.path, body=req.body, headers=req.headers)
                answer = conn.getresponse()
                answer.read()
                if answer.status >= 400:
                    failures += 1
            except (OSError, http.client.HTTPException):
                failures += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failures

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.monotonic() - began


def run_python(
    base_url: str, requests: list[Request], seconds: float, connections: int = CONNECTIONS, processes: int = 2
) -> Measurement:
    """Load with a multi-process Python client (slower than wrk: figures are lower bounds)."""
    port = int(base_url.rsplit(":", 1)[1])
    per_process = max(1, connections // processes)
    # Spawned, not forked: a fork copies whatever locks the caller's other threads hold (a test's
    # emulator thread, a logging handler) and the child can wait on them for ever.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        parts = pool.map(_python_worker, [(port, requests, per_process, seconds)] * processes)
    elapsed = max(ran for _, _, ran in parts)
    latencies = sorted(x for part, _, _ in parts for x in part)
    errors = sum(e for _, e, _ in parts)
    if not latencies:
        raise RuntimeError("the Python client got no answer")
    return Measurement(
        rps=len(latencies) / elapsed,
        p50_ms=latencies[len(latencies) // 2] * 1000,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        requests=len(latencies),
        errors=errors,
        seconds=elapsed,
    )


def measure(
    base_url: str, requests: list[Request] | Request, seconds: float, connections: int = CONNECTIONS
) -> Measurement:
    """One load run with the best client this machine has."""
    batch = [requests] if isinstance(requests, Request) else list(requests)
    runner = run_wrk if client_name() == "wrk" else run_python
    return runner(base_url, batch, seconds, connections)


# --- alternating comparison --------------------------------------------------------------------


@dataclass
class Comparison:
    """The subject beside the baseline: medians of alternating rounds, and their spread."""

    subject: list[Measurement]
    baseline: list[Measurement]

    @staticmethod
    def _median(runs: list[Measurement], attr: str) -> float:
        return statistics.median(getattr(run, attr) for run in runs)

    @property
    def rps(self) -> float:
        """Median requests per second of the subject."""
        return self._median(self.subject, "rps")

    @property
    def baseline_rps(self) -> float:
        """Median requests per second of the baseline."""
        return self._median(self.baseline, "rps")

    @property
    def ratio(self) -> float:
        """Subject over baseline, ratio of medians."""
        return self.rps / self.baseline_rps if self.baseline_rps else 0.0

    @property
    def p50_ms(self) -> float:
        """Median of the subject's p50 latencies."""
        return self._median(self.subject, "p50_ms")

    @property
    def p99_ms(self) -> float:
        """Median of the subject's p99 latencies."""
        return self._median(self.subject, "p99_ms")

    @property
    def errors(self) -> int:
        """Errors over all subject rounds."""
        return sum(run.errors for run in self.subject)

    def spread(self, which: str = "subject") -> tuple[float, float]:
        """Lowest and highest req/s over the rounds."""
        runs = getattr(self, which)
        return min(r.rps for r in runs), max(r.rps for r in runs)

    def detail(self) -> str:
        """A short human summary: latency and spread."""
        low, high = self.spread()
        blow, bhigh = self.spread("baseline")
        base_p99 = self._median(self.baseline, "p99_ms")
        return (
            f"p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms (bare p99 {base_p99:.1f}); "
            f"range {low:,.0f}-{high:,.0f} (bare {blow:,.0f}-{bhigh:,.0f}); "
            f"{len(self.subject)} rounds; errors {self.errors}"
        )

    def as_dict(self) -> dict:
        """Plain data for the JSON report."""
        return {
            "rps": round(self.rps, 1),
            "baseline_rps": round(self.baseline_rps, 1),
            "ratio": round(self.ratio, 3),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "errors": self.errors,
            "subject_runs": [r.as_dict() for r in self.subject],
            "baseline_runs": [r.as_dict() for r in self.baseline],
        }


def compare(
    baseline_url: str,
    subject_url: str,
    subject_requests: list[Request] | Request,
    baseline_requests: list[Request] | Request | None = None,
    *,
    rounds: int = 5,
    seconds: float = 10.0,
    warmup: float = 1.0,
    connections: int = CONNECTIONS,
) -> Comparison:
    """Warm both up, then alternate baseline and subject runs; the same client and settings."""
    baseline_requests = baseline_requests or Request("/")
    if warmup:
        measure(baseline_url, baseline_requests, warmup, connections)
        measure(subject_url, subject_requests, warmup, connections)
    subject, baseline = [], []
    for round_number in range(rounds):
        # Alternate which goes first, so neither always runs on a warmer (or hotter) machine.
        order = [("b", baseline_url, baseline_requests), ("s", subject_url, subject_requests)]
        if round_number % 2:
            order.reverse()
        for kind, url, reqs in order:
            (baseline if kind == "b" else subject).append(measure(url, reqs, seconds, connections))
    return Comparison(subject=subject, baseline=baseline)
