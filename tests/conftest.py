"""Shared fixtures: the app on embedded defaults, or on real MariaDB/Redis when asked.

Set TEST_DATABASE_URL (e.g. mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4) and
TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run the suite against real backends.
Set TEST_CLOCK (an ISO instant with its offset, e.g. 2027-01-01T00:30:00+08:00) to start every
test at that instant, the clock ticking on from there (docs/development.md, "Time").
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
REAL_BACKENDS = bool(TEST_DATABASE_URL or TEST_REDIS_URL)
TEST_CLOCK = os.environ.get("TEST_CLOCK")


def _test_clock() -> datetime | None:
    """The instant TEST_CLOCK names (aware), or None when unset; a usage error otherwise."""
    if not TEST_CLOCK:
        return None
    try:
        instant = datetime.fromisoformat(TEST_CLOCK)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(f"TEST_CLOCK must be an ISO instant with its offset, not {TEST_CLOCK!r}")
    return instant


def pytest_sessionstart(session):
    """Compile translation catalogs (and pseudo-locales) that are missing or older than their sources."""
    from app.i18n.catalogs import ensure_built

    ensure_built()


def pytest_collection_modifyitems(config, items):
    """Tests marked real_mysql/real_redis run only in the real-backend pass (never skipped there)."""
    is_mysql = (TEST_DATABASE_URL or "").startswith("mysql")
    kept, deselected = [], []
    for item in items:
        needs_mysql = item.get_closest_marker("real_mysql") is not None
        needs_redis = item.get_closest_marker("real_redis") is not None
        if (needs_mysql and not is_mysql) or (needs_redis and not TEST_REDIS_URL):
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_header(config):
    """Say which backends and which clock this run uses."""
    instant = _test_clock()
    clock = f"each test starts at {instant.isoformat()} (ticking)" if instant else "the machine's"
    return [
        f"database: {TEST_DATABASE_URL or 'embedded SQLite'}",
        f"redis: {TEST_REDIS_URL or 'embedded stand-in (fakeredis)'}",
        f"clock: {clock}; time zone TZ={os.environ.get('TZ', '(unset)')}",
    ]


@pytest.fixture(autouse=True)
def _clock_at_test_instant():
    """With TEST_CLOCK, every test starts at that instant and the clock ticks on from there.

    time-machine moves date.today(), datetime.now() and time.time() (not time.monotonic()), so
    sleeps, TTLs and timeouts still see time pass. It is given a Unix timestamp, not the datetime:
    with an aware datetime it would also set TZ to that datetime's zone, and the machine's zone is
    a separate axis of the edge runs.
    """
    instant = _test_clock()
    if instant is None:
        yield None
        return
    with time_machine.travel(instant.timestamp(), tick=True) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The database every test app uses: a temp SQLite file, or TEST_DATABASE_URL."""
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create the schema once per run (migrations are tested on their own)."""
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": database_url})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def make_test_config(database_url: str, **overrides) -> dict:
    """Test settings for one app: the shared database, a fresh Redis per test."""
    config = {"APP_ENV": "testing", "DATABASE_URL": database_url}
    if TEST_REDIS_URL:
        config.update({"REDIS_URL": TEST_REDIS_URL, "EMBEDDED_REDIS": False})
    config.update(overrides)
    return config


def _clean_tables(app) -> None:
    """Empty every table (children first) so each test starts from nothing."""
    with app.app_context():
        tables = list(reversed(_db.metadata.sorted_tables))
        with _db.engine.begin() as conn:
            if conn.dialect.name == "mysql":
                conn.execute(text("SET FOREIGN_KEY_CHECKS=0"))
            for table in tables:
                conn.execute(table.delete())
            if conn.dialect.name == "mysql":
                conn.execute(text("SET FOREIGN_KEY_CHECKS=1"))


@pytest.fixture
def app_config(database_url, request):
    """Override hook: a test module may redefine this to change settings.

    A test marked `plaintext_pushes` gets a mini program without an AES key (WeChat's plaintext
    mode); every other one pushes in safe or compatible mode, as a deployment with a key does.
    """
    config = make_test_config(database_url)
    if request.node.get_closest_marker("plaintext_pushes"):
        config["WECHAT_AES_KEY"] = None
    return config


class IsolatedClient(FlaskClient):
    """A test client whose every request sees a fresh `g`, as in production.

    The `app` fixture keeps one app context pushed for the whole test (so tests can use the
    database), and Flask reuses it for test-client requests; without this, `g` (the loaded
    session, the chosen locale) would leak from one request, and one user, to the next.
    """

    def open(self, *args, **kwargs):
        saved = dict(vars(g)) if has_app_context() else None
        if saved is not None:
            vars(g).clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            if saved is not None:
                vars(g).clear()
                vars(g).update(saved)


@pytest.fixture
def app(_schema, app_config):
    """A fresh app per test on a clean database and an empty Redis."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    _clean_tables(application)
    redis_client = application.extensions["redis"]
    redis_client.flushdb()
    ctx = application.app_context()
    ctx.push()
    yield application
    _db.session.remove()
    ctx.pop()
    redis_client.flushdb()
    redis_client.connection_pool.disconnect()  # closed now, not by the garbage collector later
    with application.app_context():
        _db.engine.dispose()


