"""Property-based fuzzing of POST /wechat/callback: whatever arrives, the answer is never a 500.

Random bodies, broken JSON and XML, entity tricks, huge payloads, bad base64, bad AES padding and
wrong inner lengths, each also under a valid signature (so the parser, not the signature check,
has to cope), through both the Flask route and the production fast path (a real RQ queue).
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.wechat_emulator.push import sha1_signature, unix_now

#: Every answer the callback may give to a stranger's bytes.
REFUSALS = {400, 403, 413}
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

ENTITY_TRICKS = [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
    '<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]><xml><C>&c;</C></xml>',
    '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd">%p;]><xml/>',
    "<xml><Content><![CDATA[</xml>]]></Content><MsgType>text</MsgType></xml>",
    '<xml xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd" parse="text"/></xml>',
    '<?xml-stylesheet href="http://127.0.0.1:1/x.xsl"?><xml/>',
    "<xml>" + "<a>" * 5000 + "</a>" * 5000 + "</xml>",
    '{"ToUserName": "gh_0000000demo", "MsgType": "text", "Content": "\\ud800", "CreateTime": 1}',
    "[" * 10_000,
    '{"a": ' * 3000 + "1" + "}" * 3000,
]

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
message_like = st.fixed_dictionaries(
    {"ToUserName": st.sampled_from(["gh_0000000demo", "", "gh_other"])},
    optional={
        "FromUserName": st.text(max_size=40),
        "MsgType": st.sampled_from(["text", "event", "image", "", "x"]),
        "CreateTime": json_like,
        "MsgId": json_like,
        "Content": st.text(max_size=60),
        "Event": st.sampled_from(["subscribe_msg_popup_event", "user_enter_tempsession", "x"]),
        "List": json_like,
    },
)


def xml_of(value: dict) -> str:
    """A loose XML rendering (unescaped on purpose: broken markup is part of the fuzz)."""
    return "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in value.items() if k) + "</xml>"


bodies = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=512).map(lambda text: text.encode("utf-8", "surrogatepass")),
    json_like.map(lambda value: json.dumps(value).encode()),
    message_like.map(lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    message_like.map(lambda value: xml_of(value).encode("utf-8", "surrogatepass")),
    st.sampled_from(ENTITY_TRICKS).map(str.encode),
    st.tuples(st.sampled_from([b"{", b"<xml>", b"<", b"[", b'{"Encrypt":']), st.binary(max_size=64)).map(
        lambda parts: parts[0] + parts[1]
    ),
)


def signed_query(token: str, **extra) -> dict:
    """A valid URL signature for now."""
    timestamp, nonce = str(unix_now()), str(int.from_bytes(os.urandom(4), "big"))
    return {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **extra,
    }


def aes_encrypt(
    aes_key: str, plaintext: bytes, appid: str, *, length: int | None = None, pad: bytes | None = None
) -> str:
    """WeChat's ciphertext (random16 + length + message + appid, PKCS#7 to 32), optionally mangled."""
    key = base64.b64decode(aes_key + "=")
    body = os.urandom(16) + struct.pack(">I", len(plaintext) if length is None else length) + plaintext
    body += appid.encode()
    if pad is None:
        amount = 32 - len(body) % 32
        pad = bytes([amount]) * amount
    body += pad
    body += b"\x00" * (-len(body) % 16)  # whatever the padding says, AES-CBC needs whole blocks
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def post(client, query: dict, body: bytes, content_type: str = "application/json"):
    """POST to the callback with the query and body as given."""
    return client.post(
        "/wechat/callback?" + urlencode(query), data=body, headers={"Content-Type": content_type}
    )


def encrypted_push(app, client, encrypt: str, fmt: str):
    """POST a safe-mode push whose msg_signature is valid for `encrypt`, whatever it holds."""
    config = app.config
    query = signed_query(config["WECHAT_TOKEN"], encrypt_type="aes")
    query["msg_signature"] = sha1_signature(
        config["WECHAT_TOKEN"], query["timestamp"], query["nonce"], encrypt
    )
    if fmt == "json":
        body = json.dumps({"ToUserName": "gh_0000000demo", "Encrypt": encrypt}).encode()
    else:
        body = f"<xml><ToUserName>gh_0000000demo</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    return post(client, query, body, "application/json" if fmt == "json" else "text/xml")


