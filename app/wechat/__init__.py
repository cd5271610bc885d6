"""The WeChat adapter: knows WeChat, nothing of our domain. Only this package imports wechatpy."""

from __future__ import annotations

import logging

from flask import current_app

from .client import API_HOST, WeChatApi, normalize_base
from .errors import WeChatError

log = logging.getLogger("app.wechat")

#: Where the in-process emulator is mounted on the embedded defaults.
EMULATOR_MOUNT = "/_wechat"
#: The virtual base URL our client uses to reach the in-process emulator (never resolved on a network).
IN_PROCESS_BASE = "http://wechat-emulator.local/_wechat/"

__all__ = ["WeChatApi", "WeChatError", "get_wechat", "init_wechat", "push_verifier"]


def init_wechat(app) -> None:
    """Build the client and the push verifier from the config; mount the emulator on the embedded defaults."""
    from .callback import PushVerifier

    config = app.config
    # Outbound URLs carry the AppSecret and login codes: never let the HTTP library log them.
    logging.getLogger("urllib3").setLevel(max(logging.WARNING, logging.getLogger("urllib3").level))
    base = normalize_base(config.get("WECHAT_API_BASE") or API_HOST)
    transport = None
    if config.get("WECHAT_EMULATOR"):
        _mount_emulator(app)
        if base == API_HOST:
            # The embedded defaults talk to the emulator through this app's own /_wechat/ mount,
            # in process: no second server, no socket, and no deadlock in a single-worker server.
            from .wsgi_transport import WsgiAdapter

            base = IN_PROCESS_BASE
            transport = WsgiAdapter(app.wsgi_app)
            config["WECHAT_API_BASE"] = base
    app.extensions["wechat"] = WeChatApi(
        appid=config["WECHAT_APPID"], secret=config["WECHAT_SECRET"], api_base=base,
        redis=app.extensions["redis"], timeout=float(config.get("WECHAT_TIMEOUT_SECONDS", 5.0)),
        transport=transport,
    )
    app.extensions["wechat_push"] = PushVerifier(
        token=config["WECHAT_TOKEN"], aes_key=config.get("WECHAT_AES_KEY"), appid=config["WECHAT_APPID"],
        original_id=config.get("WECHAT_ORIGINAL_ID"), max_bytes=int(config.get("CALLBACK_MAX_BYTES", 65536)),
    )


def _mount_emulator(app):
    """Serve the emulator at /_wechat/ beside the app; its pushes go to this app's callback in process."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from .emulator import create_emulator

    config = app.config
    emulator = create_emulator(
        appid=config["WECHAT_APPID"], secret=config["WECHAT_SECRET"], token=config["WECHAT_TOKEN"],
        aes_key=config.get("WECHAT_AES_KEY"), original_id=config.get("WECHAT_ORIGINAL_ID"),
        callback_wsgi=app.wsgi_app,
    )
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {EMULATOR_MOUNT: emulator.wsgi_app})
    app.extensions["wechat_emulator"] = emulator
    if not config.get("TESTING"):
        log.warning("WeChat calls go to the built-in emulator at %s/", EMULATOR_MOUNT)
    return emulator


def get_wechat() -> WeChatApi:
    """The app's WeChat client."""
    return current_app.extensions["wechat"]


def push_verifier():
    """The app's message-push verifier (signature, decryption, parsing)."""
    return current_app.extensions["wechat_push"]
