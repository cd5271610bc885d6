"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from app.extensions import db, get_redis
from app.health import readiness
from app.i18n import served_locales

root_bp = Blueprint("health", __name__)


@root_bp.get("/healthz")
def healthz():
    """The process is up."""
    return jsonify({"status": "ok"})


@root_bp.get("/readyz")
def readyz():
    """Database, Redis and catalogs; 503 naming what is down."""
    checks = readiness(
        db.session, get_redis(), current_app.config["TRANSLATIONS_DIR"], served_locales(current_app.config)
    )
    down = sorted(name for name, state in checks.items() if state != "ok")
    status = 503 if down else 200
    body = {"status": "ok" if not down else "unavailable", "checks": checks}
    if down:
        body["error"] = {"code": "service.not_ready", "message": "not ready", "details": {"down": down}}
    return jsonify(body), status
