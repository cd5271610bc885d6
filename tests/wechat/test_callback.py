"""/wechat/callback: handshake, every mode and format, and each refusal — plain-text answers only."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from app.wechat.callback import sha1_signature
from app.wechat_emulator.push import unix_now

from .conftest import OPENID, payload, pumped_jobs

#: A push in plaintext mode goes to a mini program without an AES key (WeChat's plaintext mode).
PLAIN = pytest.param("plain", marks=pytest.mark.plaintext_pushes)
MODES = (PLAIN, "compatible", "safe")
FORMATS = ("json", "xml")


def test_handshake_official_example(app, client):
    app.extensions["wechat_push"].token = "AAAAA"
    app.extensions["wechat_push"].clock = lambda: 1714036504
    query = {
        "signature": "f464b24fc39322e44b38aa78f5edd27bd1441696",
        "timestamp": "1714036504",
        "nonce": "1514711492",
        "echostr": "4375120948345356249",
    }
    response = client.get("/wechat/callback?" + urlencode(query))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "4375120948345356249"
    assert response.mimetype == "text/plain"


def test_handshake_with_bad_signature_is_403(client):
    query = {"signature": "0" * 40, "timestamp": str(unix_now()), "nonce": "1", "echostr": "x"}
    response = client.get("/wechat/callback?" + urlencode(query))
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert "error" not in response.get_data(as_text=True)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_text_push_in_every_mode_and_format(wechat_emulator, enqueued, mode, fmt):
    response = wechat_emulator.push("text", OPENID, content="card", fmt=fmt, mode=mode)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "success" and response.mimetype == "text/plain"
    assert [name for name, _args in enqueued] == ["app.helpdesk.jobs.handle"]
    assert enqueued[0][1][0]["Content"] == "card"
    assert len(wechat_emulator.outbox("custom")) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["text.json", "text.xml", "popup_list.json", "popup_list.xml"])
def test_payload_files_in_every_mode(wechat_emulator, enqueued, name, mode):
    fmt = name.rsplit(".", 1)[1]
    response = wechat_emulator.push(message=payload(name), fmt=fmt, mode=mode)
    assert response.get_data(as_text=True) == "success"
    message = enqueued[0][1][0]
    assert message["FromUserName"] == OPENID and isinstance(message["CreateTime"], int)
    if "popup" in name:
        assert [item["TemplateId"] for item in message["List"]] == [
            "tmpl_notice_update",
            "tmpl_deadline_reminder",
            "tmpl_card_status",
        ]


def test_wechat_retry_with_same_nonce_and_body_is_success_once(wechat_emulator, enqueued, client):
    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="card"))
    assert client.post(path, data=body, headers=headers).get_data(as_text=True) == "success"
    again = client.post(path, data=body, headers=headers)
    assert again.status_code == 200 and again.get_data(as_text=True) == "success"
    assert len(enqueued) == 1


def test_duplicate_msgid_under_a_new_nonce_is_dropped(wechat_emulator, enqueued):
    message = wechat_emulator.message("text", OPENID, content="card", msg_id=777)
    assert wechat_emulator.push(message=message).get_data(as_text=True) == "success"
    assert wechat_emulator.push(message=message, fmt="xml").get_data(as_text=True) == "success"
    assert len(enqueued) == 1


def test_duplicate_event_is_dropped_by_sender_and_time(wechat_emulator, enqueued):
    message = wechat_emulator.message("enter", OPENID, create_time=1795848100)
    wechat_emulator.push(message=message)
    wechat_emulator.push(message=message, mode="compatible")
    other = wechat_emulator.message("enter", OPENID, create_time=1795848101)
    wechat_emulator.push(message=other)
    assert len(enqueued) == 2


@pytest.mark.plaintext_pushes
def test_used_nonce_with_another_body_is_refused(wechat_emulator, enqueued, client):
    first = wechat_emulator.message("text", OPENID, content="card", msg_id=1)
    path, body, headers = wechat_emulator.sign(first, mode="plain", nonce="4242", timestamp=unix_now())
    assert client.post(path, data=body, headers=headers).get_data(as_text=True) == "success"
    forged = wechat_emulator.message("text", OPENID, content="permit", msg_id=2)
    _path, forged_body, _headers = wechat_emulator.sign(forged, mode="plain", nonce="4242")
    response = client.post(path, data=forged_body, headers=headers)
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert len(enqueued) == 1
    # the refused replay did not shadow the real message 2
    wechat_emulator.push(message=forged)
    assert len(enqueued) == 2


# 10 s past the 300 s window: the timestamp is whole seconds, so a push signed at +301 could fall
# back inside the window when the clock crosses a second before the check.
@pytest.mark.parametrize("skew", [-310, 310])
def test_stale_or_future_timestamp_is_refused(wechat_emulator, enqueued, skew):
    message = wechat_emulator.message("text", OPENID, content="card")
    response = wechat_emulator.push(message=message, timestamp=unix_now() + skew)
    assert response.status_code == 403
    assert enqueued == []


@pytest.mark.parametrize("mode", MODES)
def test_bad_signature_is_refused(wechat_emulator, client, enqueued, mode):
    path, body, headers = wechat_emulator.sign(
        wechat_emulator.message("text", OPENID, content="x"), mode=mode
    )
    tampered = path.replace("signature=", "signature=0", 1)
    assert client.post(tampered, data=body, headers=headers).status_code == 403
    assert enqueued == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_msg_signature_is_refused(wechat_emulator, client, enqueued, fmt):
    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="x"), fmt=fmt)
    start = path.index("msg_signature=") + len("msg_signature=")
    tampered = path[:start] + "f" * 40 + path[start + 40 :]
    assert client.post(tampered, data=body, headers=headers).status_code == 403


def test_signature_instead_of_msg_signature_is_refused(wechat_emulator, client):
    """The classic mistake (wechatpy #739) from WeChat's side: msg_signature must cover Encrypt."""
    from urllib.parse import parse_qs, urlsplit

    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="x"))
    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    query["msg_signature"] = query["signature"]
    assert client.post("/wechat/callback?" + urlencode(query), data=body, headers=headers).status_code == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_ciphertext_for_another_appid_is_refused(app, wechat_emulator, client, enqueued, fmt):
    from app.wechat_emulator import PushSigner

    config = app.config
    other = PushSigner(
        token=config["WECHAT_TOKEN"],
        aes_key=config["WECHAT_AES_KEY"],
        appid="wxOtherApp0000001",
        original_id=config["WECHAT_ORIGINAL_ID"],
    )
    path, body, headers = other.request(
        "/wechat/callback", wechat_emulator.message("text", OPENID, content="x"), fmt=fmt, mode="safe"
    )
    assert client.post(path, data=body, headers=headers).status_code == 403
    assert enqueued == []


