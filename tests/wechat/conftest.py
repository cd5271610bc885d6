"""Fixtures of the WeChat tests: payload files, a recording queue and a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "wechat"
OPENID = "oFixtureUser0001"


def payload(name: str) -> str:
    """The text of a payload file under tests/fixtures/wechat/."""
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


@pytest.fixture
def enqueued(app, monkeypatch):
    """Record every job the callback hands to the queue (and still run it, as the sync queue does)."""
    queue = app.extensions["queue"]
    calls = []
    original = queue.enqueue

    def recording(name, *args, **kwargs):
        calls.append((name, args))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(queue, "enqueue", recording)
    return calls


@pytest.fixture
def real_queue(app, redis_client, monkeypatch):
    """An asynchronous RQ queue on the test Redis (as in production), its version check warmed up."""
    from rq import Queue

    queue = Queue("wechat-test", connection=redis_client)
    queue.get_redis_server_version()
    monkeypatch.setitem(app.extensions, "queue", queue)
    return queue


def pumped_jobs(queue) -> list:
    """Run the pump jobs queued so far (as a worker would) and return the handler jobs they made."""
    from app import pushes

    for job in queue.jobs:
        if job.func_name == pushes.PUMP:
            pushes.pump(queue.connection, queue, *job.args)
            queue.remove(job)
    return [job for job in queue.jobs if job.func_name == pushes.HANDLER]
