"""Registry operations in the console: upload an import file (with progress) and confirm in-person checks."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename

from app.errors import AppError
from app.extensions import db, get_queue, get_redis
from app.i18n import _, pgettext
from app.logs import request_id
from app.security_headers import body_limit
from app.services import import_progress, verification

from .console import bp, console_view
from .forms import ConfirmForm, UploadForm

ALLOWED_SUFFIXES = (".csv", ".jsonl", ".json", ".ndjson")
IMPORT_JOB = "app.tasks.registry_upload.run_import"
#: Registry feeds are large (a million rows is a few hundred megabytes).
MAX_UPLOAD_BYTES = 1024 * 1024 * 1024


def _upload_dir() -> Path:
    """Where uploads wait for their job (inside the instance folder, never served)."""
    folder = Path(current_app.instance_path) / "uploads"
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
            import_progress.start(get_redis(), token, filename=secure_filename(upload.filename),
                                  total=import_progress.estimate_rows(path), admin_id=g.admin.id)
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
    return render_template("admin/registry/status.html", token=token, progress=progress,
                           percent=import_progress.percent(progress))


@bp.get("/registry/import/<token>.json")
@console_view("registry.import")
def registry_import_progress(token: str):
    """The progress as JSON, for the page's poller."""
    progress = import_progress.read(get_redis(), token)
    if progress is None:
        abort(404)
    return jsonify({"state": progress["state"], "rows": progress["rows"], "total": progress["total"],
                    "percent": import_progress.percent(progress)})


def _check_labels() -> dict[str, str]:
    """Staff's words for each step and recorded outcome of an identity check."""
    return {
        "identifier_match": pgettext("identity check", "Record search"),
        "phone": pgettext("identity check", "Phone number"),
        "in_person": pgettext("identity check", "In person"),
        "pass": pgettext("identity check", "Passed"),
        "locked": pgettext("identity check", "Refused: too many attempts"),
        "not_found": pgettext("identity check", "Number not in the registry"),
        "name_mismatch": pgettext("identity check", "Name does not match"),
        "name_near": pgettext("identity check", "Name close: a whole name missing or extra"),
        "dob_mismatch": pgettext("identity check", "Date of birth does not match"),
        "permit_inactive": pgettext("identity check", "Work permit expired or cancelled"),
        "already_linked": pgettext("identity check", "Already linked to another WeChat account"),
        "phone_mismatch": pgettext("identity check", "Phone number does not match"),
        "phone_missing": pgettext("identity check", "No phone number in the record"),
        "code_invalid": pgettext("identity check", "WeChat code expired"),
    }


@bp.route("/verifications", methods=["GET", "POST"])
@console_view("verifications.confirm")
def verifications():
    """Look up a user's in-person reference, compare with the passport, then confirm it."""
    form = ConfirmForm()
    details, error = None, None
    reference = request.args.get("reference") or (form.reference.data if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        try:
            verification.confirm_in_person(form.reference.data, g.admin.id, request_id=request_id())
            db.session.commit()
        except AppError as failure:
            db.session.rollback()
            error = failure.render_message()
        else:
            flash(_("The in-person verification was confirmed."))
            return redirect(url_for("console.verifications"))
    elif reference:
        try:
            details = verification.describe_in_person_reference(reference)
            form.reference.data = details["reference"]
        except AppError as failure:
            error = failure.render_message()
    status = 422 if error or form.errors else 200
    return render_template("admin/verifications.html", form=form, details=details, error=error,
                           labels=_check_labels()), status
