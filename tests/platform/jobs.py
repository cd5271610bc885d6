"""Jobs for the worker test: they need the app context, as real jobs do."""

from __future__ import annotations

from flask import current_app

from app.extensions import db, get_redis


def record_context(key: str) -> str:
    """Write the app's environment name and a database answer to Redis under `key`."""
    from sqlalchemy import text

    answer = db.session.execute(text("SELECT 1")).scalar_one()
    get_redis().set(key, f"{current_app.config['APP_ENV']}:{answer}")
    return "done"
