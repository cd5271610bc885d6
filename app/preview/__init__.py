"""The mini program in a browser, for development and tests only: its screens at phone size.

Served at /_preview/ when APP_ENV is development or testing, never in production. The page
signs in through the built-in WeChat emulator as a new preview user, walks the real journeys
against this backend's API and draws each screen document with the mini program's own view
model (`miniprogram_stub/lib/screen.js`) in markup that mirrors `components/screen/screen.wxml`,
styled by the mini program's WXSS translated to CSS (`wxss.py`). `?page=card` (or any page of
PAGES) draws that page of the mini program instead, from the same API, with `lib/views.js`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from app.config import PROJECT_ROOT
from app.i18n import bcp47, current_locale_id, native_name, served_locales, text_direction
from app.web.security_headers import CONSOLE_CSP

from .wxss import FRAME_HEIGHT, FRAME_WIDTH, translate

#: The environments that serve the preview.
SERVED_IN = ("development", "testing")
MINIPROGRAM = PROJECT_ROOT / "miniprogram_stub"
#: The journey the preview walks, as pages/verify does.
FLOW = "verify"
#: The pages the preview draws (`?page=`), each with the components its WXML uses; "verify" is the journey.
PAGES = {
    "verify": ("components/screen/screen.wxss",),
    "index": (),
    "card": ("components/nav/nav.wxss",),
    "permit": ("components/nav/nav.wxss",),
    "insurances": ("components/nav/nav.wxss",),
    "contributions": ("components/nav/nav.wxss",),
    "qr": ("components/nav/nav.wxss",),
    "notices": ("components/nav/nav.wxss",),
    "guides": ("components/nav/nav.wxss",),
    "guide": ("components/screen/screen.wxss", "components/nav/nav.wxss"),
    "settings": ("components/screen/screen.wxss", "components/nav/nav.wxss"),
}
#: The mini program's code the browser runs as it is (plain CommonJS without `wx`).
SHARED_SCRIPTS = {
    "screen.js": "lib/screen.js",
    "phone.js": "lib/phone.js",
    "views.js": "lib/views.js",
    "qr.js": "lib/qr.js",
}


def stylesheets(page: str) -> tuple[str, ...]:
    """The WXSS a page draws with, in WeChat's order: the app's, the page's, its components'."""
    return ("app.wxss", f"pages/{page}/{page}.wxss", *PAGES[page])


def requested_page() -> str:
    """The page named by `?page=`, else the verification journey."""
    page = request.args.get("page", "")
    return page if page in PAGES else FLOW


bp = Blueprint(
    "preview", __name__, url_prefix="/_preview", template_folder="templates", static_folder="static"
)


def init_preview(app) -> None:
    """Mount the preview in development and testing only (it signs in through the WeChat emulator)."""
    if app.config.get("APP_ENV") in SERVED_IN and app.config.get("WECHAT_EMULATOR"):
        app.register_blueprint(bp)


@bp.after_request
def strict_policy(response):
    """The console's content policy: scripts and styles only from files of this origin."""
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def miniprogram():
    """The phone frame, the language switch and the journey's first screen or a page (drawn by preview.js)."""
    locales = served_locales(current_app.config)
    locale = current_locale_id()
    return render_template(
        "preview/miniprogram.html",
        locale=locale,
        locale_tag=bcp47(locale),
        dir=text_direction(locale),
        locales=locales,
        names={loc: native_name(loc) for loc in locales},
        width=FRAME_WIDTH,
        height=FRAME_HEIGHT,
        flow=FLOW,
        page=requested_page(),
        slug=request.args.get("slug", ""),
        guide_page=request.args.get("guide_page", ""),
    )


@bp.get("/miniprogram.css")
def stylesheet():
    """The mini program's WXSS of a page (`?page=`, else the journey's) as CSS."""
    parts = []
    for name in stylesheets(requested_page()):
        parts.append(f"/* {name} */\n" + translate((MINIPROGRAM / name).read_text(encoding="utf-8")))
    return current_app.response_class("\n".join(parts), mimetype="text/css")


@bp.get("/lib/<name>")
def shared_script(name: str):
    """A module of the mini program for the browser: its `module.exports` becomes `window.mp[name]`.

    Its `require('./other')` reads `window.mp.other`, so modules are loaded after what they need.
    """
    if name not in SHARED_SCRIPTS:
        abort(404)
    source = (MINIPROGRAM / SHARED_SCRIPTS[name]).read_text(encoding="utf-8")
    key = name.removesuffix(".js")
    wrapped = (
        "(function () { const module = { exports: {} };\n"
        "const require = (path) => window.mp[path.split('/').pop().replace(/\\.js$/, '')];\n"
        f"{source}\n"
        f"window.mp = window.mp || {{}}; window.mp[{key!r}] = module.exports; }}());\n"
    )
    return current_app.response_class(wrapped, mimetype="text/javascript")


@bp.get("/assets/<path:name>")
def asset(name: str):
    """The mini program's icons (`/assets/icons/…` in its WXML)."""
    return send_from_directory(MINIPROGRAM / "assets", name)
