"""A local api.weixin.qq.com for development and tests: WeChat's endpoints, control routes, pushes."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.wechat_emulator.push import PushSigner
from app.wechat_emulator.server import create_app
from app.wechat_emulator.state import EmulatorState

#: The demo mini program's identity (the development defaults of the backend).
DEMO = {
    "appid": "wx0000000000demo",
    "secret": "demo-secret",
    "token": "demo-token",
    "aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "original_id": "gh_0000000demo",
}


def create_emulator(
    *,
    appid: str = DEMO["appid"],
    secret: str = DEMO["secret"],
    token: str = DEMO["token"],
    aes_key: str | None = DEMO["aes_key"],
    original_id: str | None = DEMO["original_id"],
    callback_url: str = "http://127.0.0.1:5000/wechat/callback",
    callback_wsgi=None,
):
    """The emulator app; its pushes go to callback_wsgi in process when given, else over HTTP."""
    parts = urlsplit(callback_url)
    signer = PushSigner(token=token, aes_key=aes_key, appid=appid, original_id=original_id)
    push_options = {
        "signer": signer,
        "callback_wsgi": callback_wsgi,
        "callback_base": f"{parts.scheme}://{parts.netloc}",
        "callback_path": parts.path or "/wechat/callback",
    }
    return create_app(EmulatorState(appid=appid, secret=secret, original_id=original_id), push_options)


__all__ = ["DEMO", "EmulatorState", "PushSigner", "create_emulator"]
