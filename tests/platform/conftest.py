"""Fixtures for the platform tests: apps built with extra probe routes, and switchable outages."""

from __future__ import annotations

import pytest
from flask import Blueprint, request
from sqlalchemy import text

from app import create_app
from app.api.security import login_required
from app.errors import BadRequest
from app.extensions import db
from tests.conftest import TEST_REDIS_URL, make_test_config


def add_probe_routes(app) -> None:
    """Routes that touch each backing service the way real views do (added before any request)."""
    probes = Blueprint("probe", __name__, url_prefix="/probe")

    @probes.get("/private")
    @login_required
    def private():
        return {"ok": True}

    @probes.get("/database")
    def database():
        return {"one": db.session.execute(text("SELECT 1")).scalar_one()}

    @probes.post("/echo")
    def echo():
        payload = request.get_json()
        if not isinstance(payload, dict):
            raise BadRequest()
        return {"keys": sorted(payload)}

    @probes.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail 4111111111111111")

    guarded = Blueprint("probe_guarded", __name__, url_prefix="/probe-guarded")

    @guarded.before_request
    def require_session():
        """Like a blueprint that authenticates every route before the view runs."""
        from app.api.security import load_session

        load_session()

    @guarded.get("/")
    def guarded_index():
        return {"ok": True}

    app.register_blueprint(probes)
    app.register_blueprint(guarded)


@pytest.fixture
def make_app(_schema, database_url):
    """Build an app with probe routes: `make_app(REDIS_URL=..., ...)`; contexts cleaned up after."""
    built = []

    def _make(**overrides):
        application = create_app(make_test_config(database_url, **overrides))
        add_probe_routes(application)
        built.append(application)
        return application

    yield _make
    for application in built:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        application.extensions["redis"].connection_pool.disconnect()


@pytest.fixture
def probe_app(make_app):
    """An app with probe routes on the test's usual backends."""
    application = make_app()
    with application.app_context():
        application.extensions["redis"].flushdb()
    return application


REAL_REDIS = bool(TEST_REDIS_URL)


@pytest.fixture
def bench_harness(monkeypatch):
    """The benchmarks' harness on the soak's own database and Redis db (or the missing part named); closed after."""
    from bench.run import Harness, services_down
    from tests.parts import missing_part
    from tests.platform.test_soak_smoke import _soak_services

    _soak_services(monkeypatch)
    harness = Harness(quick=True)
    down = services_down(harness.env)
    if down:
        missing_part(down)
    yield harness
    harness.close()