@pytest.mark.parametrize("mode", MODES)
def test_message_for_another_mini_program_is_refused(wechat_emulator, enqueued, mode):
    message = wechat_emulator.message("text", OPENID, content="x")
    message["ToUserName"] = "gh_someone_else"
    assert wechat_emulator.push(message=message, mode=mode).status_code == 403
    assert enqueued == []


def test_too_large_body_is_refused(app, wechat_emulator, enqueued):
    message = wechat_emulator.message("text", OPENID, content="x" * (app.config["CALLBACK_MAX_BYTES"] + 10))
    response = wechat_emulator.push(message=message)
    assert response.status_code == 413 and response.mimetype == "text/plain"
    assert enqueued == []


@pytest.mark.parametrize("mode", [PLAIN, "safe"])
@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_xml_with_dtd_is_refused(wechat_emulator, enqueued, name, mode):
    assert wechat_emulator.push(message=payload(name), fmt="xml", mode=mode).status_code == 400
    assert enqueued == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello",
        b"{not json",
        b"<xml><unclosed>",
        b"[1, 2]",
        b'{"ToUserName": "gh_0000000demo"}',
        b"<xml></xml>",
        b'{"FromUserName": "o1", "MsgType": "text", "CreateTime": "soon", "ToUserName": "gh_0000000demo"}',
    ],
)
@pytest.mark.plaintext_pushes
def test_unparsable_plain_bodies_are_400(client, enqueued, body):
    timestamp, nonce = str(unix_now()), "99"
    query = {
        "signature": sha1_signature("demo-token", timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    response = client.post("/wechat/callback?" + urlencode(query), data=body)
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert enqueued == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"ToUserName": "gh_0000000demo", "Encrypt": "bm90IGEgdmFsaWQgY2lwaGVy"}',
        b"<xml><ToUserName>gh_0000000demo</ToUserName><Encrypt>AAAA</Encrypt></xml>",
        b'{"ToUserName": "gh_0000000demo"}',
    ],
)
def test_undecryptable_bodies_are_400(client, enqueued, body):
    timestamp, nonce = str(unix_now()), "98"
    encrypt = "bm90IGEgdmFsaWQgY2lwaGVy" if b"bm90" in body else "AAAA"
    query = {
        "signature": sha1_signature("demo-token", timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "encrypt_type": "aes",
        "msg_signature": sha1_signature("demo-token", timestamp, nonce, encrypt),
    }
    response = client.post("/wechat/callback?" + urlencode(query), data=body)
    assert response.status_code == 400
    assert enqueued == []


def test_missing_query_is_403(client):
    assert client.post("/wechat/callback", data=b"{}").status_code == 403


def test_encrypted_push_without_aes_key_is_refused(app, wechat_emulator, enqueued):
    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="x"))
    app.extensions["wechat_push"]._prp = None
    assert app.test_client().post(path, data=body, headers=headers).status_code == 403


