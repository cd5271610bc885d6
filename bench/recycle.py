"""What recycling a gunicorn worker costs: `python -m bench.recycle`.

deploy/gunicorn.conf.py replaces each worker after `max_requests` requests (plus up to
`max_requests_jitter`), a guard against slow leaks. Without `preload_app` (which the reload of
docs/deploy.md §6 rules out: a reload must load the new code) every new worker imports the app
afresh: that CPU time, spread over the requests a worker serves between two recycles, is a cost
every request pays. Measured here: the CPU seconds of `import wsgi` under production settings
(the median of a few fresh processes), and that divided by the configured recycling interval.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
#: Recycling may cost at most this many µs of CPU per request: 1% of a request of about 1 ms.
TARGET_US_PER_REQUEST = 10.0


def gunicorn_settings(path: Path = CONFIG) -> dict:
    """The settings a gunicorn config file defines (it is Python, read as gunicorn reads it)."""
    settings: dict = {"__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), settings)  # our own config file
    return settings


def boot_cpu_seconds(env: dict, runs: int = 3) -> float:
    """The median CPU seconds (user + system) a fresh process takes to load `wsgi:app` with `env`."""
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                [sys.executable, "-c", "import wsgi"],
                cwd=ROOT,
                env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            _, status, usage = os.wait4(process.pid, 0)  # the child's own CPU time, as it exits
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                errors.seek(0)
                raise RuntimeError(
                    f"loading wsgi:app failed:\n{errors.read().decode(errors='replace')[-2000:]}"
                )
        seconds.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(seconds)


def recycling_cost(env: dict, settings: dict | None = None) -> dict:
    """Boot CPU, the mean requests between recycles, and the CPU µs per request they amount to."""
    settings = gunicorn_settings() if settings is None else settings
    interval = settings.get("max_requests", 0) + settings.get("max_requests_jitter", 0) / 2
    boot = boot_cpu_seconds(env)
    return {
        "boot_cpu_s": round(boot, 3),
        "requests_between_recycles": interval,
        "us_per_request": round(boot / interval * 1e6, 2) if interval else 0.0,
        "target_us_per_request": TARGET_US_PER_REQUEST,
    }


def main() -> None:
    """Print the figures for the bench's production environment."""
    from bench.run import bench_environment

    figures = recycling_cost(bench_environment())
    print(
        f"worker boot {figures['boot_cpu_s']} CPU-s, a recycle every "
        f"{figures['requests_between_recycles']:,.0f} requests: {figures['us_per_request']} µs of CPU "
        f"per request (target under {TARGET_US_PER_REQUEST:g})"
    )


if __name__ == "__main__":
    main()
