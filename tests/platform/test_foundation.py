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


#: A complete production environment (nothing is connected by these tests).
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "PII_KEY": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "mysql+pymysql://root@127.0.0.1/test",
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_TOKEN": "pushTokenOfThisDeployment",
}


@pytest.fixture
def production_env(monkeypatch):
    """PRODUCTION in the environment, the optional WeChat and number settings unset."""
    for key in (
        "WECHAT_AES_KEY",
        "WECHAT_ORIGINAL_ID",
        "WECHAT_API_BASE",
        "SESSION_TTL_SECONDS",
        "REDIS_SOCKET_TIMEOUT_SECONDS",
        "NOTICE_SENDS_PER_SECOND",
        "PROXY_HOPS",
    ):
        monkeypatch.delenv(key, raising=False)
    for key, value in PRODUCTION.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_production_starts_with_the_required_settings(production_env):
    app = create_app()
    assert app.config["WECHAT_TOKEN"] == PRODUCTION["WECHAT_TOKEN"]
    assert app.config["WECHAT_AES_KEY"] is None and app.config["WECHAT_ORIGINAL_ID"] is None


@pytest.mark.parametrize("missing", [key for key in PRODUCTION if key != "APP_ENV"])
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_production_refuses_to_start_without_settings(production_env, missing, how):
    if how == "unset":
        production_env.delenv(missing)
    else:
        production_env.setenv(missing, "")
    with pytest.raises(ConfigError) as error:
        create_app()
    assert missing in str(error.value)


def test_the_refusal_is_one_line_naming_every_missing_setting(production_env):
    for key in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN", "SECRET_KEY"):
        production_env.delenv(key)
    with pytest.raises(ConfigError) as error:
        create_app()
    message = str(error.value)
    assert "\n" not in message
    assert message == (
        "production refuses to start: set SECRET_KEY, WECHAT_APPID, WECHAT_SECRET, WECHAT_TOKEN "
        "(missing or empty)"
    )


def test_no_demo_value_outside_development_and_testing(production_env):
    """Production's WeChat settings have no defaults: the demo mini program's are development's only."""
    from app.config import DevelopmentConfig, ProductionConfig, TestingConfig

    for key in (
        "WECHAT_APPID",
        "WECHAT_SECRET",
        "WECHAT_TOKEN",
        "WECHAT_ORIGINAL_ID",
        "WECHAT_AES_KEY",
        "SECRET_KEY",
        "PII_KEY",
        "DATABASE_URL",
        "REDIS_URL",
    ):
        assert getattr(ProductionConfig, key) is None, key
    assert DevelopmentConfig.WECHAT_TOKEN == TestingConfig.WECHAT_TOKEN == "demo-token"


@pytest.mark.parametrize("key", ["SECRET_KEY", "PII_KEY", "WECHAT_TOKEN", "WECHAT_AES_KEY"])
def test_production_refuses_a_published_demo_secret(production_env, key):
    from app.config import DevelopmentConfig

    production_env.setenv(key, getattr(DevelopmentConfig, key))
    with pytest.raises(ConfigError, match=f"{key} must not be the development demo value"):
        create_app()


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("DATABASE_URL", "sqlite:///x.db", "SQLite"),
        ("PII_KEY", "c2hvcnQ=", "exactly 32 bytes"),
        ("PII_KEY", "not base64 at all!", "exactly 32 bytes"),
        ("WECHAT_AES_KEY", "tooShort", "43-character EncodingAESKey"),
        ("WECHAT_AES_KEY", "a" * 42 + "!", "43-character EncodingAESKey"),
        ("REDIS_URL", "127.0.0.1:6379", "REDIS_URL must start with"),
        ("SESSION_TTL_SECONDS", "two hours", "SESSION_TTL_SECONDS must be a whole number"),
        ("REDIS_SOCKET_TIMEOUT_SECONDS", "2s", "REDIS_SOCKET_TIMEOUT_SECONDS must be a number"),
        ("LOCALE_RELEASE_GATE", "true", "LOCALE_RELEASE_GATE must be 1 \\(on\\) or 0 \\(off\\)"),
        ("PSEUDO_LOCALES", "yes", "PSEUDO_LOCALES must be 1 \\(on\\) or 0 \\(off\\)"),
    ],
)
def test_production_refuses_a_malformed_setting(production_env, key, value, reason):
    production_env.setenv(key, value)
    with pytest.raises(ConfigError, match=reason):
        create_app()


def test_an_unknown_app_env_refuses_to_start(production_env):
    production_env.setenv("APP_ENV", "staging")
    with pytest.raises(ConfigError, match="APP_ENV must be one of development, testing, production"):
        create_app()
