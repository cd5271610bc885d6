"""The factory, configuration, health probes and the error envelope."""

from __future__ import annotations

import pytest

from app import create_app
from app.config import ConfigError


def test_healthz_answers_ok(client):
    assert client.get("/healthz").json == {"status": "ok"}


def test_unknown_route_returns_envelope(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert response.json["error"]["request_id"]


def test_wrong_method_returns_envelope(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "PII_KEY", "REDIS_URL", "DATABASE_URL"]
)
def test_production_refuses_to_start_without_settings(monkeypatch, missing):
    env = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 32,
        "PII_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": "mysql+pymysql://root@127.0.0.1/test",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError) as error:
        create_app()
    assert missing in str(error.value)


def test_production_refuses_sqlite(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("PII_KEY", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.db")
    with pytest.raises(ConfigError, match="SQLite"):
        create_app()
