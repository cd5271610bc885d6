"""Run the emulator on its own: python -m app.wechat_emulator --port 8090."""

from __future__ import annotations

import argparse

from app.wechat_emulator import DEMO, create_emulator


def main(argv: list[str] | None = None) -> None:
    """Parse the options and serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(description="A local api.weixin.qq.com for development and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    for name, value in DEMO.items():
        parser.add_argument(f"--{name.replace('_', '-')}", default=value)
    parser.add_argument(
        "--callback",
        default="http://127.0.0.1:5000/wechat/callback",
        help="where pushes are sent (our /wechat/callback)",
    )
    options = parser.parse_args(argv)
    app = create_emulator(
        appid=options.appid,
        secret=options.secret,
        token=options.token,
        aes_key=options.aes_key or None,
        original_id=options.original_id,
        callback_url=options.callback,
    )
    print(f"WeChat emulator on http://{options.host}:{options.port}/ (set WECHAT_API_BASE to it)")
    app.run(host=options.host, port=options.port, threaded=True)


if __name__ == "__main__":
    main()