def test_failed_hand_off_lets_the_retry_through(app, wechat_emulator, monkeypatch):
    message = wechat_emulator.message("text", OPENID, content="card", msg_id=55)
    queue = app.extensions["queue"]
    original = queue.enqueue

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(queue, "enqueue", broken)
    assert wechat_emulator.push(message=message).status_code == 500
    monkeypatch.setattr(queue, "enqueue", original)
    assert wechat_emulator.push(message=message).get_data(as_text=True) == "success"
    assert len(wechat_emulator.outbox("custom")) == 1


def test_callback_touches_no_database(app, wechat_emulator, monkeypatch):
    """The hot path: verify, decrypt, one Redis round trip, hand-off — no SQL."""
    from sqlalchemy import event

    from app.extensions import db

    statements = []
    monkeypatch.setattr(app.extensions["queue"], "enqueue", lambda *a, **k: None)
    listener = lambda *args, **kwargs: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert wechat_emulator.push("text", OPENID, content="card").get_data(as_text=True) == "success"
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert statements == []


def count_round_trips(monkeypatch) -> list:
    """Record every command or pipeline sent to Redis."""
    import redis

    trips = []
    execute_command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def command(self, *args, **kwargs):
        trips.append(args[0])
        return execute_command(self, *args, **kwargs)

    def pipeline(self, *args, **kwargs):
        trips.append("pipeline")
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", pipeline)
    return trips


def test_production_hand_off_is_one_redis_round_trip(app, wechat_emulator, real_queue, monkeypatch):
    from app.helpdesk import jobs as wechat_events

    first = wechat_emulator.push("text", OPENID, content="card", msg_id=4241)  # starts the pump
    assert first.get_data(as_text=True) == "success"
    trips = count_round_trips(monkeypatch)
    response = wechat_emulator.push("text", OPENID, content="card", msg_id=4242)
    assert response.get_data(as_text=True) == "success"
    assert trips == ["pipeline"]
    monkeypatch.undo()
    jobs = pumped_jobs(real_queue)
    assert [job.args[0]["MsgId"] for job in jobs] == [4241, 4242]  # in arrival order
    job = jobs[1]
    assert job.func_name == "app.helpdesk.jobs.handle"
    assert job.description == "wechat push"  # RQ listings never show openids or user text
    wechat_emulator.user_wrote(OPENID)
    assert wechat_events.handle(*job.args) == "topic:card"


