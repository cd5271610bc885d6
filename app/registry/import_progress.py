"""Progress of a registry import started from the console, kept in Redis for the page to poll."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from app.registry.import_pace import clock_text, pace

TTL_SECONDS = 24 * 3600


def _key(token: str) -> str:
    """Redis key of one upload's progress."""
    return f"ssc:registry-upload:{token}"


def new_token() -> str:
    """A random id for one upload."""
    return secrets.token_hex(12)


def estimate_rows(path: Path) -> int:
    """Rows in a feed file, counted by lines (minus the CSV header), for the progress bar."""
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(0, lines - (1 if path.suffix.lower() == ".csv" else 0))


def start(redis_client, token: str, *, filename: str, total: int, admin_id: int) -> None:
    """Record a queued upload."""
    redis_client.set(
        _key(token),
        json.dumps(
            {
                "state": "queued",
                "file": filename,
                "rows": 0,
                "total": total,
                "admin_id": admin_id,
                "report": None,
                "error": None,
            }
        ),
        ex=TTL_SECONDS,
    )


def read(redis_client, token: str) -> dict | None:
    """The upload's progress, or None when unknown or expired."""
    if not isinstance(token, str) or not token.isalnum() or len(token) > 64:
        return None
    raw = redis_client.get(_key(token))
    return json.loads(raw) if raw else None


def update(redis_client, token: str, **changes) -> None:
    """Change some fields of the progress record."""
    current = read(redis_client, token) or {}
    current.update(changes)
    redis_client.set(_key(token), json.dumps(current, default=str), ex=TTL_SECONDS)


def percent(progress: dict) -> int:
    """How far along the upload is, 0–100."""
    if progress.get("state") == "done":
        return 100
    total = progress.get("total") or 0
    return min(99, int(100 * (progress.get("rows") or 0) / total)) if total else 0


def reporter(redis_client, token: str, total: int, clock=time.monotonic):
    """A `progress(rows)` callback for import_file: rows, rate and time left into the record."""
    started = clock()

    def progress(rows: int) -> None:
        now = pace(rows, total, clock() - started)
        update(redis_client, token, rows=rows, rate=round(now.rate), eta_seconds=now.eta_seconds)

    return progress


def pace_fields(progress: dict) -> dict:
    """Rate (rows a second) and time left as shown: nothing while unknown or once finished."""
    if progress.get("state") != "running" or not progress.get("rate"):
        return {"rate": None, "eta": None}
    eta = progress.get("eta_seconds")
    return {"rate": f"{progress['rate']:,}", "eta": clock_text(eta) if eta is not None else None}
