"""Configuration: the one place the environment is read."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot run the service."""


@dataclass(frozen=True)
class Variable:
    """One environment variable the service reads: how to parse it, and what production asks of it."""

    name: str
    kind: str = "text"  # text, int, float or flag ("1" on, "0" off, anything else refused)
    secret: bool = False  # never printed (`flask config check` shows only that it is set)
    required: bool = False  # production refuses to start when it is unset or empty


#: Every variable read here, in the order of docs/deploy.md's table (APP_ENV is read by load_config).
VARIABLES = (
    Variable("APP_ENV"),
    Variable("SECRET_KEY", secret=True, required=True),
    Variable("PII_KEY", secret=True, required=True),
    Variable("PII_KEY_PREVIOUS", secret=True),
    Variable("DATABASE_URL", required=True),
    Variable("REDIS_URL", required=True),
    Variable("REDIS_SENTINELS"),
    Variable("REDIS_SENTINEL_SERVICE"),
    Variable("REDIS_SENTINEL_PASSWORD", secret=True),
    Variable("REDIS_SOCKET_TIMEOUT_SECONDS", "float"),
    Variable("FAST_SCREENS", "flag"),
    Variable("WECHAT_APPID", required=True),
    Variable("WECHAT_SECRET", secret=True, required=True),
    Variable("WECHAT_TOKEN", secret=True, required=True),
    Variable("WECHAT_AES_KEY", secret=True),
    Variable("WECHAT_ORIGINAL_ID"),
    Variable("WECHAT_API_BASE"),
    Variable("DEFAULT_LOCALE"),
    Variable("DEFAULT_TIMEZONE"),
    Variable("TRADITIONAL_CHINESE_FALLBACK"),
    Variable("LOCALE_RELEASE_GATE", "flag"),
    Variable("PSEUDO_LOCALES", "flag"),
    Variable("PROXY_HOPS", "int"),
    Variable("METRICS_TOKEN", secret=True),
    Variable("LOG_LEVEL"),
    Variable("SESSION_TTL_SECONDS", "int"),
    Variable("NOTICE_SENDS_PER_SECOND", "int"),
    Variable("REGISTRY_UPLOAD_DIR"),
)
#: What production cannot start without, in the order the refusal names them.
PRODUCTION_REQUIRED = tuple(variable.name for variable in VARIABLES if variable.required)


def _env(name: str, default: str | None = None) -> str | None:
    """A variable's value; unset or empty gives the default."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def environment() -> dict[str, str]:
    """The variables of VARIABLES that are set and not empty, as the environment has them."""
    return {variable.name: value for variable in VARIABLES if (value := _env(variable.name)) is not None}


def parse(variable: Variable, text: str):
    """A variable's text as the service uses it; ConfigError when a number or a switch does not parse."""
    if variable.kind == "flag":
        if text not in ("0", "1"):
            # "true" or "on" must not quietly mean off (say, the language release gate in production).
            raise ConfigError(f"{variable.name} must be 1 (on) or 0 (off); got {text!r}")
        return text == "1"
    if variable.kind in ("int", "float"):
        try:
            return int(text) if variable.kind == "int" else float(text)
        except ValueError:
            number = "a whole number" if variable.kind == "int" else "a number"
            raise ConfigError(f"{variable.name} must be {number}; got {text!r}") from None
    return text


