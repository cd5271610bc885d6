"""Configuration: the one place the environment is read."""

from __future__ import annotations

import base64
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run the service."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


def _env_float(name: str, default: float) -> float:
    """A number of seconds (or any decimal) from the environment, else the default."""
    value = _env(name)
    return float(value) if value is not None else default


class BaseConfig:
    """Settings shared by every environment."""

    APP_ENV = "base"
    TESTING = False
    DEBUG = False
    SECRET_KEY: str | None = None
    PII_KEY: str | None = None
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    #: A Redis command (or connect) taking longer than this fails, and the request answers 503.
    REDIS_SOCKET_TIMEOUT_SECONDS = 2.0
    #: Repeat GETs of journey and card screens are answered from their kept copies before Flask
    #: (app/api/fast_screens.py); False sends every request through Flask.
    FAST_SCREENS = True
    EMBEDDED_REDIS = False
    JOBS_SYNC = False

    WECHAT_APPID = "wx0000000000demo"
    WECHAT_SECRET = "demo-secret"  # noqa: S105 - the emulator's demo credentials
    WECHAT_TOKEN = "demo-token"  # noqa: S105 - the emulator's demo credentials
    WECHAT_AES_KEY: str | None = None
    WECHAT_ORIGINAL_ID = "gh_0000000demo"
    WECHAT_API_BASE = "https://api.weixin.qq.com/"
    WECHAT_EMULATOR = False
    WECHAT_TIMEOUT_SECONDS = 5.0

    DEFAULT_LOCALE = "en"
    DEFAULT_TIMEZONE = "Asia/Shanghai"
    TRADITIONAL_CHINESE_FALLBACK = "zh_Hant"
    PSEUDO_LOCALES = False
    LOCALE_RELEASE_THRESHOLD = 0.95
    #: None: the release gate applies in production only (translators preview the rest elsewhere).
    LOCALE_RELEASE_GATE: bool | None = None
    TRANSLATIONS_DIR = str(PROJECT_ROOT / "translations")

    MAX_CONTENT_LENGTH = 1024 * 1024
    CALLBACK_MAX_BYTES = 64 * 1024
    SESSION_TTL_SECONDS = 2 * 60 * 60
    ADMIN_SESSION_TTL_SECONDS = 8 * 60 * 60

    VERIFICATION_MAX_FAILURES = 5
    VERIFICATION_WINDOW_SECONDS = 6 * 60 * 60
    VERIFICATION_ATTEMPT_RETENTION_DAYS = 90
    VERIFICATION_REFERENCE_TTL_SECONDS = 7 * 24 * 60 * 60

    NOTICE_SENDS_PER_SECOND = 0
    NOTICE_BATCH_SIZE = 1000

    RATELIMIT_ENABLED = True
    WTF_CSRF_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    LOG_LEVEL = "INFO"
    METRICS_TOKEN: str | None = None  # bearer token for /metrics; unset: loopback only
    PROXY_HOPS = 0  # reverse proxies in front (nginx: 1); their X-Forwarded-For/-Proto are trusted
    LOG_JSON = True
    DEMO_DATA = False

    @classmethod
    def from_environment(cls) -> dict:
        """Read the environment variables named in design.md over the class defaults."""
        values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        for key in (
            "SECRET_KEY", "PII_KEY", "DATABASE_URL", "REDIS_URL", "WECHAT_APPID",
            "WECHAT_SECRET", "WECHAT_TOKEN", "WECHAT_AES_KEY", "WECHAT_API_BASE",
            "WECHAT_ORIGINAL_ID", "DEFAULT_LOCALE", "DEFAULT_TIMEZONE",
            "TRADITIONAL_CHINESE_FALLBACK", "LOG_LEVEL", "METRICS_TOKEN",
        ):
            value = _env(key)
            if value is not None:
                values[key] = value
        if _env("LOCALE_RELEASE_GATE") is not None:
            values["LOCALE_RELEASE_GATE"] = _env("LOCALE_RELEASE_GATE") == "1"
        if _env("FAST_SCREENS") is not None:
            values["FAST_SCREENS"] = _env("FAST_SCREENS") == "1"
        if _env("PSEUDO_LOCALES") is not None:
            values["PSEUDO_LOCALES"] = _env("PSEUDO_LOCALES") == "1"
        values["SESSION_TTL_SECONDS"] = _env_int("SESSION_TTL_SECONDS", cls.SESSION_TTL_SECONDS)
        values["NOTICE_SENDS_PER_SECOND"] = _env_int(
            "NOTICE_SENDS_PER_SECOND", cls.NOTICE_SENDS_PER_SECOND
        )
        values["PROXY_HOPS"] = _env_int("PROXY_HOPS", cls.PROXY_HOPS)
        values["REDIS_SOCKET_TIMEOUT_SECONDS"] = _env_float(
            "REDIS_SOCKET_TIMEOUT_SECONDS", cls.REDIS_SOCKET_TIMEOUT_SECONDS
        )
        return values


