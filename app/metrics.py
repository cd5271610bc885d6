"""Prometheus metrics: request latency per route, callback outcomes, deliveries, queue depth.

Other modules count events through two small functions::

    from app import metrics
    metrics.callback_outcome("accepted")      # or "duplicate", "bad_signature", ...
    metrics.notice_delivery("sent")           # or "failed", "no_quota", ..., count=n

Under gunicorn with several workers each process holds its own counters; set
PROMETHEUS_MULTIPROC_DIR (an empty, writable directory) in the environment *before* the
server starts, and the scrape merges every worker's files (see docs/deploy.md).
"""

from __future__ import annotations

import re

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client import values as _values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import generate_latest

from app.pushes import INBOX_KEY as PUSH_INBOX_KEY

#: Buckets sized for this service: most requests take 1-50 ms, callbacks must stay well under 5 s.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: Known label values; any other well-formed value is accepted (new outcomes need no edit here),
#: but a value that is not a short lowercase word is folded into "other" so labels stay bounded.
CALLBACK_OUTCOMES = (
    "accepted",
    "duplicate",
    "handshake",
    "bad_query",
    "bad_signature",
    "stale_timestamp",
    "replay",
    "wrong_mode",
    "wrong_recipient",
    "wrong_appid",
    "bad_payload",
    "decrypt_failed",
    "too_large",
)
DELIVERY_RESULTS = ("inbox", "queued", "sent", "failed", "no_quota", "skipped", "retried")
_LABEL = re.compile(r"[a-z][a-z0-9_]{0,39}")

REQUESTS = Counter(
    "ssc_http_requests_total",
    "HTTP requests answered, by route, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "ssc_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["endpoint", "method"],
    buckets=LATENCY_BUCKETS,
)
CALLBACKS = Counter(
    "ssc_callback_outcomes_total",
    "WeChat message pushes, by outcome.",
    ["outcome"],
)
DELIVERIES = Counter(
    "ssc_notice_deliveries_total",
    "Notice deliveries per recipient and channel, by result.",
    ["channel", "result"],
)


def _start_known_series() -> None:
    """Known series start at zero, so dashboards and alerts see them before the first event."""
    for outcome in CALLBACK_OUTCOMES:
        CALLBACKS.labels(outcome=outcome)
    for channel in ("inbox", "subscribe"):
        for result in DELIVERY_RESULTS:
            DELIVERIES.labels(channel=channel, result=result)


_start_known_series()


def _label(value: str) -> str:
    """A bounded label value: the value itself when it is a short lowercase word, else 'other'."""
    return value if isinstance(value, str) and _LABEL.fullmatch(value) else "other"


def callback_outcome(outcome: str) -> None:
    """Count one WeChat push with its outcome (accepted, duplicate, bad_signature, ...)."""
    CALLBACKS.labels(outcome=_label(outcome)).inc()


def notice_delivery(result: str, count: int = 1, channel: str = "subscribe") -> None:
    """Count notice deliveries: result (sent, failed, no_quota, ...) on a channel (inbox, subscribe)."""
    if count > 0:
        DELIVERIES.labels(channel=_label(channel), result=_label(result)).inc(count)


def multiprocess_mode() -> bool:
    """True when prometheus_client writes per-process files (PROMETHEUS_MULTIPROC_DIR was set)."""
    return bool(getattr(_values.ValueClass, "_multiprocess", False))


class QueueCollector:
    """Job queue depth and failed jobs, read from RQ at scrape time (never stale, no bookkeeping)."""

    def __init__(self, queue):
        self.queue = queue

    def collect(self):
        """Yield the queue gauges; `ssc_job_queue_up` is 0 when Redis cannot be read."""
        from rq.registry import FailedJobRegistry

        up = GaugeMetricFamily("ssc_job_queue_up", "1 when the job queue could be read.", labels=["queue"])
        depth = GaugeMetricFamily("ssc_job_queue_depth", "Jobs waiting in the queue.", labels=["queue"])
        failed = GaugeMetricFamily("ssc_job_failed", "Jobs in the failed registry.", labels=["queue"])
        inbox = GaugeMetricFamily(
            "ssc_wechat_push_inbox", "WeChat pushes waiting for the pump to queue them."
        )
        name = self.queue.name
        try:
            waiting = self.queue.count
            failures = FailedJobRegistry(queue=self.queue).count
            pushes_waiting = self.queue.connection.llen(PUSH_INBOX_KEY)
        except Exception:  # noqa: BLE001 - Redis down must not break the scrape of everything else
            up.add_metric([name], 0)
            yield up
            return
        up.add_metric([name], 1)
        depth.add_metric([name], waiting)
        failed.add_metric([name], failures)
        inbox.add_metric([], pushes_waiting)
        yield from (up, depth, failed, inbox)


class _Scrape:
    """One scrape: the process (or multi-process) registry plus the scrape-time collectors."""

    def __init__(self, *collectors):
        self.collectors = collectors

    def collect(self):
        """Everything every collector has."""
        for collector in self.collectors:
            yield from collector.collect()


def render(queue=None) -> tuple[bytes, str]:
    """The exposition text and its content type; merges worker files in multi-process mode."""
    if multiprocess_mode():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    collectors = [registry] + ([QueueCollector(queue)] if queue is not None else [])
    return generate_latest(_Scrape(*collectors)), CONTENT_TYPE_LATEST


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Record one answered request: its latency and status under its route (never the raw path)."""
    method = method if method in _METHODS else "other"
    latency_child(endpoint, method).observe(seconds)
    requests_child(endpoint, method, status).inc()


_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})

# `labels()` validates and locks on every call; the children it returns never change, so each
# request finds its series in a dict instead. Keys are bounded: endpoints are the app's routes
# (or "unmatched"), methods the set above, statuses the HTTP codes the app answers with.
_LATENCY_CHILDREN: dict = {}
_REQUEST_CHILDREN: dict = {}


def latency_child(endpoint: str, method: str):
    """The latency histogram's series for one route and method (created once)."""
    key = (endpoint, method)
    child = _LATENCY_CHILDREN.get(key)
    if child is None:
        child = _LATENCY_CHILDREN[key] = LATENCY.labels(endpoint=endpoint, method=method)
    return child


def requests_child(endpoint: str, method: str, status: int):
    """The request counter's series for one route, method and status (created once)."""
    key = (endpoint, method, status)
    child = _REQUEST_CHILDREN.get(key)
    if child is None:
        child = _REQUEST_CHILDREN[key] = REQUESTS.labels(endpoint=endpoint, method=method, status=str(status))
    return child
