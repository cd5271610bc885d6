"""The emulator itself: control routes over HTTP, the /_wechat/ mount, pushes over HTTP, template rules."""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import select
from werkzeug.serving import make_server

from app.notices.models.subscription import SubscriptionQuota
from app.wechat import IN_PROCESS_BASE
from app.wechat_emulator import create_emulator
from app.wechat_emulator.__main__ import main as emulator_main
from app.wechat_emulator.templates import value_is_valid

OPENID = "oEmulatorUser001"


def test_control_routes_over_http(wechat_emulator):
    base = wechat_emulator.base_url
    minted = requests.post(base + "_control/login-code", json={"openid": OPENID}, timeout=5).json()
    answer = requests.get(
        base + "sns/jscode2session",
        params={
            "appid": "wx0000000000demo",
            "secret": "demo-secret",
            "js_code": minted["code"],
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()
    assert answer["openid"] == OPENID and answer["session_key"]
    requests.post(base + "_control/fail", json={"endpoint": "jscode2session", "errcode": 45011}, timeout=5)
    again = requests.get(base + "sns/jscode2session", params={"js_code": "x"}, timeout=5).json()
    assert again["errcode"] == 45011
    assert requests.post(
        base + "_control/phone-code", json={"openid": OPENID, "phone": "13800138000"}, timeout=5
    ).json()["code"]
    assert requests.post(base + "_control/phone-code", json={}, timeout=5).status_code == 400
    requests.post(base + "_control/high-risk", json={"openid": OPENID}, timeout=5)
    assert wechat_emulator.state.users[OPENID].high_risk
    requests.post(
        base + "_control/grant", json={"openid": OPENID, "template_id": "tmpl_card_status", "n": 2}, timeout=5
    )
    assert wechat_emulator.state.users[OPENID].quota["tmpl_card_status"] == 2
    many = requests.post(
        base + "_control/grant",
        json={"openids": [OPENID, "oEmulatorUser002"], "template_id": "tmpl_card_status"},
        timeout=5,
    )
    assert many.json() == {"ok": True, "users": 2}
    assert [
        wechat_emulator.state.users[o].quota["tmpl_card_status"] for o in (OPENID, "oEmulatorUser002")
    ] == [3, 1]
    assert (
        requests.post(
            base + "_control/grant", json={"openids": [], "template_id": "tmpl_card_status"}, timeout=5
        ).status_code
        == 400
    )
    requests.post(base + "_control/slow", json={"endpoint": "token", "seconds": 0}, timeout=5)
    requests.post(base + "_control/expire-tokens", timeout=5)
    assert requests.get(base + "_control/calls", timeout=5).json()["jscode2session"] == 2
    assert requests.get(base + "_control/outbox", params={"kind": "custom"}, timeout=5).json() == {
        "messages": []
    }
    requests.post(base + "_control/reset", timeout=5)
    assert wechat_emulator.state.users == {}


def test_emulator_refuses_wrong_credentials_and_missing_tokens(wechat_emulator):
    base = wechat_emulator.base_url
    assert (
        requests.post(
            base + "cgi-bin/stable_token",
            json={"grant_type": "client_credential", "appid": "wx0000000000demo", "secret": "nope"},
            timeout=5,
        ).json()["errcode"]
        == 40001
    )
    assert (
        requests.get(
            base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": "wxOther", "secret": "demo-secret"},
            timeout=5,
        ).json()["errcode"]
        == 40013
    )
    assert requests.post(base + "cgi-bin/message/custom/send", json={}, timeout=5).json()["errcode"] == 41001
    assert (
        requests.post(base + "wxa/msg_sec_check?access_token=forged", json={}, timeout=5).json()["errcode"]
        == 40001
    )


def test_embedded_defaults_reach_the_mounted_emulator_in_process(app, client):
    """Without WECHAT_API_BASE the app talks to its own /_wechat/ mount, with no socket involved."""
    assert app.config["WECHAT_API_BASE"] == IN_PROCESS_BASE
    state = app.extensions["wechat_emulator"].extensions["wechat_emulator"]
    code = state.mint_login_code(OPENID)
    response = client.post("/api/v1/auth/login", json={"code": code})
    assert response.status_code == 200
    assert client.get("/_wechat/_control/calls").json == {"jscode2session": 1}


def test_mounted_emulator_pushes_to_the_app_in_process(app, client, db):
    response = client.post(
        "/_wechat/_control/push",
        json={
            "kind": "popup",
            "openid": OPENID,
            "results": {"tmpl_card_status": "accept"},
            "fmt": "xml",
            "mode": "safe",
        },
    )
    assert response.json == {"status": 200, "body": "success"}
    assert db.session.scalars(select(SubscriptionQuota.available)).all() == [1]
    assert client.post("/_wechat/_control/push", json={"kind": "nope", "openid": OPENID}).status_code == 400
    assert client.post("/_wechat/_control/push", json={"kind": "text", "openid": OPENID}).status_code == 400


@pytest.fixture
def served_app(app):
    """The app under test behind a real HTTP server on loopback."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "mode", [pytest.param("plain", marks=pytest.mark.plaintext_pushes), "compatible", "safe"]
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_standalone_emulator_pushes_over_http(app, db, served_app, fmt, mode):
    emulator = create_emulator(callback_url=served_app + "/wechat/callback")
    response = emulator.test_client().post(
        "/_control/push",
        json={
            "kind": "popup",
            "openid": OPENID,
            "results": {"tmpl_notice_update": "accept", "tmpl_card_status": "reject"},
            "fmt": fmt,
            "mode": mode,
        },
    )
    assert response.json == {"status": 200, "body": "success"}
    db.session.expire_all()
    rows = {row.template_id: row.available for row in db.session.scalars(select(SubscriptionQuota))}
    assert rows == {"tmpl_notice_update": 1, "tmpl_card_status": 0}


def test_module_entry_point_parses_its_options(monkeypatch):
    started = {}
    monkeypatch.setattr("flask.Flask.run", lambda self, **kw: started.update(kw))
    emulator_main(["--port", "8099", "--callback", "http://127.0.0.1:5001/wechat/callback"])
    assert started == {"host": "127.0.0.1", "port": 8099, "threaded": True}


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("thing", "a" * 20, True),
        ("thing", "a" * 21, False),
        ("thing", "line\nbreak", False),
        ("number", "12.5", True),
        ("number", "12a", False),
        ("letter", "abc", True),
        ("letter", "ab1", False),
        ("symbol", "%", True),
        ("symbol", "%%%%%%", False),
        ("character_string", "AB-12_x", True),
        ("character_string", "has space", False),
        ("time", "15:01", True),
        ("time", "2019年10月1日 15:01", True),
        ("time", "15:01 ~ 16:00", True),
        ("time", "noon", False),
        ("date", "2018-01-01", True),
        ("date", "2018/01/01 09:00", True),
        ("date", "yesterday", False),
        ("amount", "¥100.50", True),
        ("amount", "100元", True),
        ("amount", "12345678901", False),
        ("phone_number", "+86-0766-66888866", True),
        ("phone_number", "call me", False),
        ("car_number", "粤A12345", True),
        ("car_number", "TOOLONG123", False),
        ("name", "Maria Gonzalez Lopez", True),
        ("name", "Maria Gonzalez Lopez Jr", False),
        ("name", "张伟明", True),
        ("name", "张" * 11, False),
        ("phrase", "已通过", True),
        ("phrase", "Passed", False),
        ("phrase", "已经通过审核了", False),
        ("unknown", "x", False),
        ("thing", "", False),
    ],
)
def test_keyword_rules(kind, value, ok):
    assert value_is_valid(kind, value) is ok


def test_http_push_is_retried_like_wechat_until_success(app, served_app, monkeypatch):
    """WeChat tries 3 times in all when the answer is not `success`; the retry is then a duplicate."""
    from app.api import wechat_callback

    answers = iter([(503, "unavailable")])
    original = wechat_callback.process_push

    def flaky(*args, **kwargs):
        return next(answers, None) or original(*args, **kwargs)

    monkeypatch.setattr(wechat_callback, "process_push", flaky)
    emulator = create_emulator(callback_url=served_app + "/wechat/callback")
    response = emulator.test_client().post("/_control/push", json={"kind": "enter", "openid": OPENID})
    assert response.json == {"status": 200, "body": "success"}


def test_http_push_to_nowhere_reports_failure():
    emulator = create_emulator(callback_url="http://127.0.0.1:9/wechat/callback")
    response = emulator.test_client().post("/_control/push", json={"kind": "enter", "openid": OPENID})
    assert response.json["status"] == 0