@pytest.fixture(params=["flask_route", "fast_path"])
def callback_client(request, app, redis_client, monkeypatch):
    """A client whose pushes reach the Flask route (synchronous queue) or the production fast path."""
    if request.param == "fast_path":
        from rq import Queue

        from app.web.wechat_push_fast_path import WeChatPushFastPath

        queue = Queue("fuzz-callback", connection=redis_client)
        monkeypatch.setitem(app.extensions, "queue", queue)
        answered = []
        original = WeChatPushFastPath._answer
        monkeypatch.setattr(
            WeChatPushFastPath, "_answer", lambda self, *args: answered.append(1) or original(self, *args)
        )
        yield app.test_client()
        assert answered, "the fast path never answered"
        return
    yield app.test_client()


@pytest.mark.plaintext_pushes  # with an AES key every plaintext push is refused before parsing
def test_any_signed_plain_body_is_answered_without_a_server_error(app, callback_client):
    @FUZZ
    @given(body=bodies)
    def check(body):
        response = post(callback_client, signed_query(app.config["WECHAT_TOKEN"]), body)
        assert response.status_code in REFUSALS | {200}, (body[:200], response.status_code)
        assert response.mimetype == "text/plain"

    check()


def test_any_query_string_is_answered_without_a_server_error(callback_client):
    @FUZZ
    @given(
        query=st.dictionaries(
            st.sampled_from(
                ["signature", "timestamp", "nonce", "encrypt_type", "msg_signature", "echostr", "x"]
            ),
            st.text(max_size=50),
            max_size=6,
        ),
        body=bodies,
    )
    def check(query, body):
        response = post(callback_client, query, body)
        assert response.status_code in REFUSALS, (query, response.status_code)
        handshake = callback_client.get("/wechat/callback?" + urlencode(query))
        assert handshake.status_code in REFUSALS | {200}

    check()


def test_junk_in_a_validly_signed_ciphertext_is_refused(app, callback_client):
    config = app.config

    @FUZZ
    @given(
        plain=bodies,
        fmt=st.sampled_from(["json", "xml"]),
        length=st.none() | st.integers(min_value=0, max_value=2**32 - 1),
        pad=st.none() | st.binary(min_size=1, max_size=40),
        appid=st.sampled_from([config["WECHAT_APPID"], "wxOther", ""]),
    )
    def check(plain, fmt, length, pad, appid):
        encrypt = aes_encrypt(config["WECHAT_AES_KEY"], plain, appid, length=length, pad=pad)
        response = encrypted_push(app, callback_client, encrypt, fmt)
        assert response.status_code in REFUSALS | {200}, (plain[:100], length, pad, response.status_code)

    check()


def test_bad_base64_under_a_valid_signature_is_refused(app, callback_client):
    @FUZZ
    @given(
        encrypt=st.text(alphabet=st.characters(codec="ascii", exclude_characters="]<>&"), max_size=300)
        | st.binary(max_size=64).map(lambda raw: base64.b64encode(raw).decode()[:-1]),
        fmt=st.sampled_from(["json", "xml"]),
    )
    def check(encrypt, fmt):
        response = encrypted_push(app, callback_client, encrypt, fmt)
        assert response.status_code in REFUSALS, (encrypt, response.status_code)

    check()


def test_huge_payloads_are_refused_early(app, callback_client):
    limit = app.config["CALLBACK_MAX_BYTES"]
    for size in (limit + 1, limit * 4, limit * 64):
        for filler in (b"x", b"<", b"{"):
            response = post(callback_client, signed_query(app.config["WECHAT_TOKEN"]), filler * size)
            assert response.status_code == 413
    # Lying about the length (chunked, no Content-Length) is still cut at the limit.
    response = callback_client.post(
        "/wechat/callback?" + urlencode(signed_query(app.config["WECHAT_TOKEN"])),
        input_stream=io.BytesIO(b"[" * (limit * 2)),
        headers={"Transfer-Encoding": "chunked"},
    )
    assert response.status_code in REFUSALS
