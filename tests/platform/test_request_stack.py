"""The request stack (app/web/stack.py): the only code that wraps the app, in one order."""

from __future__ import annotations

import ast
from pathlib import Path

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from app import create_app
from app.web.headers_and_metrics import HeadersAndMetrics
from app.web.repeat_screens import RepeatScreens
from app.web.wechat_push_fast_path import WeChatPushFastPath

APP = Path(__file__).resolve().parents[2] / "app"
#: Assignments to `wsgi_app` that are not layers of this app's stack.
NOT_LAYERS = {
    "app/web/stack.py": "the stack itself",
    "app/cli/config.py": "a refused configuration's app answers every request with the refusal",
    "app/wechat_emulator/server.py": "the emulator's own Flask app, not this one",
}


def _layers(app: Flask) -> list[type]:
    """The classes of the WSGI layers, outermost first, down to Flask's own wsgi_app."""
    layers, layer = [], app.wsgi_app
    while getattr(layer, "__self__", None) is not app:
        layers.append(type(layer))
        layer = getattr(layer, "wsgi_app", None) or layer.app
    return layers


def test_no_module_but_the_stack_wraps_the_app():
    wrapping = []
    for path in sorted(APP.rglob("*.py")):
        name = path.relative_to(APP.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if any(
                isinstance(target, ast.Attribute)
                and target.attr == "wsgi_app"
                and not (isinstance(target.value, ast.Name) and target.value.id == "self")  # a layer's own
                for target in targets
            ):
                wrapping.append(name)
            if isinstance(node, ast.Attribute) and node.attr == "record_once":
                wrapping.append(f"{name}: record_once")
    assert sorted(set(wrapping)) == sorted(NOT_LAYERS)


def test_the_layers_in_the_order_the_stack_lists(app_config):
    app = create_app({**app_config, "PROXY_HOPS": 1, "WECHAT_EMULATOR": True, "FAST_SCREENS": True})
    assert _layers(app) == [
        ProxyFix,
        WeChatPushFastPath,
        DispatcherMiddleware,
        HeadersAndMetrics,
        RepeatScreens,
    ]


def test_settings_leave_layers_out(app_config):
    app = create_app({**app_config, "PROXY_HOPS": 0, "WECHAT_EMULATOR": False, "FAST_SCREENS": False})
    assert _layers(app) == [WeChatPushFastPath, HeadersAndMetrics]


def test_a_request_id_reaches_flask_and_the_answer(app):
    seen = []

    @app.get("/_test/request-id")
    def echo():
        from app.logs import request_id

        seen.append(request_id())
        return {"ok": True}

    response = app.test_client().get("/_test/request-id", headers={"X-Request-ID": "abcdef0123456789"})
    assert seen == ["abcdef0123456789"] == [response.headers["X-Request-ID"]]