class DevelopmentConfig(BaseConfig):
    """Embedded defaults: SQLite, an in-process Redis stand-in, the WeChat emulator, demo data."""

    APP_ENV = "development"
    SECRET_KEY = "development-only-secret-key"  # noqa: S105 - development only; production must set its own
    PII_KEY = base64.b64encode(b"development-only-pii-key-32bytes").decode()
    DATABASE_URL = "sqlite:///" + str(PROJECT_ROOT / "instance" / "ssc_bridge.sqlite3")
    EMBEDDED_REDIS = True
    JOBS_SYNC = True
    WECHAT_EMULATOR = True
    WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    LOG_JSON = False
    DEMO_DATA = True


class TestingConfig(DevelopmentConfig):
    """Tests: a temporary database and Redis, set by the fixtures."""

    APP_ENV = "testing"
    TESTING = True
    DATABASE_URL = "sqlite://"
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False
    LOG_JSON = True
    DEMO_DATA = False
    PSEUDO_LOCALES = True
    LOCALE_RELEASE_THRESHOLD = 0.0


class ProductionConfig(BaseConfig):
    """Production: every secret and backing service comes from the environment."""

    APP_ENV = "production"
    SESSION_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings for APP_ENV (default development), then apply overrides."""
    env_name = (overrides or {}).get("APP_ENV") or _env("APP_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}; got {env_name!r}")
    values = CONFIGS[env_name].from_environment()
    values.update(overrides or {})
    values["SQLALCHEMY_DATABASE_URI"] = values["DATABASE_URL"]
    values["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(values["DATABASE_URL"] or "")
    values["READ_ENGINE_OPTIONS"] = read_engine_options(values["DATABASE_URL"] or "")
    values["BABEL_DEFAULT_LOCALE"] = values["DEFAULT_LOCALE"]
    values["BABEL_DEFAULT_TIMEZONE"] = values["DEFAULT_TIMEZONE"]
    values["BABEL_TRANSLATION_DIRECTORIES"] = values["TRANSLATIONS_DIR"]
    if values["APP_ENV"] == "production":
        check_production(values)
    return values


def engine_options(url: str) -> dict:
    """Pool settings fitting the database behind the URL.

    No `pool_pre_ping`: it costs a round trip on every checkout. Connections are recycled well
    before the server's idle timeout, and only a connection that sat idle is pinged before use
    (app/extensions.py), which is where a database restart leaves dead ones.
    """
    if url.startswith("sqlite"):
        return {}
    return {"pool_recycle": 1800, "pool_size": 10, "max_overflow": 10}


def read_engine_options(url: str) -> dict:
    """Options of the autocommit engine for hot single-statement reads (MySQL/MariaDB only).

    A read on the main engine costs its SELECT plus the ROLLBACK that ends the transaction the
    SELECT opened. In autocommit mode no transaction stays open, each SELECT sees the latest
    committed rows, and `skip_autocommit_rollback` drops the ROLLBACK: one round trip per read.
    SQLite (a file or memory that a second engine might not share) reads on the main engine.
    The engine is built by app/extensions.py (not as a Flask-SQLAlchemy bind: a bind would add
    a metadata for every later app in the process, whether or not that app has the bind).
    """
    if not url or url.startswith("sqlite"):
        return {}
    return {**engine_options(url), "pool_size": 5, "isolation_level": "AUTOCOMMIT",
            "skip_autocommit_rollback": True}


def check_production(values: dict) -> None:
    """Refuse to start production without its secrets and real backing services."""
    missing = [key for key in ("SECRET_KEY", "PII_KEY", "REDIS_URL", "DATABASE_URL") if not values.get(key)]
    if missing:
        raise ConfigError(f"production needs {', '.join(missing)} in the environment")
    if values["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError("production needs a MySQL/MariaDB DATABASE_URL, not SQLite")
    try:
        key = base64.b64decode(values["PII_KEY"], validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ConfigError("PII_KEY must be the base64 of exactly 32 bytes")
