"""GET /metrics: Prometheus exposition, for the monitoring system only.

Who may scrape: with METRICS_TOKEN set, whoever sends `Authorization: Bearer <METRICS_TOKEN>`;
without it, only a direct loopback peer (no proxy forwarding headers), so a request that came
through the public reverse proxy never qualifies.
"""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, current_app, request

from app import metrics
from app.errors import Forbidden
from app.extensions import get_queue

root_bp = Blueprint("metrics", __name__)

#: Headers a reverse proxy adds; their presence means the peer address is the proxy's, not the caller's.
_FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1."""
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def scrape_allowed() -> bool:
    """The access rule described in the module docstring."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            supplied.strip().encode("utf-8"), token.encode("utf-8")
        )
    if any(header in request.headers for header in _FORWARDING_HEADERS):
        return False
    return _is_loopback(request.remote_addr)


@root_bp.get("/metrics")
def scrape():
    """Every metric of this process (or of all workers in multi-process mode) and the queue gauges."""
    if not scrape_allowed():
        raise Forbidden(code="metrics.forbidden")
    body, content_type = metrics.render(get_queue())
    return Response(body, content_type=content_type)
