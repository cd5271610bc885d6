"""The WeChat adapter: knows WeChat, nothing of our domain."""

from __future__ import annotations


def init_wechat(app) -> None:
    """Configure the WeChat client (and mount the emulator on the embedded defaults)."""
