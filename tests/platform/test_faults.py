"""Fault handling: Redis down or slow, or the database down, answers 503 with a named code, and heals by itself."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.accounts.models.user import UserAccount
from app.accounts.sessions import SessionStore
from app.extensions import db
from app.journeys.models import FlowState
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL, make_test_config
from tests.factories import make_person, make_user
from tests.verify.conftest import Journey

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

    def slow(self, seconds: float):
        """Redis answers, but every request and every answer is held back `seconds` (real Redis only)."""
        self.proxy.delay = seconds

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
    """Route limits keep their counters in the same Redis: its failure is an outage, not a 500."""
    from app.rate_limits import rate_limit

    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_outage.config["REDIS_URL"], **redis_outage.config
    )

    @app.get("/probe-limited")
    @rate_limit("1000/minute")
    def limited():
        return {"ok": True}

    client = app.test_client()
    assert client.get("/probe-limited").status_code == 200
    redis_outage.down()
    _assert_outage(client.get("/probe-limited"), "redis")
    redis_outage.up()
    assert client.get("/probe-limited").status_code == 200


# -- Redis slow, not down ----------------------------------------------------------------------------

#: The Redis socket timeout of the slow-Redis tests (production default: 2 s), to keep them fast.
REDIS_TIMEOUT = 0.5
#: Held back per chunk, each way: a slower Redis than usual, still well inside the timeout.
SLUGGISH = 0.05
#: Held back per chunk, each way: far longer than the timeout, so every command gives up, and
#: longer than BOUND, so a request that waited for Redis instead of timing out fails the bound.
STALLED = 4.0
#: The longest a request may take to answer 503 while Redis stalls: about one timeout, plus slack
#: for a busy machine (a CI host running other jobs).
BOUND = REDIS_TIMEOUT * 2 + 1.5


def _timed(call):
    """(the response, seconds it took)."""
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_redis_socket_timeout_is_a_setting(monkeypatch, make_app):
    """REDIS_SOCKET_TIMEOUT_SECONDS (default 2) reaches the Redis client."""
    from app.config import BaseConfig, load_config

    assert BaseConfig.REDIS_SOCKET_TIMEOUT_SECONDS == 2.0
    monkeypatch.setenv("REDIS_SOCKET_TIMEOUT_SECONDS", "0.75")
    assert load_config({"APP_ENV": "testing"})["REDIS_SOCKET_TIMEOUT_SECONDS"] == 0.75
    app = make_app(REDIS_URL="redis://127.0.0.1:1/0", EMBEDDED_REDIS=False, REDIS_SOCKET_TIMEOUT_SECONDS=0.75)
    options = app.extensions["redis"].connection_pool.connection_kwargs
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.75


@pytest.mark.real_redis  # slowness needs a socket to slow down
def test_redis_slower_than_usual_but_within_its_timeout_still_serves(make_app, redis_outage):
    app = make_app(REDIS_SOCKET_TIMEOUT_SECONDS=REDIS_TIMEOUT, **redis_outage.config)
    client = app.test_client()
    headers = _token(app)
    redis_outage.slow(SLUGGISH)
    response, elapsed = _timed(lambda: client.get("/probe/private", headers=headers))
    assert response.status_code == 200
    assert elapsed >= SLUGGISH * 2  # the delay really applied
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["redis"] == "ok"


@pytest.mark.real_redis  # slowness needs a socket to slow down
def test_redis_slower_than_its_timeout_answers_503_in_bounded_time_then_recovers(make_app, redis_outage):
    app = make_app(REDIS_SOCKET_TIMEOUT_SECONDS=REDIS_TIMEOUT, **redis_outage.config)
    client = app.test_client()
    headers = _token(app)
    assert client.get("/probe/private", headers=headers).status_code == 200

    redis_outage.slow(STALLED)
    # The hot screens' WSGI fast path meets the stall first; Flask then answers without a second wait.
    for path in ("/probe/private", "/probe-guarded/", "/api/v1/card", "/api/v1/flows/verify"):
        response, elapsed = _timed(lambda path=path: client.get(path, headers=headers))
        _assert_outage(response, "redis")
        assert elapsed < BOUND, (path, elapsed)
    ready, elapsed = _timed(lambda: client.get("/readyz"))
    assert ready.status_code == 503 and elapsed < BOUND
    assert "redis" in ready.get_json()["error"]["details"]["down"]
    assert ready.get_json()["checks"]["redis"] != "ok"
    assert client.get("/healthz").status_code == 200

    redis_outage.slow(0)  # no restart, no reconfiguration: the next requests just work
    assert client.get("/probe/private", headers=headers).status_code == 200
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"


@pytest.mark.real_redis  # slowness needs a socket to slow down
class TestSlowRedisLeavesNothingHalfDone:
    """Requests refused while Redis stalls change nothing: once it is quick again, they simply work."""

    @pytest.fixture
    def app_config(self, database_url, redis_outage):
        """The test app reaches Redis through the proxy, with a short socket timeout."""
        return make_test_config(
            database_url, REDIS_SOCKET_TIMEOUT_SECONDS=REDIS_TIMEOUT, **redis_outage.config
        )

    @pytest.fixture
    def slow(self, app, redis_outage):
        """Set Redis's slowness; quick again before the app's own cleanup runs."""
        yield redis_outage.slow
        redis_outage.slow(0)

    def test_a_login_refused_while_redis_stalls_spends_nothing(self, client, wechat_emulator, slow):
        openid = "oSlowRedisLogin01"
        code = wechat_emulator.mint_login_code(openid)
        slow(STALLED)
        response, elapsed = _timed(lambda: client.post("/api/v1/auth/login", json={"code": code}))
        _assert_outage(response, "redis")
        assert elapsed < BOUND
        # Refused before WeChat was asked: the code is not spent and no account was made.
        assert wechat_emulator.calls("jscode2session") == 0
        assert db.session.scalar(select(func.count()).select_from(UserAccount)) == 0

        slow(0)
        retry = client.post("/api/v1/auth/login", json={"code": wechat_emulator.mint_login_code(openid)})
        assert retry.status_code == 200, retry.get_json()
        assert (
            client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {retry.get_json()['token']}"}
            ).status_code
            == 200
        )
        assert db.session.scalar(select(func.count()).select_from(UserAccount)) == 1

    def test_a_journey_step_refused_while_redis_stalls_is_not_half_saved(self, client, login, slow):
        user = make_user(locale="en")
        trip = Journey(client, login(user))
        person = make_person(passport_name="SLOW, Redis")
        trip.to_check(person)
        saved = db.session.scalars(select(FlowState).where(FlowState.user_id == user.id)).one()
        before = (saved.step, saved.version, dict(saved.answers))

        slow(STALLED)
        response, elapsed = _timed(lambda: trip.post("check", "confirm"))
        _assert_outage(response, "redis")
        assert elapsed < BOUND
        db.session.expire_all()
        saved = db.session.scalars(select(FlowState).where(FlowState.user_id == user.id)).one()
        assert (saved.step, saved.version, dict(saved.answers)) == before
        assert user.person_id is None

        slow(0)
        assert trip.get().get_json()["step"] == "check"
        assert trip.post("check", "confirm").get_json()["step"] == "second_factor"


# -- Redis failing over ------------------------------------------------------------------------------


def _failover_errors():
    from redis.exceptions import MasterDownError, ReadOnlyError
    from redis.sentinel import MasterNotFoundError

    return [
        pytest.param(ReadOnlyError("You can't write against a read only replica."), id="demoted-primary"),
        pytest.param(MasterDownError("Link with MASTER is down"), id="replica-without-primary"),
        pytest.param(MasterNotFoundError("No master found for 'ssc'"), id="sentinels-name-none"),
    ]


@pytest.mark.parametrize("error", _failover_errors())
def test_redis_failing_over_answers_503_never_500(make_app, monkeypatch, error):
    """What Redis answers during a failover (a demoted primary, a replica without one, sentinels naming none)."""
    from app.extensions import get_redis

    app = make_app()

    @app.post("/probe-redis-write")
    def write():
        get_redis().set("probe", "1")
        return {"ok": True}

    def answer(*args, **kwargs):
        raise error

    monkeypatch.setattr(app.extensions["redis"], "execute_command", answer)
    response = app.test_client().post("/probe-redis-write", headers={"Accept-Language": "zh-CN"})
    _assert_outage(response, "redis")
    assert response.get_json()["locale"] == "zh_Hans"
    assert (
        response.get_json()["error"]["message"]
        != "The service is temporarily unavailable. Please try again in a few minutes."
    )
