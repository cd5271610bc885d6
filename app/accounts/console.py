"""The signed-in admin's own account: change the password, sign out everywhere.

Both end every session of the account, this one included (app/admin/sessions.py keeps sessions on
the server): the admin signs in again afterwards.
"""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for

from app.accounts import admin_auth
from app.admin.console import bp, console_view
from app.admin.forms import ActionForm, PasswordForm
from app.admin.sessions import end_session
from app.errors import AppError
from app.i18n import _
from app.logs import request_id


def _signed_out(message: str):
    """This browser's session ends too (a new, empty one keeps the language); on to the sign-in page."""
    locale = session.get("admin_locale")
    end_session(session)
    if locale:
        session["admin_locale"] = locale
    flash(message)
    return redirect(url_for("console.login"))


@bp.route("/account", methods=["GET", "POST"])
@console_view("notices.view")
def account():
    """Change one's own password (proving the current one)."""
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            admin_auth.change_own_password(
                g.admin,
                form.current.data,
                form.new.data,
                address=request.remote_addr,
                request_id=request_id(),
            )
        except AppError as failure:
            error = failure.render_message()
        else:
            return _signed_out(_("Your password is changed. Please sign in with the new one."))
    status = 422 if error or form.errors else 200
    return render_template("admin/account.html", form=form, error=error, end_form=ActionForm()), status


@bp.post("/account/sign-out-everywhere")
@console_view("notices.view")
def sign_out_everywhere():
    """End every console session and admin API token of this account, this one included."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("console.account"))
    admin_auth.sign_out_everywhere(g.admin.id, actor=g.actor)
    return _signed_out(_("You are signed out on every device."))
