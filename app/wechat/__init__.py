"""The WeChat adapter: knows WeChat, nothing of our domain. Only this package imports wechatpy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

from flask import Flask, current_app

from .client import API_HOST, WeChatApi, normalize_base
from .errors import WeChatError

if TYPE_CHECKING:
    from .callback import PushVerifier

log = logging.getLogger("app.wechat")

#: The virtual base URL our client uses to reach the in-process emulator (never resolved on a network).
IN_PROCESS_BASE = "http://wechat-emulator.local/_wechat/"

__all__ = ["WeChatApi", "WeChatError", "get_wechat", "init_wechat", "push_verifier"]


def init_wechat(app: Flask) -> None:
    """Build the client and the push verifier from the config (on the embedded defaults, the client reaches the emulator through the app)."""
    from .callback import PushVerifier

    config = app.config
    # Outbound URLs carry the AppSecret and login codes: never let the HTTP library log them.
    logging.getLogger("urllib3").setLevel(max(logging.WARNING, logging.getLogger("urllib3").level))
    base = normalize_base(config.get("WECHAT_API_BASE") or API_HOST)
    transport = None
    if config.get("WECHAT_EMULATOR"):
        if base == API_HOST:
            # The embedded defaults talk to the emulator through this app's own /_wechat/ mount,
            # in process: no second server, no socket, and no deadlock in a single-worker server.
            from .wsgi_transport import WsgiAdapter

            base = IN_PROCESS_BASE
            transport = WsgiAdapter(app)  # the whole request stack, built later, with the emulator in it
            config["WECHAT_API_BASE"] = base
    app.extensions["wechat"] = WeChatApi(
        appid=config["WECHAT_APPID"],
        secret=config["WECHAT_SECRET"],
        api_base=base,
        redis=app.extensions["redis"],
        timeout=float(config.get("WECHAT_TIMEOUT_SECONDS", 5.0)),
        transport=transport,
    )
    app.extensions["wechat_push"] = PushVerifier(
        token=config["WECHAT_TOKEN"],
        aes_key=config.get("WECHAT_AES_KEY"),
        appid=config["WECHAT_APPID"],
        original_id=config.get("WECHAT_ORIGINAL_ID"),
        max_bytes=int(config.get("CALLBACK_MAX_BYTES", 65536)),
    )


def get_wechat() -> WeChatApi:
    """The app's WeChat client."""
    return cast(WeChatApi, current_app.extensions["wechat"])


def push_verifier() -> PushVerifier:
    """The app's message-push verifier (signature, decryption, parsing)."""
    return cast("PushVerifier", current_app.extensions["wechat_push"])
