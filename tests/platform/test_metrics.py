"""/metrics: Prometheus text, latency per route (endpoint names), counters, queue depth, access rule."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from prometheus_client.parser import text_string_to_metric_families

from app import metrics
from app.config import PROJECT_ROOT


def _samples(response) -> dict:
    """{(name, frozenset(labels)): value} of a scrape."""
    assert response.status_code == 200, response.data
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_scrape_is_prometheus_text_with_request_series_by_endpoint(probe_app):
    client = probe_app.test_client()
    before = _samples(client.get("/metrics"))
    client.get("/healthz")
    client.get("/probe/database")
    client.get("/no/such/path/123")
    response = client.get("/metrics")
    assert response.content_type.startswith("text/plain; version=")
    after = _samples(response)

    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("ssc_http_requests_total", endpoint="health.healthz", method="GET", status="200") == 1
    assert grew("ssc_http_requests_total", endpoint="probe.database", method="GET", status="200") == 1
    # An unknown path is counted under one label, never its raw path (bounded cardinality).
    assert grew("ssc_http_requests_total", endpoint="unmatched", method="GET", status="404") == 1
    assert not any("/no/such" in str(labels) for _, labels in after)
    assert grew("ssc_http_request_duration_seconds_count", endpoint="health.healthz", method="GET") == 1
    assert (
        _value(
            after,
            "ssc_http_request_duration_seconds_bucket",
            endpoint="health.healthz",
            method="GET",
            le="+Inf",
        )
        >= 1
    )


def test_callback_and_delivery_counters(probe_app):
    client = probe_app.test_client()
    before = _samples(client.get("/metrics"))
    metrics.callback_outcome("accepted")
    metrics.callback_outcome("duplicate")
    metrics.callback_outcome("bad_signature")
    metrics.callback_outcome("Not A Label!")  # folded, never a new free-form series
    metrics.notice_delivery("sent", 3)
    metrics.notice_delivery("no_quota")
    metrics.notice_delivery("inbox", 5, channel="inbox")
    metrics.notice_delivery("sent", 0)
    after = _samples(client.get("/metrics"))

    def grew(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    for outcome in ("accepted", "duplicate", "bad_signature", "other"):
        assert grew("ssc_callback_outcomes_total", outcome=outcome) == 1, outcome
    assert grew("ssc_notice_deliveries_total", channel="subscribe", result="sent") == 3
    assert grew("ssc_notice_deliveries_total", channel="subscribe", result="no_quota") == 1
    assert grew("ssc_notice_deliveries_total", channel="inbox", result="inbox") == 5
    # Known outcomes are exported at zero before they first happen.
    assert ("ssc_callback_outcomes_total", frozenset({("outcome", "stale_timestamp")})) in after


def test_queue_depth_is_read_at_scrape_time(probe_app):
    client = probe_app.test_client()
    queue = probe_app.extensions["queue"]
    # Two waiting job ids, pushed the way RQ queues them (the stand-in Redis has no Lua for enqueue).
    probe_app.extensions["redis"].rpush(queue.key, "job-a", "job-b")
    samples = _samples(client.get("/metrics"))
    assert _value(samples, "ssc_job_queue_up", queue="ssc") == 1
    assert _value(samples, "ssc_job_queue_depth", queue="ssc") == 2
    assert _value(samples, "ssc_job_failed", queue="ssc") == 0
    probe_app.extensions["redis"].delete(queue.key)
    assert _value(_samples(client.get("/metrics")), "ssc_job_queue_depth", queue="ssc") == 0


def test_waiting_wechat_pushes_are_a_gauge(probe_app):
    from app.pushes import INBOX_KEY

    probe_app.extensions["redis"].rpush(INBOX_KEY, "{}", "{}", "{}")
    assert _value(_samples(probe_app.test_client().get("/metrics")), "ssc_wechat_push_inbox") == 3


def test_scrape_refused_from_outside_loopback(probe_app):
    client = probe_app.test_client()
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "metrics.forbidden"


def test_scrape_refused_through_a_reverse_proxy(probe_app):
    """Behind nginx every peer is loopback: a forwarded request must never qualify."""
    client = probe_app.test_client()
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        response = client.get("/metrics", headers={header: "203.0.113.9"})
        assert response.status_code == 403, header
        assert response.get_json()["error"]["code"] == "metrics.forbidden"


def test_scrape_with_metrics_token(make_app):
    app = make_app(METRICS_TOKEN="scrape-secret-0123456789")
    client = app.test_client()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics").status_code == 403  # loopback alone is not enough any more
    assert (
        client.get("/metrics", headers={"Authorization": "Bearer wrong"}, environ_base=outside).status_code
        == 403
    )
    response = client.get(
        "/metrics", headers={"Authorization": "Bearer scrape-secret-0123456789"}, environ_base=outside
    )
    assert response.status_code == 200
    assert b"ssc_http_requests_total" in response.data


def test_multiprocess_mode_merges_worker_files(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR set, a scrape reads every process's files (as under gunicorn)."""
    script = textwrap.dedent(
        """
        import os
        from app import create_app, metrics
        assert metrics.multiprocess_mode()
        app = create_app({"APP_ENV": "testing", "DATABASE_URL": "sqlite://"})
        client = app.test_client()
        client.get("/healthz")
        metrics.callback_outcome("accepted")
        if os.fork() == 0:  # a second worker writes its own file
            metrics.callback_outcome("accepted")
            os._exit(0)
        os.wait()
        print(client.get("/metrics").get_data(as_text=True))
        """
    )
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    env.pop("APP_ENV", None)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert 'ssc_callback_outcomes_total{outcome="accepted"} 2.0' in result.stdout
    assert 'ssc_http_requests_total{endpoint="health.healthz",method="GET",status="200"} 1.0' in result.stdout
    assert list(tmp_path.glob("counter_*.db"))


def test_fast_answers_are_counted_under_their_route(probe_app):
    """A screen answered by the WSGI fast path (app/web/repeat_screens.py) counts under its route."""
    from app.accounts.sessions import SessionStore
    from tests.factories import make_user

    path = "/api/v1/flows/verify"
    with probe_app.app_context():
        user = make_user(locale="en")
        store = SessionStore(probe_app.extensions["redis"], "session", 3600)
        token = store.create(user.id, {"openid": user.openid, "locale": "en"})
    client = probe_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.get(path, headers=headers)
    client.get(path, headers=headers)
    before = _samples(client.get("/metrics"))
    client.get(path, headers=headers)
    after = _samples(client.get("/metrics"))
    labels = {"endpoint": "api.flows.show", "method": "GET"}
    grew = _value(after, "ssc_http_requests_total", **labels, status="200") - _value(
        before, "ssc_http_requests_total", **labels, status="200"
    )
    assert grew == 1