class BaseConfig:
    """Settings shared by every environment."""

    APP_ENV = "base"
    TESTING = False
    DEBUG = False
    SECRET_KEY: str | None = None
    PII_KEY: str | None = None
    #: The key PII_KEY replaces, while `flask pii rotate-key` re-encrypts (docs/deploy.md, §4): it only decrypts.
    PII_KEY_PREVIOUS: str | None = None
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    #: Redis Sentinel (docs/deploy.md, "Redis failover"): the sentinels as "host:port,host:port,…" and the
    #: name they watch the primary under; both unset: REDIS_URL's address is the one Redis.
    REDIS_SENTINELS: str | None = None
    REDIS_SENTINEL_SERVICE: str | None = None
    #: The sentinels' own password (their `requirepass`), when they have one.
    REDIS_SENTINEL_PASSWORD: str | None = None
    #: A Redis command (or connect) taking longer than this fails, and the request answers 503.
    REDIS_SOCKET_TIMEOUT_SECONDS = 2.0
    #: Repeat GETs of journey and card screens are answered from their kept copies before Flask
    #: (app/web/repeat_screens.py); False sends every request through Flask.
    FAST_SCREENS = True
    EMBEDDED_REDIS = False
    JOBS_SYNC = False

    WECHAT_APPID: str | None = None
    WECHAT_SECRET: str | None = None
    WECHAT_TOKEN: str | None = None
    #: Unset: plaintext pushes (no safe mode).
    WECHAT_AES_KEY: str | None = None
    #: Unset: a push's ToUserName is not compared (its signature already proves it is WeChat's).
    WECHAT_ORIGINAL_ID: str | None = None
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
    #: Where the console's registry uploads wait for their import job: a folder the web hosts and the
    #: workers share when they are different hosts. Unset: `uploads` in the instance folder.
    REGISTRY_UPLOAD_DIR: str | None = None
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
        """The class defaults, with every variable of VARIABLES that is set and not empty over them."""
        values, problems = cls.read_environment()
        if problems:
            raise ConfigError("; ".join(problems))
        return values

    @classmethod
    def read_environment(cls) -> tuple[dict, list[str]]:
        """(the settings, the variables that do not parse: each kept at its default, and said why)."""
        values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        problems = []
        for variable in VARIABLES[1:]:  # APP_ENV chose this class
            text = _env(variable.name)
            if text is not None:
                try:
                    values[variable.name] = parse(variable, text)
                except ConfigError as problem:
                    problems.append(str(problem))
        return values, problems


class DevelopmentConfig(BaseConfig):
    """Embedded defaults: SQLite, an in-process Redis stand-in, the WeChat emulator, demo data."""

    APP_ENV = "development"
    SECRET_KEY = "development-only-secret-key"  # noqa: S105 - development only; production must set its own
    PII_KEY = base64.b64encode(b"development-only-pii-key-32bytes").decode()
    DATABASE_URL = "sqlite:///" + str(PROJECT_ROOT / "instance" / "ssc_bridge.sqlite3")
    EMBEDDED_REDIS = True
    JOBS_SYNC = True
    WECHAT_EMULATOR = True
    # The demo mini program of the built-in emulator (app/wechat_emulator): public, so never production's.
    WECHAT_APPID = "wx0000000000demo"
    WECHAT_SECRET = "demo-secret"  # noqa: S105 - the emulator's demo credentials
    WECHAT_TOKEN = "demo-token"  # noqa: S105 - the emulator's demo credentials
    WECHAT_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    WECHAT_ORIGINAL_ID = "gh_0000000demo"
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
#: Development values published in this repository that would let anyone forge or read what they
#: protect (QR codes, identifiers, pushes): production refuses them.
DEMO_SECRETS = {
    name: getattr(DevelopmentConfig, name)
    for name in ("SECRET_KEY", "PII_KEY", "WECHAT_TOKEN", "WECHAT_AES_KEY")
}
#: The demo mini program's identity: only the built-in emulator knows it (a warning in production).
DEMO_IDENTITY = {
    name: getattr(DevelopmentConfig, name) for name in ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_ORIGINAL_ID")
}


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings for APP_ENV (default development), then apply overrides; production is checked."""
    env_name = (overrides or {}).get("APP_ENV") or _env("APP_ENV", "development")
    if env_name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}; got {env_name!r}")
    values, problems = CONFIGS[env_name].read_environment()
    values.update(overrides or {})
    if values["APP_ENV"] in ("development", "testing"):
        problems += sentinel_problems(values)
        if problems:
            raise ConfigError("; ".join(problems))
    else:
        check_production(values, problems)
    values["SQLALCHEMY_DATABASE_URI"] = values["DATABASE_URL"]
    values["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(values["DATABASE_URL"] or "")
    values["READ_ENGINE_OPTIONS"] = read_engine_options(values["DATABASE_URL"] or "")
    values["BABEL_DEFAULT_LOCALE"] = values["DEFAULT_LOCALE"]
    values["BABEL_DEFAULT_TIMEZONE"] = values["DEFAULT_TIMEZONE"]
    values["BABEL_TRANSLATION_DIRECTORIES"] = values["TRANSLATIONS_DIR"]
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
    return {
        **engine_options(url),
        "pool_size": 5,
        "isolation_level": "AUTOCOMMIT",
        "skip_autocommit_rollback": True,
    }


def check_production(values: dict, unparsed: list[str] | None = None) -> None:
    """Refuse to start production, in one line naming every problem, without its secrets and services."""
    problems = production_problems(values) + (unparsed or [])
    if problems:
        raise ConfigError("production refuses to start: " + "; ".join(problems))


def production_problems(values: dict) -> list[str]:
    """Why production would not start with these settings (empty: it starts)."""
    missing = missing_settings(values)
    return ([f"set {', '.join(missing)} (missing or empty)"] if missing else []) + invalid_settings(values)


def missing_settings(values: dict) -> list[str]:
    """The settings production needs that are unset or empty."""
    return [key for key in PRODUCTION_REQUIRED if not values.get(key)]


def invalid_settings(values: dict) -> list[str]:
    """The settings that are set but that production cannot run with."""
    problems = []
    demo = [key for key, value in DEMO_SECRETS.items() if values.get(key) == value]
    if demo:
        problems.append(f"{', '.join(demo)} must not be the development demo value")
    database_url = values.get("DATABASE_URL") or ""
    if database_url.startswith("sqlite"):
        problems.append("DATABASE_URL must name MySQL/MariaDB, not SQLite")
    redis_url = values.get("REDIS_URL") or ""
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://")
    problems += sentinel_problems(values)
    if values.get("PII_KEY") and pii_key_length(values["PII_KEY"]) != 32:
        problems.append("PII_KEY must be the base64 of exactly 32 bytes")
    if values.get("PII_KEY_PREVIOUS"):
        if pii_key_length(values["PII_KEY_PREVIOUS"]) != 32:
            problems.append("PII_KEY_PREVIOUS must be the base64 of exactly 32 bytes")
        elif _same_key(values["PII_KEY_PREVIOUS"], values.get("PII_KEY")):
            problems.append("PII_KEY_PREVIOUS must be the key PII_KEY replaces, not PII_KEY itself")
    if values.get("WECHAT_AES_KEY") and not is_encoding_aes_key(values["WECHAT_AES_KEY"]):
        problems.append("WECHAT_AES_KEY must be the 43-character EncodingAESKey from the console")
    return problems


def pii_key_length(text: str) -> int | None:
    """How many bytes a PII_KEY's base64 holds; None when it is not base64."""
    try:
        return len(base64.b64decode(text, validate=True))
    except ValueError:
        return None


