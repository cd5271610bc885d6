"""Shared fixtures: the app on embedded defaults, or on real MariaDB/Redis when asked.

Set TEST_DATABASE_URL (e.g. mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4) and
TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15) to run the suite against real backends.
"""

from __future__ import annotations

import os
import tempfile

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")
REAL_BACKENDS = bool(TEST_DATABASE_URL or TEST_REDIS_URL)


def pytest_report_header(config):
    """Say which backends this run uses."""
    return [
        f"database: {TEST_DATABASE_URL or 'embedded SQLite'}",
        f"redis: {TEST_REDIS_URL or 'embedded stand-in (fakeredis)'}",
    ]


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
def app_config(database_url):
    """Override hook: a test module may redefine this to change settings."""
    return make_test_config(database_url)


@pytest.fixture
def app(_schema, app_config):
    """A fresh app per test on a clean database and an empty Redis."""
    application = create_app(app_config)
    _clean_tables(application)
    redis_client = application.extensions["redis"]
    redis_client.flushdb()
    ctx = application.app_context()
    ctx.push()
    yield application
    _db.session.remove()
    ctx.pop()
    redis_client.flushdb()
    with application.app_context():
        _db.engine.dispose()


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

    from app.models.user import UserAccount
    from app.services.sessions import SessionStore

    def _login(user=None, *, openid=None, locale=None):
        if user is None:
            user = UserAccount(openid=openid or "o" + secrets.token_hex(12), locale=locale)
            _db.session.add(user)
            _db.session.commit()
        store = SessionStore(app.extensions["redis"], "session", app.config["SESSION_TTL_SECONDS"])
        token = store.create(user.id, {"openid": user.openid, "locale": user.locale})
        return {"Authorization": f"Bearer {token}"}

    return _login
