"""Extension singletons and accessors; nothing connects at import time."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from flask import current_app
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, Executable, MetaData, Table
from sqlalchemy.orm import DeclarativeBase

from app.rate_limits import init_rate_limits

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with stable constraint names (so migrations diff cleanly)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()

if TYPE_CHECKING:
    # mypy cannot take an attribute (`db.Model`) as a base class; to it, a model is a Base.
    class Model(Base):
        """The base of every table: at run time `db.Model`, Base with Flask-SQLAlchemy's additions."""

        __abstract__ = True
else:
    Model = db.Model


def table_of(model: type[Model]) -> Table:
    """A model's table (SQLAlchemy types `__table__` as any FromClause; a declared model's is a Table)."""
    return cast(Table, model.__table__)


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session; the number of rows it matched."""
    # The session types every result as a Result; a DML statement's is a CursorResult, which counts rows.
    return cast(CursorResult, db.session.execute(statement)).rowcount


#: A pooled connection idle for longer than this is pinged before use (see _ping_idle_connections).
IDLE_PING_SECONDS = 2.0


def init_extensions(app) -> None:
    """Bind the database, migrations, CSRF, route rate limits, Redis and the job queue to the app."""
    db.init_app(app)
    app.extensions["read_engine"] = _make_read_engine(app)
    _ping_idle_connections(app)
    migrate.init_app(
        app, db, directory=str(app.config["MIGRATIONS_DIR"]), render_as_batch=True, compare_type=True
    )
    csrf.init_app(app)
    app.extensions["redis"] = _make_redis(app)
    init_rate_limits(app)
    app.extensions["queue"] = _make_queue(app)


def _make_read_engine(app):
    """The autocommit engine for hot reads on MySQL/MariaDB (config.read_engine_options), else None."""
    options = app.config.get("READ_ENGINE_OPTIONS")
    if not options:
        return None
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})  # as Flask-SQLAlchemy does for the main engine
    return create_engine(url, **options)


def _ping_idle_connections(app) -> None:
    """Ping a pooled MySQL connection before use only when it sat idle, instead of every time.

    `pool_pre_ping` costs a round trip on every checkout, which is most of a hot read. A
    connection used milliseconds ago is alive; one that sat idle may have died with a database
    restart, so it is pinged, and a dead one replaces the whole pool before the request uses it.
    (A restart within the idle window is still caught: the failed query answers 503 and
    SQLAlchemy invalidates the pool, so the next request reconnects.)
    """
    from sqlalchemy import event, exc

    idle_seconds = float(app.config.get("DATABASE_IDLE_PING_SECONDS", IDLE_PING_SECONDS))
    with app.app_context():
        engines = [
            engine
            for engine in (*db.engines.values(), app.extensions["read_engine"])
            if engine is not None and engine.dialect.name != "sqlite"
        ]
    for engine in engines:
        dialect = engine.dialect

        def checkin(dbapi_connection, record, _clock=time.monotonic):
            if record is not None:
                record.info["ssc_checked_in"] = _clock()

        def checkout(dbapi_connection, record, proxy, _dialect=dialect, _clock=time.monotonic):
            last_used = record.info.get("ssc_checked_in")
            if last_used is None or _clock() - last_used < idle_seconds:
                return  # fresh from connect(), or used moments ago
            try:
                _dialect.do_ping(dbapi_connection)
            except Exception as error:
                if _dialect.is_disconnect(error, dbapi_connection, None):
                    raise exc.InvalidatePoolError() from error  # the pool reconnects and retries
                raise

        event.listen(engine, "checkin", checkin)
        event.listen(engine, "checkout", checkout)


def _make_redis(app):
    """A real Redis client (at REDIS_URL, or through Redis Sentinel), or the in-process stand-in."""
    from app import redis_client

    if app.config.get("EMBEDDED_REDIS") or not (
        app.config.get("REDIS_URL") or redis_client.uses_sentinel(app.config)
    ):
        import fakeredis

        server = app.config.get("FAKEREDIS_SERVER") or fakeredis.FakeServer()
        app.config["FAKEREDIS_SERVER"] = server
        if not app.config.get("TESTING"):
            app.logger.warning(
                "Using the IN-PROCESS Redis stand-in: sessions, limits and jobs live in this "
                "process only. Set REDIS_URL for anything but local development."
            )
        return fakeredis.FakeRedis(server=server)
    return redis_client.connect(app.config)


def _make_queue(app):
    """The RQ queue: synchronous on the embedded defaults, on Redis otherwise."""
    from rq import Queue

    return Queue("ssc", connection=app.extensions["redis"], is_async=not app.config.get("JOBS_SYNC"))


def read_engine():
    """The engine for hot single-statement reads: autocommit on MySQL (see config), else the main one."""
    return current_app.extensions.get("read_engine") or db.engine


def read_first(statement, params: dict):
    """The first row of one SELECT outside the ORM session, on the read engine (one round trip).

    A pooled connection that died (the database restarted) is invalidated by SQLAlchemy when the
    SELECT fails; the read is then tried once more on a fresh connection, so the request succeeds.
    """
    from sqlalchemy.exc import DBAPIError

    engine = read_engine()
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                return conn.execute(statement, params).first()
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
    return None  # not reached: the loop returns or raises


def write_one(statement, params: dict | None = None) -> int:
    """Run one INSERT/UPDATE/DELETE committed on its own, outside the ORM session; the rows it matched.

    On MySQL it goes to the autocommit engine (one round trip, no BEGIN or COMMIT of its own).
    """
    with read_engine().begin() as conn:
        return conn.execute(statement, params or {}).rowcount


def get_redis():
    """The app's Redis client."""
    return current_app.extensions["redis"]


def get_queue():
    """The app's RQ queue."""
    return current_app.extensions["queue"]