@pytest.mark.plaintext_pushes
def test_queued_duplicate_or_replay_does_nothing(app, wechat_emulator, real_queue, client):
    from app.helpdesk import jobs as wechat_events

    message = wechat_emulator.message("text", OPENID, content="card", msg_id=4343)
    path, body, headers = wechat_emulator.sign(message, mode="plain", nonce="777")
    assert client.post(path, data=body, headers=headers).get_data(as_text=True) == "success"
    assert wechat_emulator.push(message=message).get_data(as_text=True) == "success"  # WeChat's retry
    forged = wechat_emulator.message("text", OPENID, content="permit", msg_id=4444)
    _path, forged_body, _headers = wechat_emulator.sign(forged, mode="plain", nonce="777")
    assert client.post(path, data=forged_body, headers=headers).status_code == 403
    outcomes = [wechat_events.handle(*job.args) for job in pumped_jobs(real_queue)]
    assert outcomes == ["topic:card", "skipped", "skipped"]


def test_fast_path_serves_pushes_with_a_real_queue(app, wechat_emulator, real_queue, monkeypatch):
    """In production the POST skips Flask's per-request hooks; the answers are the same."""
    from app.web.wechat_push_fast_path import WeChatPushFastPath

    served = []
    original = WeChatPushFastPath._answer

    def spy(self, environ, queue):
        served.append(environ["PATH_INFO"])
        return original(self, environ, queue)

    monkeypatch.setattr(WeChatPushFastPath, "_answer", spy)
    for fmt in FORMATS:
        for mode in ("compatible", "safe"):
            response = wechat_emulator.push("text", OPENID, content="card", fmt=fmt, mode=mode)
            assert response.status_code == 200 and response.get_data(as_text=True) == "success"
            assert response.mimetype == "text/plain"
    assert len(served) == 4 and len(pumped_jobs(real_queue)) == 4


def test_fast_path_refusals(app, wechat_emulator, real_queue, client, monkeypatch):
    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="x"))
    tampered = path.replace("signature=", "signature=0", 1)
    assert client.post(tampered, data=body, headers=headers).status_code == 403
    big = b"{" + b" " * app.config["CALLBACK_MAX_BYTES"] + b"}"
    assert client.post(path, data=big, headers=headers).status_code == 413
    bad_length = client.post(path, data=body, headers=headers, environ_overrides={"CONTENT_LENGTH": "many"})
    assert bad_length.status_code == 400
    assert client.post(path, data=b"<xml><!DOCTYPE x></xml>", headers=headers).status_code in (400, 403)
    assert real_queue.count == 0 and pumped_jobs(real_queue) == []


def test_fast_path_answers_503_when_redis_fails(app, wechat_emulator, real_queue, monkeypatch):
    from app import pushes

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(pushes, "accept_push", down)
    response = wechat_emulator.push("text", OPENID, content="card")
    assert response.status_code == 503 and response.get_data(as_text=True) == "unavailable"


def test_fast_path_leaves_other_routes_to_flask(app, wechat_emulator, real_queue, client):
    assert client.get("/healthz").status_code == 200
    query = {"signature": "0" * 40, "timestamp": str(unix_now()), "nonce": "1", "echostr": "x"}
    assert client.get("/wechat/callback?" + urlencode(query)).status_code == 403


def test_a_job_far_behind_still_runs(app, wechat_emulator, real_queue, redis_client):
    """When the queue lags past the memory window the claim's keys are gone: handle it, do not lose it."""
    from app.helpdesk import jobs as wechat_events

    wechat_emulator.push("text", OPENID, content="card")
    [job] = pumped_jobs(real_queue)
    claim = job.args[1]
    redis_client.delete(claim["message_key"], claim["nonce_key"])
    assert wechat_events.handle(*job.args) == "topic:card"


