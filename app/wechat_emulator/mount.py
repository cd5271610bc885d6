"""The emulator served beside the app on the embedded defaults (development and tests only)."""

from __future__ import annotations

import logging

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from app.wechat_emulator import create_emulator

log = logging.getLogger("app.wechat_emulator")

#: Where the in-process emulator is mounted on the embedded defaults.
EMULATOR_MOUNT = "/_wechat"


def emulator_mount(wsgi_app, app) -> DispatcherMiddleware:
    """`wsgi_app` with the emulator at /_wechat/ beside it; the emulator's pushes go to `wsgi_app` in process."""
    config = app.config
    emulator = create_emulator(
        appid=config["WECHAT_APPID"],
        secret=config["WECHAT_SECRET"],
        token=config["WECHAT_TOKEN"],
        aes_key=config.get("WECHAT_AES_KEY"),
        original_id=config.get("WECHAT_ORIGINAL_ID"),
        callback_wsgi=wsgi_app,
    )
    app.extensions["wechat_emulator"] = emulator
    if not config.get("TESTING"):
        log.warning("WeChat calls go to the built-in emulator at %s/", EMULATOR_MOUNT)
    return DispatcherMiddleware(wsgi_app, {EMULATOR_MOUNT: emulator.wsgi_app})
