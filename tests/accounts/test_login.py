"""Signing in through wechatpy's HTTP calls to the emulator: success, retries, every WeChat error."""

from __future__ import annotations

import threading

import pytest

from app.accounts import auth, sessions
from app.accounts.models.user import UserAccount
from app.extensions import get_redis

OPENID = "oLoginUser000001"


def post_login(client, code, **extra):
    return client.post("/api/v1/auth/login", json={"code": code, **extra})


def test_login_creates_user_and_session(client, db, wechat_emulator, redis_client):
    code = wechat_emulator.mint_login_code(OPENID, unionid="uUnion0001")
    response = post_login(client, code, language="ko")
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"token", "expires_in", "locale", "dir", "user"}
    assert body["locale"] == "ko" and body["dir"] == "ltr"
    assert body["user"]["locale"] is None and body["user"]["verified"] is False
    user = db.session.get(UserAccount, body["user"]["id"])
    assert user.openid == OPENID and user.unionid == "uUnion0001" and user.last_login_at
    session = auth.user_sessions().get(body["token"])
    assert session.data == {"openid": OPENID, "locale": None, "client_locale": "ko"}
    # session_key stays on the server: not in the answer, stored encrypted.
    assert "session_key" not in response.get_data(as_text=True)
    key = wechat_emulator.state.users[OPENID].session_key
    assert auth.session_key_for(user.id) == key
    assert key.encode() not in redis_client.get(auth.session_key_key(user.id))
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200


