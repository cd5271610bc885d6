"""The per-request savings keep behaviour: sessions, request ids, rate limits and dead connections."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db, read_engine, read_first
from app.rate_limits import rate_limit
from app.web.flask_app import FlaskCachingSyncChecks
from tests.conftest import TEST_DATABASE_URL
from tests.redis_probe import commands_sent

MYSQL = (TEST_DATABASE_URL or "").startswith("mysql")


def test_ensure_sync_is_flasks_answer_remembered():
    """Plain functions come back as they are, async ones wrapped; each question is asked once."""
    app = FlaskCachingSyncChecks(__name__)
    wrapped_calls = []

    def fake_async_to_sync(func):
        """Stands in for Flask's asgiref wrapper (the async extra is not installed)."""
        wrapped_calls.append(func)
        return lambda *args, **kwargs: ("wrapped", func)

    app.async_to_sync = fake_async_to_sync

    def plain():
        return "plain"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is plain
    wrapped = app.ensure_sync(coroutine)
    assert wrapped() == ("wrapped", coroutine)
    assert app.ensure_sync(coroutine) is wrapped  # remembered, not wrapped again
    assert wrapped_calls == [coroutine]


def test_api_requests_get_an_empty_session_and_the_console_cookie_still_works(app, client, redis_client):
    """No cookie: an empty session without a Redis round trip; the console's cookie is read as before."""

    @app.get("/_session_probe")
    def session_probe():
        from flask import session

        return {"seen": session.get("seen", 0)}

    @app.post("/_session_probe")
    def session_count():
        from flask import session

        session["seen"] = session.get("seen", 0) + 1
        return {"seen": session["seen"]}

    with commands_sent(redis_client) as sent:
        assert client.get("/_session_probe").get_json() == {"seen": 0}
    assert sent == [] and client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session")) is None
    assert client.post("/_session_probe").get_json() == {"seen": 1}
    assert client.post("/_session_probe").get_json() == {"seen": 2}  # the cookie came back and was read
    assert client.get("/_session_probe").get_json() == {"seen": 2}  # the cookie came back and was read
    client.delete_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert client.post("/_session_probe").get_json() == {"seen": 1}


def test_request_id_is_new_hex_or_the_callers_sane_one(client):
    """A new id is 32 hex digits; a sane caller id is echoed; anything else is replaced."""
    fresh = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/healthz").headers["X-Request-ID"] != fresh
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc.DEF-123_x"}).headers["X-Request-ID"]
        == "abc.DEF-123_x"
    )
    for bad in ("short", "x" * 65, "bad id with spaces", "a\u00e9bcdefgh"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def _limited_app(make_app, **overrides):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **overrides)

    @app.get("/probe-route-limit")
    @rate_limit("2/minute")
    def route_limited():
        return {"ok": True}

    return app


