"""Recycling gunicorn workers (deploy/gunicorn.conf.py) costs a negligible share of each request."""

from __future__ import annotations

import pytest

from bench import recycle

#: A worker loads the app in well over a second of CPU (`python -m bench.recycle` measures it).
BOOT_CPU_SECONDS_AT_LEAST = 1.0


def test_workers_are_recycled_rarely_enough_for_their_boot_to_cost_under_1_percent():
    """At 1 s of boot CPU the interval must exceed 100,000 requests for 10 µs per request (1% of ~1 ms)."""
    settings = recycle.gunicorn_settings()
    interval = settings["max_requests"] + settings["max_requests_jitter"] / 2
    assert settings["max_requests"] > 0, "recycling stays on: it bounds a slow leak"
    assert BOOT_CPU_SECONDS_AT_LEAST / interval * 1e6 < recycle.TARGET_US_PER_REQUEST
    assert (
        settings["max_requests_jitter"] >= settings["max_requests"] // 20
    )  # workers do not restart together
    assert "preload_app" not in settings or not settings["preload_app"]  # a reload must load new code


@pytest.mark.slow
def test_the_recycling_bench_measures_a_real_boot():
    """`python -m bench.recycle`'s figures: the CPU of a fresh `import wsgi`, spread over the interval."""
    figures = recycle.recycling_cost({"APP_ENV": "development", "LOG_LEVEL": "ERROR"}, {"max_requests": 1000})
    assert figures["boot_cpu_s"] > 0.1
    assert figures["requests_between_recycles"] == 1000
    assert figures["us_per_request"] == pytest.approx(figures["boot_cpu_s"] / 1000 * 1e6, rel=0.01)