#: 00:30 on 1 January 2027 in Shanghai, still 16:30 on 31 December 2026 in UTC.
USERS_DAY_AHEAD = datetime(2026, 12, 31, 16, 30, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def users_day_ahead(time_machine):
    """The clock at 00:30 in Shanghai on New Year's Day, the machine on UTC (still 31 December).

    The hours (16:00 to 24:00 UTC) when the users' date is a day ahead of a UTC machine's: a
    reader of the machine's date is a day off then. Given a ZoneInfo("UTC") instant, time-machine
    also sets TZ=UTC while the test runs. The clock ticks on.
    """
    time_machine.move_to(USERS_DAY_AHEAD)
    return USERS_DAY_AHEAD


@pytest.fixture
def db(app):
    """The SQLAlchemy handle, inside the app context."""
    return _db


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def redis_client(app):
    """The app's Redis (real or stand-in)."""
    return app.extensions["redis"]


@pytest.fixture
def login(app):
    """Sign a user in without WeChat: `headers = login(user)` or `login(openid=…, locale=…)`.

    Session data follows the login service's contract: {"openid", "locale"}.
    """
    import secrets

    from app.accounts.models.user import UserAccount
    from app.accounts.sessions import SessionStore

    def _login(user=None, *, openid=None, locale=None):
        if user is None:
            user = UserAccount(openid=openid or "o" + secrets.token_hex(12), locale=locale)
            _db.session.add(user)
            _db.session.commit()
        store = SessionStore(app.extensions["redis"], "session", app.config["SESSION_TTL_SECONDS"])
        token = store.create(user.id, {"openid": user.openid, "locale": user.locale})
        return {"Authorization": f"Bearer {token}"}

    return _login


@pytest.fixture(scope="session")
def _wechat_emulator_server():
    """One WeChat emulator served over real HTTP on a free loopback port for the whole run."""
    import threading

    from werkzeug.serving import WSGIRequestHandler, make_server

    from app.wechat_emulator import create_emulator

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    emulator = create_emulator()
    server = make_server("127.0.0.1", 0, emulator, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="wechat-emulator", daemon=True)
    thread.start()
    yield emulator, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def wechat_emulator(app, _wechat_emulator_server):
    """The WeChat emulator over real loopback HTTP, with `app` reconfigured to reach it through wechatpy.

    Usage: add `wechat_emulator` to a test's arguments (it needs `app`, so `app_config` overrides
    still apply). It returns an `EmulatorControl`:
        code = wechat_emulator.mint_login_code("oUser000001", phone="+8613800138000")
        wechat_emulator.mint_phone_code(openid, phone); wechat_emulator.grant_subscription(openid, tid, n=1)
        wechat_emulator.fail("subscribe_send", errcode=-1, times=1)   # or status=500, times=None
        wechat_emulator.slow("jscode2session", 2.0); wechat_emulator.advance(301)  # emulator clock
        wechat_emulator.outbox("subscribe") / .outbox("custom"); wechat_emulator.calls("stable_token")
        response = wechat_emulator.push("text", openid, content="card", fmt="xml", mode="safe")
    Endpoint names: jscode2session, stable_token, token, subscribe_send, custom_send, msg_sec_check,
    getuserphonenumber. The emulator state is reset and the shared access token forgotten per test;
    pushes are delivered to `app` through its test client.
    """
    from app.wechat_emulator import PushSigner
    from app.wechat_emulator.control import EmulatorControl

    emulator, base_url = _wechat_emulator_server
    config = app.config
    state = emulator.extensions["wechat_emulator"]
    state.reset()
    state.appid, state.secret = config["WECHAT_APPID"], config["WECHAT_SECRET"]
    state.original_id = config.get("WECHAT_ORIGINAL_ID")
    signer = PushSigner(
        token=config["WECHAT_TOKEN"],
        aes_key=config.get("WECHAT_AES_KEY"),
        appid=config["WECHAT_APPID"],
        original_id=config.get("WECHAT_ORIGINAL_ID"),
    )
    emulator.extensions["wechat_emulator_push"].update(signer=signer, callback_wsgi=app.wsgi_app)
    config["WECHAT_API_BASE"] = base_url
    client = app.extensions["wechat"]
    client.set_api_base(base_url)
    client.tokens.forget()
    test_client = app.test_client()

    def deliver(path, body, headers):
        return test_client.post(path, data=body, headers=headers)

    yield EmulatorControl(emulator, base_url, signer, deliver)
    state.reset()


@pytest.fixture
def flask_calls(app):
    """The requests the WSGI fast path handed to Flask, as a list of paths (it grows as they arrive)."""
    from tests.fast_path import fast_layer

    layer = fast_layer(app)
    inner = layer.wsgi_app
    seen: list[str] = []

    def counting(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    layer.wsgi_app = counting
    yield seen
    layer.wsgi_app = inner
