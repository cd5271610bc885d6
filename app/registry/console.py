"""Registry operations in the console: upload an import file and follow its progress."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, g, jsonify, redirect, render_template, url_for
from werkzeug.utils import secure_filename

from app.admin.console import bp, console_view
from app.admin.forms import UploadForm
from app.extensions import get_queue, get_redis
from app.i18n import _
from app.registry import import_progress
from app.web.security_headers import body_limit

ALLOWED_SUFFIXES = (".csv", ".jsonl", ".json", ".ndjson")
IMPORT_JOB = "app.registry.jobs.run_import"
#: Registry feeds are large (a million rows is a few hundred megabytes).
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


def _upload_dir() -> Path:
    """Where uploads wait for their job: REGISTRY_UPLOAD_DIR, else the instance folder's (never served)."""
    configured = current_app.config.get("REGISTRY_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@bp.route("/registry/import", methods=["GET", "POST"])
@body_limit(MAX_UPLOAD_BYTES)
@console_view("registry.import")
def registry_import():
    """Upload a people or contributions feed; the import runs as a job."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        suffix = Path(secure_filename(upload.filename or "")).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            form.file.errors = [*form.file.errors, _("Upload a .csv or .jsonl file.")]
        else:
            token = import_progress.new_token()
            path = _upload_dir() / f"{token}{suffix}"
            upload.save(path)
            import_progress.start(
                get_redis(),
                token,
                filename=secure_filename(upload.filename),
                total=import_progress.estimate_rows(path),
                admin_id=g.admin.id,
            )
            get_queue().enqueue(IMPORT_JOB, token, str(path), g.admin.id, job_timeout=6 * 3600)
            return redirect(url_for("console.registry_import_status", token=token))
    return render_template("admin/registry/import.html", form=form), 422 if form.errors else 200


@bp.get("/registry/import/<token>")
@console_view("registry.import")
def registry_import_status(token: str):
    """The progress bar (polled by the page) and, when done, the row report."""
    progress = import_progress.read(get_redis(), token)
    if progress is None:
        abort(404)
    return render_template(
        "admin/registry/status.html",
        token=token,
        progress=progress,
        percent=import_progress.percent(progress),
        pace=import_progress.pace_fields(progress),
    )


@bp.get("/registry/import/<token>.json")
@console_view("registry.import")
def registry_import_progress(token: str):
    """The progress as JSON, for the page's poller."""
    progress = import_progress.read(get_redis(), token)
    if progress is None:
        abort(404)
    return jsonify(
        {
            "state": progress["state"],
            "rows": progress["rows"],
            "total": progress["total"],
            "percent": import_progress.percent(progress),
            **import_progress.pace_fields(progress),
        }
    )