def test_outcomes_are_counted_for_metrics(wechat_emulator, enqueued, client):
    from app.metrics import CALLBACKS

    def count(outcome):
        return CALLBACKS.labels(outcome=outcome)._value.get()

    before = {name: count(name) for name in ("accepted", "duplicate", "bad_signature")}
    path, body, headers = wechat_emulator.sign(wechat_emulator.message("text", OPENID, content="card"))
    client.post(path, data=body, headers=headers)
    client.post(path, data=body, headers=headers)
    client.post(path.replace("signature=", "signature=0"), data=body, headers=headers)
    assert count("accepted") == before["accepted"] + 1
    assert count("duplicate") == before["duplicate"] + 1
    assert count("bad_signature") == before["bad_signature"] + 1


def outcome_count(outcome: str) -> float:
    """The /metrics counter of callback outcomes for one reason."""
    from app.metrics import CALLBACKS

    return CALLBACKS.labels(outcome=outcome)._value.get()


def signed_query(token: str = "demo-token", **extra) -> dict:
    """A valid URL signature for now, with a fresh nonce."""
    import secrets

    timestamp, nonce = str(unix_now()), str(secrets.randbelow(10**10))
    return {
        "signature": sha1_signature(token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        **extra,
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_plaintext_push_to_a_mini_program_with_an_aes_key_is_refused(wechat_emulator, enqueued, client, fmt):
    """With an AES key WeChat pushes in safe or compatible mode: a plaintext POST is not WeChat's, however signed."""
    before = outcome_count("wrong_mode")
    message = wechat_emulator.message("text", OPENID, content="card")
    path, body, headers = wechat_emulator.sign(message, fmt=fmt, mode="plain")
    response = client.post(path, data=body, headers=headers)
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert client.post(path + "&encrypt_type=raw", data=body, headers=headers).status_code == 403
    assert client.post(path + "&encrypt_type=des", data=body, headers=headers).status_code == 403
    assert enqueued == [] and wechat_emulator.outbox("custom") == []
    assert outcome_count("wrong_mode") == before + 3
    # The same message as WeChat sends it, encrypted, is taken.
    assert wechat_emulator.push(message=message, fmt=fmt).get_data(as_text=True) == "success"
    assert len(enqueued) == 1


def test_the_fast_path_refuses_a_plaintext_push_too(app, wechat_emulator, real_queue, client):
    path, body, headers = wechat_emulator.sign(
        wechat_emulator.message("text", OPENID, content="x"), mode="plain"
    )
    assert client.post(path, data=body, headers=headers).status_code == 403
    assert real_queue.count == 0 and pumped_jobs(real_queue) == []


@pytest.mark.plaintext_pushes
def test_a_plaintext_mini_program_takes_plaintext_and_refuses_encrypted(
    app, wechat_emulator, enqueued, client
):
    from app.wechat_emulator import PushSigner

    message = wechat_emulator.message("text", OPENID, content="card")
    assert wechat_emulator.push(message=message, mode="plain").get_data(as_text=True) == "success"
    config = app.config
    keyed = PushSigner(
        token=config["WECHAT_TOKEN"],
        aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        appid=config["WECHAT_APPID"],
        original_id=config["WECHAT_ORIGINAL_ID"],
    )
    path, body, headers = keyed.request(
        "/wechat/callback", wechat_emulator.message("text", OPENID, content="x")
    )
    assert client.post(path, data=body, headers=headers).status_code == 403
    assert len(enqueued) == 1


@pytest.mark.plaintext_pushes
def test_a_handshake_url_cannot_be_replayed_as_a_push(wechat_emulator, enqueued, client):
    """The URL signature covers no body in plaintext mode: a handshake's nonce is spent like a push's."""
    query = signed_query(echostr="5838479218127813673")
    handshake = client.get("/wechat/callback?" + urlencode(query))
    assert handshake.status_code == 200 and handshake.get_data(as_text=True) == "5838479218127813673"
    # WeChat checking again with the same URL is answered again.
    assert client.get("/wechat/callback?" + urlencode(query)).get_data(as_text=True) == "5838479218127813673"
    before = outcome_count("replay")
    message = wechat_emulator.message("text", OPENID, content="card")
    _query, body, headers = wechat_emulator.sign(message, fmt="json", mode="plain")
    post_query = {key: value for key, value in query.items() if key != "echostr"}
    response = client.post("/wechat/callback?" + urlencode(post_query), data=body, headers=headers)
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert client.post("/wechat/callback?" + urlencode(query), data=body, headers=headers).status_code == 403
    assert enqueued == [] and wechat_emulator.outbox("custom") == []
    assert outcome_count("replay") == before + 2
    # The same message under WeChat's own fresh signature is taken.
    assert wechat_emulator.push(message=message, mode="plain").get_data(as_text=True) == "success"
    assert len(enqueued) == 1


@pytest.mark.plaintext_pushes
def test_a_handshake_url_replayed_at_the_fast_path_is_refused(wechat_emulator, real_queue, client):
    from app.helpdesk import jobs as wechat_events

    query = signed_query(echostr="42")
    assert client.get("/wechat/callback?" + urlencode(query)).get_data(as_text=True) == "42"
    _path, body, headers = wechat_emulator.sign(
        wechat_emulator.message("text", OPENID, content="card"), mode="plain"
    )
    assert client.post("/wechat/callback?" + urlencode(query), data=body, headers=headers).status_code == 403
    # The hand-off is one pipeline, so the refused push reached the queue: its job does nothing.
    assert [wechat_events.handle(*job.args) for job in pumped_jobs(real_queue)] == ["skipped"]
    assert wechat_emulator.outbox("custom") == []


@pytest.mark.plaintext_pushes
def test_a_pushs_nonce_cannot_be_reused_by_a_handshake(wechat_emulator, enqueued, client):
    path, body, headers = wechat_emulator.sign(
        wechat_emulator.message("text", OPENID, content="card"), mode="plain"
    )
    assert client.post(path, data=body, headers=headers).get_data(as_text=True) == "success"
    assert client.get(path + "&echostr=7").status_code == 403


def test_each_refusal_is_counted_by_its_reason_and_nothing_is_handled(app, wechat_emulator, enqueued, client):
    """Forged, replayed and mis-moded pushes: each refused, each counted under its own outcome."""
    from app.wechat_emulator import PushSigner

    config = app.config
    message = wechat_emulator.message("text", OPENID, content="card")
    path, body, headers = wechat_emulator.sign(message)
    other_app = PushSigner(
        token=config["WECHAT_TOKEN"],
        aes_key=config["WECHAT_AES_KEY"],
        appid="wxOtherApp0000001",
        original_id=config["WECHAT_ORIGINAL_ID"],
    )
    for_someone_else = dict(message, ToUserName="gh_someone_else")
    attempts = {
        "bad_signature": [(path.replace("signature=", "signature=0", 1), body)],
        "stale_timestamp": [wechat_emulator.sign(message, timestamp=unix_now() - 301)[:2]],
        "bad_query": [("/wechat/callback?timestamp=soon&nonce=1&signature=x&encrypt_type=aes", body)],
        "wrong_mode": [wechat_emulator.sign(message, mode="plain")[:2]],
        "wrong_recipient": [wechat_emulator.sign(for_someone_else)[:2]],
        "wrong_appid": [other_app.request("/wechat/callback", message)[:2]],
    }
    before = {outcome: outcome_count(outcome) for outcome in attempts}
    for outcome, tries in attempts.items():
        for try_path, try_body in tries:
            response = client.post(try_path, data=try_body, headers=headers)
            assert response.status_code == 403, outcome
    assert {outcome: outcome_count(outcome) - before[outcome] for outcome in attempts} == dict.fromkeys(
        attempts, 1
    )
    assert enqueued == [] and wechat_emulator.outbox("custom") == []
    scraped = client.get("/metrics").get_data(as_text=True)
    for outcome in attempts:
        assert f'ssc_callback_outcomes_total{{outcome="{outcome}"}}' in scraped
