"""RQ job: import a registry file uploaded in the console, reporting progress to Redis."""

from __future__ import annotations

import logging
from pathlib import Path

from app.errors import AppError
from app.extensions import get_redis
from app.jobs import job_app_context
from app.registry import import_progress
from app.registry import importer as registry_import

log = logging.getLogger("app.registry.jobs")


def run_import(token: str, path: str, admin_id: int) -> dict:
    """Import the file, update the progress record after each batch, keep the report; delete the file."""
    with job_app_context():
        redis_client = get_redis()
        import_progress.update(redis_client, token, state="running")
        total = (import_progress.read(redis_client, token) or {}).get("total") or 0
        try:
            report = registry_import.import_file(
                path,
                actor_type="admin",
                actor_id=str(admin_id),
                progress=import_progress.reporter(redis_client, token, total),
            )
        except AppError as error:
            import_progress.update(redis_client, token, state="failed", error=error.render_message())
            return {"state": "failed"}
        finally:
            Path(path).unlink(missing_ok=True)
        result = report.to_dict()
        import_progress.update(redis_client, token, state="done", rows=report.rows, report=result)
        log.info("registry upload imported", extra={"rows": report.rows, "rejected": report.rejected})
        return {"state": "done", "rows": report.rows}
