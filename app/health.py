"""Dependency checks for /readyz and the mapping of outages to 503 codes."""

from __future__ import annotations

from pathlib import Path


def check_database(session) -> str | None:
    """None when the database answers, else the reason."""
    from sqlalchemy import text

    try:
        session.execute(text("SELECT 1"))
        return None
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        session.rollback()
        return type(error).__name__


def check_redis(client) -> str | None:
    """None when Redis answers PING, else the reason."""
    try:
        client.ping()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means not ready
        return type(error).__name__


def check_catalogs(translations_dir: str, locales) -> str | None:
    """None when every served locale has a compiled catalog, else the missing ones."""
    missing = [
        locale
        for locale in locales
        if locale != "en" and not (Path(translations_dir) / locale / "LC_MESSAGES" / "messages.mo").exists()
    ]
    return ", ".join(missing) if missing else None


def readiness(session, redis_client, translations_dir: str, locales) -> dict:
    """Each dependency with 'ok' or the reason it is down."""
    checks = {
        "database": check_database(session),
        "redis": check_redis(redis_client),
        "catalogs": check_catalogs(translations_dir, locales),
    }
    return {name: (problem or "ok") for name, problem in checks.items()}