def _same_key(one: str, other: str | None) -> bool:
    """Whether two base64 texts hold the same key bytes."""
    try:
        return other is not None and base64.b64decode(one, validate=True) == base64.b64decode(
            other, validate=True
        )
    except ValueError:
        return False


def is_encoding_aes_key(text: str) -> bool:
    """Whether a text is WeChat's EncodingAESKey: 43 base64 characters of a 32-byte key."""
    try:
        return len(text) == 43 and len(base64.b64decode(text + "=", validate=True)) == 32
    except ValueError:
        return False


def sentinel_addresses(text: str) -> list[tuple[str, int]]:
    """REDIS_SENTINELS ("host:port,host:port") as (host, port) pairs; ConfigError naming what does not parse."""
    addresses = []
    for item in (part.strip() for part in text.split(",")):
        host, colon, port = item.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")  # an IPv6 address in brackets
        if not colon or not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
            raise ConfigError(
                f"REDIS_SENTINELS must be host:port pairs separated by commas, such as "
                f"10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379; {item!r} is not one"
            )
        addresses.append((host, int(port)))
    return addresses


def sentinel_problems(values: dict) -> list[str]:
    """Why the Redis Sentinel settings cannot be used (empty: unused, or usable)."""
    sentinels, service = values.get("REDIS_SENTINELS"), values.get("REDIS_SENTINEL_SERVICE")
    if not sentinels and not service:
        return []
    if not sentinels or not service:
        return [
            "set REDIS_SENTINELS and REDIS_SENTINEL_SERVICE together (or neither, to use REDIS_URL's address)"
        ]
    problems = []
    try:
        sentinel_addresses(sentinels)
    except ConfigError as problem:
        problems.append(str(problem))
    redis_url = values.get("REDIS_URL") or ""
    if redis_url:
        parts = urlsplit(redis_url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme != "redis" or parts.hostname != service.lower() or port is not None:
            problems.append(
                f"with REDIS_SENTINELS, REDIS_URL names the service instead of an address: "
                f"redis://:PASSWORD@{service}/0 (the sentinels give the address; TLS is not supported)"
            )
    return problems
