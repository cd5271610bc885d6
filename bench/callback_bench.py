"""The WeChat callback: signed safe-mode pushes for a load run, and µs per message in process.

    python -m bench.callback_bench micro [--n 20000]          verify + decrypt + parse, JSON and XML
    python -m bench.callback_bench requests --n 5000 --fmt xml > pushes.jsonl   bodies for a load client

Every request carries its own nonce and MsgId, so each one exercises the whole path (verify,
decrypt, de-duplicate, hand-off); replaying the same list later only measures the duplicate path.
Timestamps are taken when the requests are made: use them within 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from urllib.parse import urlencode

from app.wechat.callback import PushVerifier
from app.wechat_emulator import DEMO, PushSigner
from app.wechat_emulator.push import subscribe_event, text_message

CALLBACK_PATH = "/wechat/callback"


def settings() -> dict:
    """The push settings the server under test uses: the environment, else the bench environment's."""
    from bench.run import BENCH_AES_KEY, BENCH_PUSH_TOKEN

    return {
        "token": os.environ.get("WECHAT_TOKEN") or BENCH_PUSH_TOKEN,
        "appid": os.environ.get("WECHAT_APPID") or DEMO["appid"],
        "original_id": os.environ.get("WECHAT_ORIGINAL_ID") or DEMO["original_id"],
        "aes_key": os.environ.get("WECHAT_AES_KEY") or BENCH_AES_KEY,
    }


def _messages(n: int, original_id: str):
    """A realistic mix: mostly texts, some subscribe popup events (one item and several)."""
    now = int(time.time())
    for index in range(n):
        openid = f"oBenchUser{index % 997:06d}"
        if index % 5 == 4:
            items = [
                {"TemplateId": "tmpl_notice_update", "SubscribeStatusString": "accept", "PopupScene": "0"}
            ]
            if index % 10 == 9:
                items.append(
                    {"TemplateId": "tmpl_card_status", "SubscribeStatusString": "reject", "PopupScene": "0"}
                )
            yield subscribe_event(
                "subscribe_msg_popup_event", openid, items, to=original_id, create_time=now - index
            )
        else:
            yield text_message(
                openid,
                "How do I see my social security card?",
                to=original_id,
                msg_id=now * 100_000 + index,
                create_time=now,
            )


def make_requests(n: int, fmt: str = "json", mode: str = "safe") -> list[dict]:
    """n signed pushes as {path, method, headers, body}: path carries the signed query."""
    config = settings()
    signer = PushSigner(
        token=config["token"],
        aes_key=config["aes_key"],
        appid=config["appid"],
        original_id=config["original_id"],
    )
    content_type = "application/json" if fmt == "json" else "text/xml"
    requests = []
    for index, message in enumerate(_messages(n, config["original_id"])):
        query, body = signer.sign(message, fmt=fmt, mode=mode, nonce=f"{index}{time.time_ns() % 10**9}")
        requests.append(
            {
                "path": f"{CALLBACK_PATH}?{urlencode(query)}",
                "method": "POST",
                "headers": {"Content-Type": content_type},
                "body": body,
            }
        )
    return requests


def micro(n: int = 20_000) -> dict:
    """µs per message for verify + decrypt + parse in process (safe mode), JSON and XML."""
    config = settings()
    verifier = PushVerifier(
        token=config["token"],
        aes_key=config["aes_key"],
        appid=config["appid"],
        original_id=config["original_id"],
        max_skew=10**9,
    )
    result = {}
    for fmt in ("json", "xml"):
        prepared = []
        for request in make_requests(min(n, 2_000), fmt):
            from urllib.parse import parse_qsl

            query = dict(parse_qsl(request["path"].split("?", 1)[1]))
            prepared.append((query, request["body"]))
        started = time.perf_counter()
        for index in range(n):
            query, body = prepared[index % len(prepared)]
            verifier.verify(query, body)
        result[f"{fmt}_us"] = round((time.perf_counter() - started) / n * 1e6, 1)
    result["us_per_message"] = round((result["json_us"] + result["xml_us"]) / 2, 1)
    return result


def main(argv: list[str] | None = None) -> None:
    """The command line: `micro` prints JSON figures; `requests` prints one JSON request per line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("micro", "requests"))
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--fmt", choices=("json", "xml"), default="json")
    parser.add_argument(
        "--mode",
        choices=("plain", "compatible", "safe"),
        default="safe",
        help="plain only against a server without WECHAT_AES_KEY: with a key it refuses them",
    )
    options = parser.parse_args(argv)
    if options.command == "micro":
        print(json.dumps(micro(options.n)))
        return
    for request in make_requests(options.n, options.fmt, options.mode):
        print(json.dumps({**request, "body": request["body"].decode("utf-8")}, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
