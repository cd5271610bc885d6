"""The console blueprint: sign-in, the signed-in admin, roles on every view, the console language."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.accounts import admin_auth
from app.admin.forms import ActionForm, LoginForm
from app.admin.sessions import FAILURE_KEY, end_session
from app.errors import AppError, ServiceUnavailable
from app.i18n import _, bcp47, current_locale_id, set_request_locale, text_direction
from app.i18n.locales import SUPPORTED, match, native_name
from app.logs import request_id
from app.rate_limits import rate_limit

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

#: The console's own languages: the supported ones (the translation pass fills the catalogs).
CONSOLE_LOCALES = SUPPORTED


@bp.after_request
def no_store(response):
    """Console pages hold personal data: never kept by browsers or proxies.

    The other security headers (CSP, nosniff, frame denial, HSTS in production) are added to every
    response by app.web.security_headers.
    """
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.before_request
def load_admin():
    """Find the signed-in admin (if any) and the console language for this request."""
    if request.environ.get(FAILURE_KEY) is not None:
        raise ServiceUnavailable(code="service.redis_unavailable", details={"dependency": "redis"})
    g.admin = None
    admin_id = session.get("admin_id")
    if admin_id is not None:
        g.admin = admin_auth.load_admin(admin_id, session.get("admin_sv"))
        if g.admin is None:
            session.clear()
    wanted = request.args.get("lang")
    locale = match(wanted, CONSOLE_LOCALES) if wanted else None
    if locale:
        session["admin_locale"] = locale
        if g.admin is not None and g.admin.locale != locale:
            admin_auth.set_locale(g.admin, locale)
    locale = locale or session.get("admin_locale") or (g.admin.locale if g.admin else None)
    set_request_locale(locale)
    if g.admin is not None:
        g.actor = admin_auth.actor_for(g.admin, request_id())


@bp.app_context_processor
def console_globals():
    """What every console template may use: the admin, permissions, languages, the action form."""
    admin = g.get("admin")
    locale = current_locale_id()
    return {
        "current_admin": admin,
        "current_locale_id": locale,
        "current_locale_tag": bcp47(locale),
        "page_dir": text_direction(locale),
        "can": (lambda permission: admin is not None and admin_auth.can(admin.role, permission)),
        "console_locales": [(locale, native_name(locale)) for locale in CONSOLE_LOCALES],
        "action_form": ActionForm,
    }


def console_view(permission: str):
    """Require a signed-in admin whose role grants `permission` (403 page otherwise)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if g.get("admin") is None:
                return redirect(
                    url_for("console.login", next=request.full_path if request.method == "GET" else None)
                )
            admin_auth.require(g.actor, permission)
            return view(*args, **kwargs)

        return wrapper

    return decorate


@bp.errorhandler(AppError)
def console_error(error: AppError):
    """Console failures as a page in the admin's language, never a stack trace."""
    from app.extensions import db

    db.session.rollback()
    return render_template(
        "admin/error.html", message=error.render_message(), status=error.status, code=error.code
    ), error.status


def _safe_next(target: str | None) -> str:
    """Only same-site console paths are followed after sign-in."""
    if target and target.startswith("/admin") and not target.startswith("//"):
        return target
    return url_for("console.notice_list")


@bp.route("/login", methods=["GET", "POST"])
@rate_limit("10/minute", methods=["POST"])
def login():
    """Sign in with username and password (throttled per address and locked per account)."""
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            admin = admin_auth.authenticate(
                form.username.data, form.password.data, address=request.remote_addr, request_id=request_id()
            )
        except AppError as failure:
            error, status = failure.render_message(), failure.status
        else:
            locale = session.get("admin_locale")
            session.clear()  # a new owner: the session gets a new id (app/admin/sessions.py), no fixation
            session["admin_id"], session["admin_sv"] = admin.id, admin.session_version
            if locale:
                session["admin_locale"] = locale
            return redirect(_safe_next(request.args.get("next")))
    return render_template("admin/login.html", form=form, error=error), status


@bp.post("/logout")
@console_view("notices.view")
def logout():
    """Sign out (a form with a CSRF token, never a link): the session ends on the server."""
    form = ActionForm()
    if form.validate_on_submit():
        admin_auth.record_logout(g.actor)
        locale = session.get("admin_locale")
        end_session(session)  # deleted on the server now; a new session keeps the language
        if locale:
            session["admin_locale"] = locale
        flash(_("You are signed out."))
    return redirect(url_for("console.login"))


@bp.get("/")
def home():
    """The console's start page: the notices."""
    return redirect(url_for("console.notice_list"))
