"""The emulator's subscribe-send shortcut: the same answers and effects as its Flask view, which keeps the rest."""

from __future__ import annotations

import json
import re

import pytest
from flask import request
from werkzeug.test import EnvironBuilder, run_wsgi_app

from app.wechat_emulator import create_emulator
from app.wechat_emulator.subscribe import PATH, SubscribeSendShortcut

OPENID = "oShortcutUser001"
TEMPLATE = "tmpl_notice_update"
DATA = {
    "thing1": {"value": "New rule for permits"},
    "thing2": {"value": "Read before May"},
    "time3": {"value": "2026-12-01 09:00"},
}


def message(**changes) -> dict:
    """A valid send body with some fields changed (None removes one)."""
    body = {
        "touser": OPENID,
        "template_id": TEMPLATE,
        "data": DATA,
        "lang": "en_US",
        "miniprogram_state": "formal",
        "page": "pages/notices/index?id=7",
        **changes,
    }
    return {key: value for key, value in body.items() if value is not None}


def emulators():
    """(answered by the shortcut, answered by the Flask view alone), each recording what Flask dispatched."""
    shortcut, flask_only = create_emulator(), create_emulator()
    flask_only.wsgi_app = flask_only.wsgi_app.wsgi_app
    for emulator in (shortcut, flask_only):
        emulator.dispatched = []
        emulator.before_request(lambda emulator=emulator: emulator.dispatched.append(request.path))
    assert isinstance(shortcut.wsgi_app, SubscribeSendShortcut)
    return shortcut, flask_only


CASES = {
    "sent": dict(body=message()),
    "any content type": dict(body=message(), content_type="text/plain"),
    "no token": dict(body=message(), token=False),
    "forged token": dict(body=message(), token="at_forged"),
    "expired token": dict(body=message(), expire=True),
    "not JSON": dict(raw=b"touser=o123456"),
    "a JSON list": dict(raw=b"[1, 2]"),
    "bad openid": dict(body=message(touser="x1")),
    "unknown template": dict(body=message(template_id="tmpl_nope")),
    "bad lang": dict(body=message(lang="fr_FR")),
    "bad state": dict(body=message(miniprogram_state="beta")),
    "page too long": dict(body=message(page="p" * 1025)),
    "refused value": dict(body=message(data={**DATA, "thing1": {"value": "x" * 21}})),
    "no quota": dict(body=message(), quota=0),
}


def answer(emulator, case: dict):
    """Prepare the emulator's state for a case and post it; (status, content type, JSON with the rid masked)."""
    state = emulator.extensions["wechat_emulator"]
    state.grant_subscription(OPENID, TEMPLATE, case.get("quota", 1))
    token = state.issue_token("stable").value
    if case.get("expire"):
        state.expire_tokens()
    token = case.get("token", token)
    body = case.get("raw") or json.dumps(case.get("body")).encode()
    response = emulator.test_client().post(
        PATH,
        query_string={"access_token": token} if token else None,
        data=body,
        content_type=case.get("content_type", "application/json"),
    )
    payload = response.get_json()
    if "errmsg" in payload:
        payload["errmsg"] = re.sub(r" rid: [0-9a-f]{8}$", " rid: *", payload["errmsg"])
    return response.status_code, response.headers["Content-Type"], response.headers["Content-Length"], payload


@pytest.mark.parametrize("name", CASES)
def test_shortcut_answers_as_the_flask_view(name):
    shortcut, flask_only = emulators()
    assert answer(shortcut, CASES[name]) == answer(flask_only, CASES[name])
    assert shortcut.dispatched == [] and flask_only.dispatched == [PATH]
    states = [emulator.extensions["wechat_emulator"] for emulator in (shortcut, flask_only)]
    assert states[0].calls == states[1].calls == {"subscribe_send": 1}
    assert states[0].users[OPENID].quota == states[1].users[OPENID].quota
    outboxes = [[{k: v for k, v in m.items() if k != "at"} for m in state.sent()] for state in states]
    assert outboxes[0] == outboxes[1]


def test_a_send_is_checked_and_counted_once():
    shortcut, _ = emulators()
    assert answer(shortcut, CASES["sent"])[3] == {
        "errcode": 0,
        "errmsg": "ok",
        "msgid": 3_000_000_000_000_000_001,
    }
    state = shortcut.extensions["wechat_emulator"]
    assert state.users[OPENID].quota[TEMPLATE] == 0
    assert [m["page"] for m in state.sent("subscribe")] == ["pages/notices/index?id=7"]


def test_injected_faults_and_delays_go_through_the_flask_view():
    shortcut, _ = emulators()
    state = shortcut.extensions["wechat_emulator"]
    state.fail("subscribe_send", errcode=-1, times=1)
    assert answer(shortcut, CASES["sent"])[3]["errcode"] == -1
    assert shortcut.dispatched == [PATH]
    assert answer(shortcut, CASES["sent"])[3]["errcode"] == 0
    assert shortcut.dispatched == [PATH]  # the fault was used up: the shortcut answered
    state.slow("subscribe_send", 0.01)
    assert answer(shortcut, CASES["sent"])[3]["errcode"] == 0
    assert shortcut.dispatched == [PATH, PATH]
    assert state.calls["subscribe_send"] == 3


def test_other_routes_and_methods_and_streamed_bodies_go_to_the_app():
    shortcut, _ = emulators()
    state = shortcut.extensions["wechat_emulator"]
    state.grant_subscription(OPENID, TEMPLATE, 1)
    token = state.issue_token("stable").value
    assert shortcut.test_client().get(PATH).status_code == 405
    builder = EnvironBuilder(
        path=PATH,
        method="POST",
        query_string={"access_token": token},
        data=json.dumps(message()).encode(),
        content_type="application/json",
    )
    environ = builder.get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True  # a server that de-chunked the body says so
    app_iter, status, _ = run_wsgi_app(shortcut, environ, buffered=True)
    assert status == "200 OK" and json.loads(b"".join(app_iter))["errcode"] == 0
    assert shortcut.dispatched == [PATH, PATH]
