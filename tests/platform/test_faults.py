"""Fault handling: Redis or the database down answers 503 with a named code, and heals by itself."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from app.services.sessions import SessionStore
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL

from .tcp_proxy import TcpProxy


class RedisOutage:
    """Cut and restore Redis: a TCP proxy before real Redis, or the stand-in's connected switch."""

    def __init__(self):
        self.proxy = None
        self.server = None
        if TEST_REDIS_URL:
            url = make_url(TEST_REDIS_URL.replace("redis://", "mysql://", 1))
            self.proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379).start()
            self.config = {
                "REDIS_URL": f"redis://127.0.0.1:{self.proxy.port}/{url.database or 0}",
                "EMBEDDED_REDIS": False,
            }
        else:
            import fakeredis

            self.server = fakeredis.FakeServer()
            self.config = {"FAKEREDIS_SERVER": self.server}

    def down(self):
        """Redis stops answering."""
        if self.proxy:
            self.proxy.stop()
        else:
            self.server.connected = False

    def up(self):
        """Redis is back."""
        if self.proxy:
            self.proxy.start()
        else:
            self.server.connected = True

    def close(self):
        """Release the proxy."""
        if self.proxy:
            self.proxy.stop()


@pytest.fixture
def redis_outage():
    """A switchable Redis for one test."""
    outage = RedisOutage()
    yield outage
    outage.close()


def _token(app) -> dict:
    """A valid session for user 1, as a bearer header."""
    store = SessionStore(app.extensions["redis"], "session", app.config["SESSION_TTL_SECONDS"])
    return {"Authorization": f"Bearer {store.create(1, {'openid': 'o-probe', 'locale': None})}"}


def _assert_outage(response, dependency: str):
    assert response.status_code == 503, response.data
    error = response.get_json()["error"]
    assert error["code"] == f"service.{dependency}_unavailable"
    assert error["details"] == {"dependency": dependency}
    assert error["message"]
    assert error["request_id"]


def test_redis_down_answers_503_then_recovers(make_app, redis_outage):
    app = make_app(**redis_outage.config)
    client = app.test_client()
    headers = _token(app)
    assert client.get("/probe/private", headers=headers).status_code == 200

    redis_outage.down()
    _assert_outage(client.get("/probe/private", headers=headers), "redis")
    # The same failure raised inside a blueprint's before_request hook.
    _assert_outage(client.get("/probe-guarded/", headers=headers), "redis")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "redis" in ready.get_json()["error"]["details"]["down"]
    assert ready.get_json()["checks"]["redis"] != "ok"
    # Liveness does not depend on Redis: the process is fine, only not ready.
    assert client.get("/healthz").status_code == 200

    redis_outage.up()
    assert client.get("/probe/private", headers=headers).status_code == 200
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"


def test_redis_down_on_every_api_route_is_never_a_500(make_app, redis_outage):
    """Whatever routes exist today: with a token and Redis down, each answers an envelope, never 500."""
    app = make_app(**redis_outage.config)
    client = app.test_client()
    headers = _token(app)
    redis_outage.down()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "GET" not in rule.methods or rule.arguments:
            continue
        response = client.get(rule.rule, headers=headers)
        assert response.status_code != 500, (rule.rule, response.data)
        if response.status_code == 503:
            assert response.get_json()["error"]["code"] == "service.redis_unavailable", rule.rule
    # The metrics scrape says the queue cannot be read instead of failing.
    scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert 'ssc_job_queue_up{queue="ssc"} 0.0' in scrape.get_data(as_text=True)


def test_database_down_answers_503_and_readyz_names_it(make_app, tmp_path):
    """SQLite in a directory that does not exist yet: down; once it exists, ready again."""
    folder = tmp_path / "gone"
    app = make_app(DATABASE_URL=f"sqlite:///{folder}/db.sqlite3")
    client = app.test_client()

    _assert_outage(client.get("/probe/database"), "database")
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "database" in ready.get_json()["error"]["details"]["down"]

    folder.mkdir()
    assert client.get("/probe/database").get_json() == {"one": 1}
    assert client.get("/readyz").get_json()["checks"]["database"] == "ok"


@pytest.mark.real_mysql  # cutting a live MySQL connection needs a real MySQL/MariaDB
def test_mysql_down_answers_503_then_recovers(make_app):
    """A MySQL server that vanishes mid-life: 503 while gone, pooled connections replaced after."""
    url = make_url(TEST_DATABASE_URL)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306).start()
    try:
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = make_app(DATABASE_URL=proxied)
        client = app.test_client()
        assert client.get("/probe/database").status_code == 200

        proxy.stop()
        _assert_outage(client.get("/probe/database"), "database")
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "database" in ready.get_json()["error"]["details"]["down"]

        proxy.start()
        assert client.get("/probe/database").get_json() == {"one": 1}
        assert client.get("/readyz").get_json()["checks"]["database"] == "ok"
    finally:
        proxy.stop()


@pytest.mark.real_redis  # rate limits live in Redis only with a real Redis
def test_rate_limited_route_with_redis_down_is_503_then_recovers(make_app, redis_outage):
    """Flask-Limiter keeps its counters in the same Redis: its failure is an outage, not a 500."""
    from app.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_outage.config["REDIS_URL"],
                   **redis_outage.config)

    @app.get("/probe-limited")
    @limiter.limit("1000/minute")
    def limited():
        return {"ok": True}

    client = app.test_client()
    assert client.get("/probe-limited").status_code == 200
    redis_outage.down()
    _assert_outage(client.get("/probe-limited"), "redis")
    redis_outage.up()
    assert client.get("/probe-limited").status_code == 200