def test_login_in_arabic_says_rtl(client, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    body = post_login(client, code, language="ar").json
    assert body["locale"] == "ar" and body["dir"] == "rtl"


def test_retry_with_same_code_returns_same_session(client, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    first = post_login(client, code).json
    second = post_login(client, code).json
    assert first["token"] == second["token"]
    assert wechat_emulator.calls("jscode2session") == 1


def test_parallel_double_submit_shares_one_exchange(app, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    wechat_emulator.slow("jscode2session", 0.4)
    results = []

    def submit():
        results.append(post_login(app.test_client(), code))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200, 200]
    assert results[0].json["token"] == results[1].json["token"]
    assert wechat_emulator.calls("jscode2session") == 1


def test_retry_after_logout_is_refused(client, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    token = post_login(client, code).json["token"]
    assert client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    response = post_login(client, code)
    assert response.status_code == 401 and response.json["error"]["code"] == "auth.invalid_code"


def test_saved_locale_wins_over_client_language(client, db, wechat_emulator):
    db.session.add(UserAccount(openid=OPENID, locale="ja"))
    db.session.commit()
    body = post_login(client, wechat_emulator.mint_login_code(OPENID), language="fr").json
    assert body["locale"] == "ja" and body["user"]["locale"] == "ja"


def test_unknown_code_is_401(client, wechat_emulator):
    response = post_login(client, "never-minted")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "auth.invalid_code"


def test_expired_code_is_401(client, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    wechat_emulator.advance(301)
    assert post_login(client, code).json["error"]["code"] == "auth.invalid_code"


def test_used_code_is_401(app, client, wechat_emulator):
    code = wechat_emulator.mint_login_code(OPENID)
    app.extensions["wechat"].code_to_session(code)  # someone else spent it (40163)
    response = post_login(client, code)
    assert response.status_code == 401 and response.json["error"]["code"] == "auth.invalid_code"


def test_rate_limited_user_is_429(client, wechat_emulator):
    wechat_emulator.fail("jscode2session", errcode=45011)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 429 and response.json["error"]["code"] == "wechat.rate_limited"


def test_more_than_100_logins_a_minute_is_45011(app, wechat_emulator):
    from app.wechat.errors import WeChatRateLimited

    client = app.extensions["wechat"]
    for _ in range(100):
        client.code_to_session(wechat_emulator.mint_login_code(OPENID))
    try:
        client.code_to_session(wechat_emulator.mint_login_code(OPENID))
    except WeChatRateLimited as error:
        assert error.errcode == 45011
    else:
        raise AssertionError("the 101st login in a minute was accepted")


def test_high_risk_user_is_403(client, wechat_emulator):
    wechat_emulator.set_high_risk(OPENID)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 403 and response.json["error"]["code"] == "auth.account_restricted"


def test_locked_account_is_403(client, db, wechat_emulator):
    db.session.add(UserAccount(openid=OPENID, status="locked"))
    db.session.commit()
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 403


def test_system_busy_is_503(client, wechat_emulator):
    wechat_emulator.fail("jscode2session", errcode=-1)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 503 and response.json["error"]["code"] == "wechat.unavailable"


def test_http_500_is_503(client, wechat_emulator):
    wechat_emulator.fail("jscode2session", status=502)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 503


def test_timeout_is_503(app, client, wechat_emulator):
    app.extensions["wechat"].timeout = 0.2
    app.extensions["wechat"]._sdk.timeout = 0.2
    wechat_emulator.slow("jscode2session", 0.6)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 503 and response.json["error"]["code"] == "wechat.unavailable"


def test_unreachable_wechat_is_503(app, client, wechat_emulator):
    app.extensions["wechat"].set_api_base("http://127.0.0.1:9/")
    response = post_login(client, "any-code")
    assert response.status_code == 503


def test_login_does_not_fetch_an_access_token(client, wechat_emulator):
    wechat_emulator.fail("stable_token", errcode=40164, times=None)
    assert post_login(client, wechat_emulator.mint_login_code(OPENID)).status_code == 200
    assert wechat_emulator.calls("stable_token") == 0


def test_login_validates_input(client, wechat_emulator):
    assert client.post("/api/v1/auth/login", data="nope").status_code == 400
    response = post_login(client, "")
    assert response.status_code == 422 and response.json["error"]["details"]["errors"][0]["field"] == "code"
    assert post_login(client, "x" * 500).status_code == 422
    assert post_login(client, 12345).status_code == 422


def test_logout_requires_a_session(client):
    response = client.post("/api/v1/auth/logout")
    assert response.status_code == 401 and response.json["error"]["code"] == "auth.required"


def test_secrets_never_reach_the_logs(client, wechat_emulator, caplog, capsys):
    import logging

    caplog.set_level(logging.DEBUG)
    code = wechat_emulator.mint_login_code(OPENID)
    token = post_login(client, code).json["token"]
    session_key = wechat_emulator.state.users[OPENID].session_key
    logged = caplog.text + capsys.readouterr().err
    for secret in (session_key, "demo-secret", code, token):
        assert secret not in logged


def test_later_requests_keep_the_sign_in_language_without_headers(client, wechat_emulator):
    code = wechat_emulator.mint_login_code("o_language_memory_1")
    token = client.post("/api/v1/auth/login", json={"code": code, "language": "ko"}).get_json()["token"]
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.headers["Content-Language"] == "ko"
    other = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Client-Language": "ja"})
    assert other.headers["Content-Language"] == "ja"


@pytest.mark.parametrize(
    ("errcode", "status", "code"),
    [
        (-1, 503, "wechat.unavailable"),  # WeChat busy: the code is not spent, try again
        (None, 503, "wechat.unavailable"),  # WeChat unreachable
        (45011, 429, "wechat.rate_limited"),
        (40029, 401, "auth.invalid_code"),
    ],
)
def test_a_submission_waiting_on_a_failed_parallel_exchange_gets_its_answer(
    app, wechat_emulator, monkeypatch, errcode, status, code
):
    """Two submissions of one code share one exchange; when it fails, both answer as the failure says.

    The first submission's exchange is held until the second is seen waiting on it, so the two
    always overlap, however late a thread starts on a busy machine.
    """
    from app.wechat.client import WeChatApi

    login_code = wechat_emulator.mint_login_code(OPENID)
    if errcode is None:
        wechat_emulator.fail("jscode2session", status=502)
    else:
        wechat_emulator.fail("jscode2session", errcode=errcode)
    exchanging, second_waits = threading.Event(), threading.Event()
    exchange, wait_for_other = WeChatApi.code_to_session, auth._wait_for_other

    def held_exchange(self, js_code):
        exchanging.set()
        assert second_waits.wait(10), "the second submission never waited for the first"
        return exchange(self, js_code)  # then WeChat (the emulator) answers, over real HTTP

    def noted_wait(*args):
        second_waits.set()
        return wait_for_other(*args)

    monkeypatch.setattr(WeChatApi, "code_to_session", held_exchange)
    monkeypatch.setattr(auth, "_wait_for_other", noted_wait)
    results = []

    def submit():
        results.append(post_login(app.test_client(), login_code))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    threads[0].start()
    assert exchanging.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join()
    assert wechat_emulator.calls("jscode2session") == 1
    assert [(r.status_code, (r.json.get("error") or {}).get("code")) for r in results] == [
        (status, code)
    ] * 2, [r.json for r in results]
    assert all(r.json["locale"] and r.json["error"]["message"] for r in results)  # the localized envelope
    if status == 503:
        monkeypatch.setattr(WeChatApi, "code_to_session", exchange)
        assert post_login(app.test_client(), login_code).status_code == 200  # the code was not spent


def _on_engines(event_name: str, listener):
    """Listen to `event_name` on the app's engines; returns the function that stops listening."""
    from sqlalchemy import event

    from app.extensions import db, read_engine

    engines = {db.engine, read_engine()}
    for engine in engines:
        event.listen(engine, event_name, listener)
    return lambda: [event.remove(engine, event_name, listener) for engine in engines]


def _count_statements(statements):
    """Collect the SQL text sent; returns the function that stops collecting."""
    return _on_engines(
        "before_cursor_execute", lambda _conn, _cursor, statement, *_args: statements.append(statement)
    )


def test_a_returning_sign_in_costs_one_read_and_one_update(app, client, db, wechat_emulator):
    """The soak's sign-in: no ORM refresh after the commit, no separate transaction round trips."""
    first = post_login(client, wechat_emulator.mint_login_code(OPENID, unionid="uUnion0001")).json
    db.session.get(UserAccount, first["user"]["id"]).locale = "de"
    db.session.commit()
    statements: list[str] = []
    stop = _count_statements(statements)
    try:
        body = post_login(client, wechat_emulator.mint_login_code(OPENID, unionid="uUnion0002")).json
    finally:
        stop()
    assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"], statements
    assert body["user"] == {"id": first["user"]["id"], "locale": "de", "verified": False, "status": "active"}
    assert body["locale"] == "de"
    db.session.expire_all()
    user = db.session.get(UserAccount, body["user"]["id"])
    assert user.unionid == "uUnion0002" and user.last_login_at is not None


def _statement_objects(objects):
    """Collect the statement objects the engines execute; returns the function that stops collecting."""
    return _on_engines("before_execute", lambda _conn, clause, *_args: objects.append(clause))


def test_a_returning_sign_ins_statements_are_built_once(app, client, db, wechat_emulator):
    """Each sign-in runs the same statement objects (one built per sign-in costs SQLAlchemy a cache-key walk)."""
    first = post_login(client, wechat_emulator.mint_login_code(OPENID, unionid="uUnion0001")).json
    runs: list[list] = []
    for unionid in ("uUnion0001", None):
        runs.append([])
        stop = _statement_objects(runs[-1])
        try:
            assert (
                post_login(client, wechat_emulator.mint_login_code(OPENID, unionid=unionid)).status_code
                == 200
            )
        finally:
            stop()
    assert len(runs[0]) == 2 and all(a is b for a, b in zip(runs[0], runs[1], strict=True)), runs
    db.session.expire_all()
    user = db.session.get(UserAccount, first["user"]["id"])
    assert user.unionid == "uUnion0001"  # a sign-in without a unionid keeps the one WeChat gave before


def test_a_returning_sign_in_costs_two_redis_round_trips(app, client, db, wechat_emulator, monkeypatch):
    """The code's lock, then the session with the code's outcome: the session is not a round trip of its own."""
    import redis.client

    post_login(client, wechat_emulator.mint_login_code(OPENID))
    trips: list[str] = []
    real_execute, real_command = redis.client.Pipeline.execute, redis.client.Redis.execute_command

    def execute(pipe, *args, **kwargs):
        trips.append("pipeline: " + ", ".join(str(c[0][0]) for c in pipe.command_stack))
        return real_execute(pipe, *args, **kwargs)

    def command(redis_client, *args, **kwargs):
        if not isinstance(redis_client, redis.client.Pipeline):
            trips.append(str(args[0]))
        return real_command(redis_client, *args, **kwargs)

    monkeypatch.setattr(redis.client.Pipeline, "execute", execute)
    monkeypatch.setattr(redis.client.Redis, "execute_command", command)
    body = post_login(client, wechat_emulator.mint_login_code(OPENID)).json
    monkeypatch.undo()
    assert len(trips) == 2, trips
    assert trips[1].startswith("pipeline: SET, SADD, EXPIRE, EXPIRE, SET, SET, SET, DEL"), trips
    assert get_redis().exists(sessions.session_key("session", body["token"]))


def test_a_lock_made_between_the_read_and_the_update_wins(app, client, db, wechat_emulator, monkeypatch):
    """The account is locked while its sign-in is on its way: 403, and no session is made."""
    from sqlalchemy import update

    from app.extensions import read_first

    post_login(client, wechat_emulator.mint_login_code(OPENID))
    real_read = read_first

    def read_then_lock(statement, params):
        row = real_read(statement, params)
        if params.get("openid") == OPENID:
            with db.engine.begin() as conn:
                conn.execute(update(UserAccount).where(UserAccount.openid == OPENID).values(status="locked"))
        return row

    monkeypatch.setattr(auth, "read_first", read_then_lock)
    sessions_before = len(list(get_redis().scan_iter(match="ssc:session:*")))
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 403 and response.json["error"]["code"] == "auth.account_restricted"
    assert len(list(get_redis().scan_iter(match="ssc:session:*"))) == sessions_before


def test_an_account_deleted_during_its_sign_in_signs_up_anew(app, client, db, wechat_emulator, monkeypatch):
    """The account is erased between the read and the update: a new account, not a 500."""
    from sqlalchemy import delete

    from app.extensions import read_first

    first = post_login(client, wechat_emulator.mint_login_code(OPENID)).json
    real_read = read_first
    deleted = []

    def read_then_delete(statement, params):
        row = real_read(statement, params)
        if params.get("openid") == OPENID and not deleted:
            deleted.append(True)
            with db.engine.begin() as conn:
                conn.execute(delete(UserAccount).where(UserAccount.openid == OPENID))
        return row

    monkeypatch.setattr(auth, "read_first", read_then_delete)
    response = post_login(client, wechat_emulator.mint_login_code(OPENID))
    assert response.status_code == 200
    assert response.json["user"]["id"] != first["user"]["id"]