def test_a_route_limit_answers_429_with_retry_after_and_costs_other_routes_nothing(make_app):
    """The route's limit answers 429 in the envelope with Retry-After; other routes are not counted."""
    app = _limited_app(make_app)
    client = app.test_client()
    assert [client.get("/probe-route-limit").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/probe-route-limit")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))
    storage = app.extensions["rate_limits"].storage
    assert storage.get("LIMITER/127.0.0.1/route_limited/2/1/minute") == 3  # Flask-Limiter's key


def test_a_route_limit_counts_each_client_address_apart(make_app):
    """Two addresses behind one route each get the whole limit."""
    client = _limited_app(make_app).test_client()
    first = [
        client.get("/probe-route-limit", environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
        for _ in range(3)
    ]
    second = client.get("/probe-route-limit", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code
    assert (first, second) == ([200, 200, 429], 200)


def test_read_first_retries_once_on_a_dead_connection(app, monkeypatch):
    """A read whose pooled connection died is tried again on a fresh one; other errors surface."""
    engine = read_engine()
    real_connect = engine.connect
    calls = []

    def dead():
        """What SQLAlchemy raises when a query finds its connection gone (and invalidates it)."""
        return DBAPIError("SELECT 1", {}, Exception("server has gone away"), connection_invalidated=True)

    def connect_dead_once():
        calls.append(1)
        if len(calls) == 1:
            raise dead()
        return real_connect()

    monkeypatch.setattr(type(engine), "connect", lambda self: connect_dead_once())
    assert read_first(select(text("1")), {})[0] == 1
    assert len(calls) == 2

    calls.clear()

    def broken_query():
        calls.append(1)
        raise DBAPIError("SELECT 1", {}, Exception("syntax error"))

    monkeypatch.setattr(type(engine), "connect", lambda self: broken_query())
    with pytest.raises(DBAPIError):
        read_first(select(text("1")), {})
    assert len(calls) == 1  # not a dead connection: not retried

    calls.clear()

    def always_dead():
        calls.append(1)
        raise dead()

    monkeypatch.setattr(type(engine), "connect", lambda self: always_dead())
    with pytest.raises(DBAPIError):
        read_first(select(text("1")), {})
    assert len(calls) == 2


def test_read_engine_fits_the_database(app):
    """MySQL reads on the autocommit engine; SQLite on the main one (a second engine might not share it)."""
    engine = read_engine()
    if MYSQL:
        assert engine is not db.engine
        with engine.connect() as conn:
            assert conn.execute(text("SELECT @@autocommit")).scalar_one() == 1
    else:
        assert engine is db.engine


@pytest.mark.real_mysql  # killing pooled server connections needs MySQL/MariaDB
def test_idle_dead_connections_are_replaced_before_use(make_app):
    """After a restart, an idle pooled connection is pinged and replaced: the request succeeds."""
    app = make_app(DATABASE_IDLE_PING_SECONDS=0.0)
    client = app.test_client()
    assert client.get("/probe/database").status_code == 200
    with app.app_context():
        _kill_server_side(db.engine)
    assert client.get("/probe/database").get_json() == {"one": 1}


@pytest.mark.real_mysql  # killing pooled server connections needs MySQL/MariaDB
def test_a_dead_connection_in_use_answers_503_then_the_next_request_succeeds(make_app):
    """Killed between two quick requests (no ping): one 503 envelope, then the pool has reconnected."""
    app = make_app(DATABASE_IDLE_PING_SECONDS=3600.0)
    client = app.test_client()
    assert client.get("/probe/database").status_code == 200
    with app.app_context():
        _kill_server_side(db.engine)
    failed = client.get("/probe/database")
    assert failed.status_code == 503
    assert failed.get_json()["error"]["details"]["dependency"] == "database"
    assert client.get("/probe/database").get_json() == {"one": 1}


@pytest.mark.real_mysql  # killing pooled server connections needs MySQL/MariaDB
def test_hot_reads_survive_a_killed_connection(make_app):
    """The read engine's single-statement reads retry on a fresh connection: no failed request."""
    app = make_app(DATABASE_IDLE_PING_SECONDS=3600.0)
    with app.app_context():
        engine = read_engine()
        assert read_first(select(text("1")), {})[0] == 1
        _kill_server_side(engine)
        assert read_first(select(text("1")), {})[0] == 1


def _kill_server_side(engine) -> None:
    """Kill the server side of the engine's idle pooled connections, as a database restart would."""
    import pymysql
    from sqlalchemy.engine import make_url

    held = [engine.raw_connection() for _ in range(max(engine.pool.checkedin(), 1))]
    ids = []
    for raw in held:
        cursor = raw.cursor()
        cursor.execute("SELECT CONNECTION_ID()")
        ids.append(cursor.fetchone()[0])
        cursor.close()
    for raw in held:
        raw.close()  # back to the pool while alive; killed there below, unknown to the pool

    url = make_url(TEST_DATABASE_URL)
    killer = pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username,
        password=url.password or "",
        database=url.database,
    )
    try:
        with killer.cursor() as cursor:
            for connection_id in ids:
                cursor.execute(f"KILL {int(connection_id)}")
    finally:
        killer.close()


def test_the_read_engine_leaves_other_apps_schema_alone(tmp_path):
    """An app on MySQL (never connected here) and then one on SQLite: create_all still works there."""
    from app import create_app

    create_app({"APP_ENV": "testing", "DATABASE_URL": "mysql+pymysql://nobody@127.0.0.1:1/none"})
    sqlite_app = create_app({"APP_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/other.sqlite3"})
    with sqlite_app.app_context():
        db.create_all()
        assert read_engine() is db.engine
        db.session.remove()
        db.engine.dispose()
