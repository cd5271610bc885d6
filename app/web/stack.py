"""The request stack: every WSGI layer in front of Flask, in the one order a request meets them.

`build_request_stack` is the only code that wraps `app.wsgi_app`; create_app calls it once, last.
Each layer answers some requests itself and passes the rest down; what each answers and passes on
is in its class docstring. The order matters:

- the proxy fix first, so every layer sees the client's address and scheme;
- WeChat's pushes and the emulator above the headers-and-metrics layer: they answer in plain
  text or as WeChat would, and the push fast path records its own metrics;
- the repeat screens below it, so their answers get the same request id, headers and metrics as
  Flask's (docs/adr/0001-answer-repeat-screens-before-flask.md).

Settings that leave a layer out: PROXY_HOPS (0: no proxy fix), WECHAT_EMULATOR (the mount),
FAST_SCREENS (the repeat screens). The WeChat push fast path is always there and passes pushes on
while the job queue is synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.web.headers_and_metrics import HeadersAndMetrics
from app.web.repeat_screens import RepeatScreens
from app.web.wechat_push_fast_path import WeChatPushFastPath

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: A layer: given the stack below it, the stack with it on top.
Layer = Callable[["WSGIApplication"], "WSGIApplication"]


def build_request_stack(app: Flask) -> None:
    """Wrap Flask's WSGI callable in the layers below, the first listed outermost."""
    config = app.config
    hops = int(config.get("PROXY_HOPS") or 0)
    layers: list[Layer | None] = [
        forwarded_by_proxies(hops) if hops else None,  # the client's address and scheme
        lambda below: WeChatPushFastPath(below, app),  # POST /wechat/callback with a real job queue
        mounted_emulator(app) if config.get("WECHAT_EMULATOR") else None,  # /_wechat/, development
        lambda below: HeadersAndMetrics(below, app),  # request id, headers and metrics of every answer
        (lambda below: RepeatScreens(below, app)) if config.get("FAST_SCREENS", True) else None,  # repeats
    ]
    stack: WSGIApplication = app.wsgi_app
    for layer in reversed(layers):
        if layer is not None:
            stack = layer(stack)
    app.wsgi_app = stack  # type: ignore[method-assign, assignment]  # the one place that wraps the app


def forwarded_by_proxies(hops: int) -> Layer:
    """Werkzeug's ProxyFix: the client's address and scheme from the X-Forwarded-For/-Proto of `hops` proxies.

    Answers nothing; passes on every request with REMOTE_ADDR and the scheme as the client sent
    them (rate limits, logs, secure cookies and the console's CSRF referrer check need them).
    Only as many proxies as we run (nginx) are trusted.
    """
    return lambda below: ProxyFix(below, x_for=hops, x_proto=hops)


def mounted_emulator(app: Flask) -> Layer:
    """The WeChat emulator at /_wechat/ (embedded defaults only); its pushes go to the stack below it.

    Answers: /_wechat/… as WeChat's servers would. Passes on everything else.
    """
    from app.wechat_emulator.mount import emulator_mount

    return lambda below: emulator_mount(below, app)
