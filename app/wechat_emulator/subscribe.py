"""subscribeMessage.send in the emulator: its checks, quota and outbox, and a WSGI shortcut that answers it."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import parse_qsl

from app.wechat_emulator.state import EmulatorState
from app.wechat_emulator.templates import invalid_field

#: The endpoint's name for call counts, faults and delays.
ENDPOINT = "subscribe_send"
PATH = "/cgi-bin/message/subscribe/send"
OPENID = re.compile(r"o[\w-]{5,63}")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
STATES = ("developer", "trial", "formal")


def error_answer(errcode: int, errmsg: str) -> dict:
    """WeChat's error answer (sent with HTTP 200): errcode and errmsg with a request id."""
    return {"errcode": errcode, "errmsg": f"{errmsg} rid: {secrets.token_hex(4)}"}


def subscribe_send(emulator: EmulatorState, access_token: str | None, body: dict | None) -> dict:
    """The answer to one send: token, body and template rules (47003), then the user's quota (43101)."""
    problem = emulator.token_error(access_token)
    if problem:
        return error_answer(*problem)
    if body is None:
        return error_answer(47001, "data format error")
    openid, template_id = body.get("touser"), body.get("template_id")
    if not isinstance(openid, str) or not OPENID.fullmatch(openid):
        return error_answer(40003, "invalid openid")
    keywords = emulator.templates.get(template_id) if isinstance(template_id, str) else None
    if keywords is None:
        return error_answer(40037, "invalid template_id")
    if body.get("lang", "zh_CN") not in LANGS:
        return error_answer(47003, "argument invalid! lang invalid")
    if body.get("miniprogram_state", "formal") not in STATES:
        return error_answer(47003, "argument invalid! miniprogram_state invalid")
    page = body.get("page")
    if page is not None and (not isinstance(page, str) or len(page) > 1024):
        return error_answer(41030, "invalid page")
    field = invalid_field(keywords, body.get("data"))
    if field:
        return error_answer(47003, f"argument invalid! {field} invalid")
    with emulator.lock:
        user = emulator.user(openid)
        if user.quota[template_id] <= 0:
            return error_answer(43101, "user refuse to accept the msg")
        user.quota[template_id] -= 1
        msgid = emulator.deliver(
            "subscribe",
            {
                "touser": openid,
                "template_id": template_id,
                "data": body["data"],
                "page": page,
                "lang": body.get("lang", "zh_CN"),
                "miniprogram_state": body.get("miniprogram_state", "formal"),
            },
        )
    return {"errcode": 0, "errmsg": "ok", "msgid": msgid}


class SubscribeSendShortcut:
    """WSGI middleware: answers POST cgi-bin/message/subscribe/send without Flask's request machinery.

    Same checks, state and answer as the Flask view (both call `subscribe_send`, and the answer is the
    app's own JSON response); while a fault or a delay is injected for the endpoint, and for anything
    else, the request goes to the app.
    """

    def __init__(self, wsgi_app, flask_app):
        self.wsgi_app = wsgi_app
        self.flask_app = flask_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        emulator: EmulatorState = self.flask_app.extensions["wechat_emulator"]
        length = _plain_length(environ)
        try:
            access_token = _first_query_value(environ, "access_token")
        except UnicodeDecodeError:
            length = None
        if length is None or ENDPOINT in emulator.faults or emulator.delays.get(ENDPOINT):
            # Streamed bodies, undecodable queries and injected faults or delays: the app's own path.
            return self.wsgi_app(environ, start_response)
        emulator.record_call(ENDPOINT)
        answer = subscribe_send(emulator, access_token, _json_object(environ["wsgi.input"].read(length)))
        return self._json(answer, environ, start_response)

    def _json(self, answer: dict, environ, start_response):
        """What `jsonify(answer)` sends: the app's JSON (compact unless debugging) with its two headers."""
        provider = self.flask_app.json
        if (provider.compact is None and self.flask_app.debug) or provider.compact is False:
            return provider.response(answer)(environ, start_response)
        body = f"{provider.dumps(answer, separators=(',', ':'))}\n".encode()
        start_response("200 OK", [("Content-Type", provider.mimetype), ("Content-Length", str(len(body)))])
        return [body]


def _plain_length(environ) -> int | None:
    """The body's length when given as a plain Content-Length (not streamed), else None."""
    text = environ.get("CONTENT_LENGTH")
    if text is None or "HTTP_TRANSFER_ENCODING" in environ or environ.get("wsgi.input_terminated"):
        return None
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _first_query_value(environ, name: str) -> str | None:
    """A query parameter's first value, decoded as Werkzeug's request.args decodes it."""
    query = environ.get("QUERY_STRING", "").encode("latin-1").decode()
    for key, value in parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"):
        if key == name:
            return value
    return None


def _json_object(data: bytes) -> dict | None:
    """The body as a JSON object whatever its content type (Flask's get_json(force, silent)), or None."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
