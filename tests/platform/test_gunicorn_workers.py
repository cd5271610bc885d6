"""gunicorn's default worker count (deploy/gunicorn.conf.py), and the soak runs what production runs."""

from __future__ import annotations

import multiprocessing

from bench import recycle, soak


def test_four_sync_workers_per_core_by_default_so_a_wechat_round_trip_leaves_no_core_idle(monkeypatch):
    """A sign-in holds its sync worker while WeChat answers (docs/deploy.md §10).

    Measured with `python -m bench.soak` on 2 cores: with code exchanges answered 30 ms late, 4
    workers carried 750 requests/s and 8 carried 1,088; with no delay both carried about 1,300.
    """
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    settings = recycle.gunicorn_settings()
    assert settings["worker_class"] == "sync"
    assert settings["workers"] == 4 * multiprocessing.cpu_count()
    assert soak.PRODUCTION_WORKERS == settings["workers"]
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    assert recycle.gunicorn_settings()["workers"] == 3
