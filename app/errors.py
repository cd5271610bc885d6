"""The AppError family and the one JSON error envelope, with a localized message."""

from __future__ import annotations

import logging

from flask import jsonify, request
from werkzeug.exceptions import HTTPException

from app import logs
from app.i18n import _l, locale_meta, to_text

log = logging.getLogger("app.errors")


class AppError(Exception):
    """A failure the client can act on: a stable code, an HTTP status, a localized message."""

    code = "error"
    status = 400
    message = _l("Something went wrong. Please try again.")

    def __init__(self, message=None, *, code=None, status=None, details=None, **variables):
        super().__init__(code or self.code)
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}
        self.variables = variables

    def render_message(self) -> str:
        """The message in the active locale, placeholders filled."""
        from app.i18n.translate import _format

        text = to_text(self.message)
        return _format(text, text, self.variables) if self.variables else text


class BadRequest(AppError):
    """The request could not be read."""

    code = "request.invalid"
    status = 400
    message = _l("We could not read this request. Close the mini program, open it again and try again.")


class ValidationFailed(AppError):
    """Fields failed validation; details carry the field errors."""

    code = "request.validation"
    status = 422
    message = _l("Correct the answers marked below.")


class Unauthorized(AppError):
    """No valid session."""

    code = "auth.required"
    status = 401
    message = _l("Please sign in again.")


class Forbidden(AppError):
    """The caller may not do this."""

    code = "auth.forbidden"
    status = 403
    message = _l("You do not have permission to do this.")


class NotFound(AppError):
    """The resource does not exist (or is not the caller's)."""

    code = "not_found"
    status = 404
    message = _l("We could not find what you asked for.")


class Conflict(AppError):
    """The request conflicts with the current state."""

    code = "conflict"
    status = 409
    message = _l("This changed while you were on it. Reload it and try again.")


class RateLimited(AppError):
    """Too many requests."""

    code = "rate_limited"
    status = 429
    message = _l("Too many attempts. Please wait a moment and try again.")


class ServiceUnavailable(AppError):
    """A dependency is down."""

    code = "service.unavailable"
    status = 503
    message = _l("The service is temporarily unavailable. Please try again in a few minutes.")


_HTTP_ERRORS = {
    400: (
        "request.invalid",
        _l("We could not read this request. Close the mini program, open it again and try again."),
    ),
    401: ("auth.required", _l("Please sign in again.")),
    403: ("auth.forbidden", _l("You do not have permission to do this.")),
    404: ("not_found", _l("We could not find what you asked for.")),
    405: ("method_not_allowed", _l("This action is not available here.")),
    413: ("request.too_large", _l("The request is too large.")),
    415: ("request.unsupported_type", _l("Send the request as JSON.")),
    429: ("rate_limited", _l("Too many attempts. Please wait a moment and try again.")),
}


def classify_outage(error: BaseException) -> str | None:
    """Name the dependency behind an exception ('database' or 'redis'), or None."""
    import redis.exceptions
    import sqlalchemy.exc

    # Unreachable or slow (a sentinel naming no primary, MasterNotFoundError, is a ConnectionError);
    # READONLY: a primary demoted to a replica by a failover; MASTERDOWN: a replica that lost its primary.
    if isinstance(
        error,
        (
            redis.exceptions.ConnectionError,
            redis.exceptions.TimeoutError,
            redis.exceptions.ReadOnlyError,
            redis.exceptions.MasterDownError,
        ),
    ):
        return "redis"
    if isinstance(error, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
        return "database"
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return "database"
    return None


def error_response(code: str, message: str, status: int, details: dict | None = None):
    """The envelope: {"error": {"code", "message", "details"}, "locale", "dir"} with the request id."""
    error: dict[str, object] = {"code": code, "message": message, "details": details or {}}
    request_id = logs.request_id()
    if request_id:
        error["request_id"] = request_id
    body = {"error": error, **locale_meta()}
    response = jsonify(body)
    response.status_code = status
    return response


def _wants_html() -> bool:
    """Console pages get HTML errors; everything else gets the JSON envelope."""
    return request.path.startswith("/admin") and not request.path.startswith("/api/")


def register_error_handlers(app) -> None:
    """Render every failure once, as the envelope; roll back and log unexpected ones."""
    from app.extensions import db

    @app.errorhandler(AppError)
    def handle_app_error(error: AppError):
        db.session.rollback()
        if error.status >= 500:
            log.warning("service error", extra={"code": error.code})
        return error_response(error.code, error.render_message(), error.status, error.details)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        db.session.rollback()
        status = error.code or 500
        code, message = _HTTP_ERRORS.get(status, ("http.error", _l("We could not complete the request.")))
        if _wants_html() and status in (400, 403, 404, 405):
            from flask import render_template

            return render_template("admin/error.html", message=to_text(message), status=status), status
        response = error_response(code, to_text(message), status)
        retry_after = getattr(error, "retry_after", None)  # set by Werkzeug's TooManyRequests
        if status == 429 and retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        try:
            db.session.rollback()
        except Exception as rollback_error:  # noqa: BLE001 - the database may be what failed
            log.debug("rollback failed", extra={"error": repr(rollback_error)})
        outage = classify_outage(error)
        if outage:
            log.error("dependency unavailable", extra={"dependency": outage, "error": repr(error)})
            return error_response(
                f"service.{outage}_unavailable",
                to_text(ServiceUnavailable.message),
                503,
                {"dependency": outage},
            )
        log.exception("unexpected error")
        return error_response(
            "internal", to_text(_l("Something went wrong on our side. Please try again later.")), 500
        )
