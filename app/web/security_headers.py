"""Security headers on every response; oversized bodies and JSON posts to the console refused early.

Every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (the console's
CSRF check over HTTPS needs a same-origin Referer), `X-Frame-Options: DENY` and a CSP with
`frame-ancestors 'none'`. JSON answers get `default-src 'none'` (nothing in them may load
anything). Console HTML pages (/admin) get a strict policy: scripts, styles and fonts only from
this origin, so no inline `<script>`, no `style=""` attributes and no inline event handlers: the
console keeps its JavaScript and CSS in static files. HSTS is sent only in production (behind TLS).
A view that sets its own Content-Security-Policy keeps it. The headers are added to every answer
by app/web/headers_and_metrics.py; the body checks run as a Flask hook (`guard_request_bodies`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, request

_View = TypeVar("_View", bound=Callable[..., object])

#: The console's policy. `img-src data:` allows inline SVG/PNG QR codes and icons.
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
#: JSON and other data answers load nothing and may not be framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
#: Any other page (the development emulator's, error pages) may at least not be framed.
FRAME_ONLY_CSP = "frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def body_limit(max_bytes: int) -> Callable[[_View], _View]:
    """Let one view take bodies up to `max_bytes` instead of MAX_CONTENT_LENGTH (e.g. file uploads).

    Put it directly under the route decorator::

        @bp.route("/registry/import", methods=["GET", "POST"])
        @body_limit(512 * 1024 * 1024)
        @console_view("registry.import")
        def registry_import(): ...
    """

    def mark(view: _View) -> _View:
        view.max_content_length = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def is_console_path(path: str) -> bool:
    """The admin console's pages (not the admin JSON API under /api/v1/admin)."""
    return path == "/admin" or path.startswith("/admin/")


def content_security_policy(path: str, mimetype: str | None) -> str:
    """The policy for one response, by where it was served and what it is."""
    if mimetype == "text/html":
        return CONSOLE_CSP if is_console_path(path) else FRAME_ONLY_CSP
    return API_CSP


def missing_security_headers(
    path: str, headers: list[tuple[str, str]], production: bool
) -> list[tuple[str, str]]:
    """The headers of the module docstring that a response's `headers` do not carry yet."""
    present = {name.lower(): value for name, value in headers}
    missing = [(name, value) for name, value in BASE_HEADERS.items() if name.lower() not in present]
    if "content-security-policy" not in present:
        mimetype = present.get("content-type", "").partition(";")[0].strip().lower() or None
        missing.append(("Content-Security-Policy", content_security_policy(path, mimetype)))
    if production and "strict-transport-security" not in present:
        missing.append(("Strict-Transport-Security", HSTS))
    return missing


def guard_request_bodies(app: Flask) -> None:
    """Refuse bodies over MAX_CONTENT_LENGTH, and JSON sent to the console, before any view runs."""

    @app.before_request
    def guard_request_body() -> None:
        """Refuse, before any view runs, a declared body over the limit (413) and JSON sent to
        a console page (415): console forms never parse JSON, and Flask-WTF would turn a JSON
        body into form data and crash on anything but an object."""
        environ = request.environ
        if not environ.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in environ:
            return  # no body (most requests): nothing to measure or refuse
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        view_limit = getattr(view, "max_content_length", None)
        if view_limit:
            request.max_content_length = view_limit  # also lifts Flask's own check
        length = request.content_length
        if length is not None:
            limit = request.max_content_length
            if limit and length > limit:
                abort(413)
            if request.is_json and is_console_path(request.path):
                abort(415)
