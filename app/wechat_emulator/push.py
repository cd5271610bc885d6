"""Playing the WeChat side: build messages, then sign (and encrypt) them as WeChat pushes them."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto

from app.wechat.callback import EVENT_CONTAINERS

MODES = ("plain", "compatible", "safe")
FORMATS = ("json", "xml")


def unix_now() -> int:
    """Now in Unix seconds, as WeChat stamps a push (CreateTime, the signature's timestamp)."""
    # WeChat's wire format, checked against the same clock by app/wechat/callback.py (a leaf).
    return int(time.time())  # noqa: TID251


def text_message(
    openid: str, content: str, *, to: str, msg_id: int | None = None, create_time: int | None = None
) -> dict:
    """A text the user wrote in the customer-service chat."""
    return {
        "ToUserName": to,
        "FromUserName": openid,
        "CreateTime": create_time or unix_now(),
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id or secrets.randbelow(2**62) + 1,
    }


def enter_session_event(
    openid: str, *, to: str, session_from: str = "", create_time: int | None = None
) -> dict:
    """The user opened the customer-service chat (user_enter_tempsession)."""
    return {
        "ToUserName": to,
        "FromUserName": openid,
        "CreateTime": create_time or unix_now(),
        "MsgType": "event",
        "Event": "user_enter_tempsession",
        "SessionFrom": session_from,
    }


def subscribe_event(
    event: str, openid: str, items: list[dict], *, to: str, create_time: int | None = None
) -> dict:
    """A subscribe_msg_*_event with its items (TemplateId, SubscribeStatusString… or MsgID, ErrorCode…)."""
    if event not in EVENT_CONTAINERS:
        raise ValueError(f"not a subscribe event: {event}")
    return {
        "ToUserName": to,
        "FromUserName": openid,
        "CreateTime": create_time or unix_now(),
        "MsgType": "event",
        "Event": event,
        "List": list(items),
    }


def popup_items(results: dict[str, str], scene: int = 0) -> list[dict]:
    """Items of a popup event from {template_id: accept|reject}."""
    return [
        {"TemplateId": tid, "SubscribeStatusString": status, "PopupScene": str(scene)}
        for tid, status in results.items()
    ]


def serialize(message: dict, fmt: str) -> str:
    """The message as WeChat writes it: JSON with List an object when single, or XML with a container."""
    items = message.get("List")
    body = {key: value for key, value in message.items() if key != "List"}
    if fmt == "json":
        if items is not None:
            body["List"] = items[0] if len(items) == 1 else items
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    if items is not None:
        body[EVENT_CONTAINERS[message["Event"]]] = {"List": items}
    return xmltodict.unparse({"xml": body}, full_document=False)


def sha1_signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - WeChat's scheme


class PushSigner:
    """Signs (and in compatible/safe mode encrypts) pushes with the mini program's token and AES key."""

    def __init__(self, *, token: str, aes_key: str | None, appid: str, original_id: str | None):
        self.token = token
        self.appid = appid
        self.original_id = original_id
        self._crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None

    @property
    def default_mode(self) -> str:
        """How WeChat pushes to this mini program: safe mode with an EncodingAESKey, else plaintext."""
        return "safe" if self._crypto is not None else "plain"

    def sign(
        self,
        message: dict,
        *,
        fmt: str = "json",
        mode: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> tuple[dict, bytes]:
        """(query parameters, body) of the push, exactly as WeChat would POST it."""
        if fmt not in FORMATS:
            raise ValueError("fmt must be json or xml")
        return self.sign_text(
            serialize(message, fmt),
            fmt=fmt,
            mode=mode,
            timestamp=timestamp,
            nonce=nonce,
            to=message.get("ToUserName"),
        )

    def sign_text(
        self,
        plain: str,
        *,
        fmt: str = "json",
        mode: str | None = None,
        timestamp: int | None = None,
        nonce: str | None = None,
        to: str | None = None,
    ) -> tuple[dict, bytes]:
        """(query parameters, body) for a message already written out (e.g. a payload file)."""
        mode = mode or self.default_mode
        if fmt not in FORMATS or mode not in MODES:
            raise ValueError("fmt must be json|xml and mode plain|compatible|safe")
        timestamp_text = str(timestamp or unix_now())
        nonce = nonce or str(secrets.randbelow(10**10))
        query = {
            "signature": sha1_signature(self.token, timestamp_text, nonce),
            "timestamp": timestamp_text,
            "nonce": nonce,
        }
        if mode == "plain":
            return query, plain.encode("utf-8")
        if self._crypto is None:
            raise ValueError("an AES key is needed for compatible and safe modes")
        envelope = xmltodict.parse(self._crypto.encrypt_message(plain, nonce, timestamp_text))["xml"]
        query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        return query, self._wrap(to or self.original_id or "", plain, envelope["Encrypt"], fmt, mode)

    def _wrap(self, to: str, plain: str, encrypt: str, fmt: str, mode: str) -> bytes:
        """The encrypted body: the ciphertext alone (safe) or beside the plaintext fields (compatible)."""
        if fmt == "json":
            body = json.loads(plain) if mode == "compatible" else {"ToUserName": to}
            body["Encrypt"] = encrypt
            return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if mode == "compatible":
            return plain.replace("</xml>", f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>").encode("utf-8")
        return (
            f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ).encode()

    def request(self, path: str, message: dict | str, **options) -> tuple[str, bytes, dict]:
        """(path with query, body, headers) ready to POST to our callback; message may be raw text."""
        if isinstance(message, str):
            query, body = self.sign_text(message, **options)
        else:
            query, body = self.sign(message, **options)
        fmt = options.get("fmt", "json")
        content_type = "application/json" if fmt == "json" else "text/xml"
        return f"{path}?{urlencode(query)}", body, {"Content-Type": content_type}


def play(emulator_state, kind: str, openid: str, *, to: str, **fields) -> dict:
    """What a user action does on the WeChat side (reply window, quota) and the message it pushes.

    kind: 'text' (content), 'enter' (session_from), 'popup' (results {template_id: status}),
    'change' (results), 'sent' (items [{TemplateId, MsgID, ErrorCode, ErrorStatus}]).
    """
    create_time = fields.get("create_time")
    if kind == "text":
        emulator_state.user_wrote(openid)
        return text_message(
            openid, fields["content"], to=to, msg_id=fields.get("msg_id"), create_time=create_time
        )
    if kind == "enter":
        emulator_state.user_entered_session(openid)
        return enter_session_event(
            openid, to=to, session_from=fields.get("session_from", ""), create_time=create_time
        )
    if kind in ("popup", "change"):
        results = fields["results"]
        for template_id, status in results.items():
            if status in ("accept", "acceptWithAudio") and kind == "popup":
                emulator_state.grant_subscription(openid, template_id)
            elif status == "reject" and kind == "change":
                emulator_state.revoke_subscription(openid, template_id)
        items = (
            popup_items(results)
            if kind == "popup"
            else [{"TemplateId": tid, "SubscribeStatusString": status} for tid, status in results.items()]
        )
        event = "subscribe_msg_popup_event" if kind == "popup" else "subscribe_msg_change_event"
        return subscribe_event(event, openid, items, to=to, create_time=create_time)
    if kind == "sent":
        return subscribe_event(
            "subscribe_msg_sent_event", openid, fields["items"], to=to, create_time=create_time
        )
    raise ValueError(f"unknown push kind: {kind}")


def deliver_push(app, body: dict) -> tuple[int, str]:
    """Sign a push described by `body` and POST it to the configured callback; (status, answer text)."""
    options = app.extensions["wechat_emulator_push"]
    signer: PushSigner = options["signer"]
    emulator_state = app.extensions["wechat_emulator"]
    message = body.get("message")
    if not isinstance(message, dict):
        if not body.get("openid") or not body.get("kind"):
            raise ValueError("give either a message or a kind and an openid")
        fields = {key: value for key, value in body.items() if key not in ("kind", "openid", "fmt", "mode")}
        try:
            message = play(
                emulator_state, body["kind"], body["openid"], to=signer.original_id or "", **fields
            )
        except KeyError as missing:
            raise ValueError(f"missing field {missing}") from None
    path_query, data, headers = signer.request(
        options["callback_path"], message, fmt=body.get("fmt", "json"), mode=body.get("mode")
    )
    return send(options, path_query, data, headers)


#: WeChat's delivery: an answer within 5 s that is empty or `success`, else up to 3 attempts in all.
PUSH_TIMEOUT_SECONDS = 5
PUSH_ATTEMPTS = 3


def send(options: dict, path_query: str, data: bytes, headers: dict) -> tuple[int, str]:
    """POST a signed push: in process to a WSGI app, or over HTTP to the callback URL (retried as WeChat does)."""
    if options.get("callback_wsgi") is not None:
        from werkzeug.test import Client

        answer = Client(options["callback_wsgi"]).post(path_query, data=data, headers=headers)
        return answer.status_code, answer.get_data(as_text=True)
    import requests

    url = options["callback_base"].rstrip("/") + path_query
    status, text = 0, "no answer"
    for _attempt in range(PUSH_ATTEMPTS):
        try:
            response = requests.post(url, data=data, headers=headers, timeout=PUSH_TIMEOUT_SECONDS)
        except requests.RequestException as error:
            status, text = 0, type(error).__name__
            continue
        status, text = response.status_code, response.text
        if status == 200 and text in ("", "success"):
            break
    return status, text
