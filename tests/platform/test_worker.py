"""`flask worker`: an RQ worker whose jobs run inside the app context."""

from __future__ import annotations

import pytest
from rq import Queue

from tests.conftest import TEST_REDIS_URL


def test_worker_refuses_the_embedded_defaults(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "embedded defaults" in result.output


@pytest.mark.real_redis  # an RQ worker needs a real Redis
def test_worker_runs_jobs_inside_the_app_context(make_app):
    app = make_app(REDIS_URL=TEST_REDIS_URL, EMBEDDED_REDIS=False, JOBS_SYNC=False)
    redis_client = app.extensions["redis"]
    redis_client.flushdb()
    queue = Queue(app.extensions["queue"].name, connection=redis_client)
    job = queue.enqueue("tests.platform.jobs.record_context", "worker-test-key")

    result = app.test_cli_runner().invoke(args=["worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert redis_client.get("worker-test-key") == b"testing:1"
    # A worker waits out a Redis failover or restart (app/redis_client.py) instead of quitting.
    assert redis_client.get_retry().get_retries() == 60
    job.refresh()
    assert job.get_status() == "finished"
    redis_client.flushdb()
