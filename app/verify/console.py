"""In-person checks in the console: look up a user's reference, compare with the passport, confirm."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from app.admin.console import bp, console_view
from app.admin.forms import ConfirmForm
from app.errors import AppError
from app.extensions import db
from app.i18n import _, pgettext
from app.logs import request_id
from app.verify import verification


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
    return render_template(
        "admin/verifications.html", form=form, details=details, error=error, labels=_check_labels()
    ), status


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
