"""`flask config check`: what the environment gives the service, secrets masked, and whether production starts.

Nothing here connects to anything: it reads the environment through app/config.py and judges it.
The verdict is the same start-up check production runs (`load_config`), so they cannot disagree.
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from app import config, pii
from app.config import CONFIGS, DEMO_IDENTITY, DEMO_SECRETS, VARIABLES, ConfigError, Variable

WECHAT_API_HOST = "https://api.weixin.qq.com/"
MIN_SECRET_KEY_LENGTH = 32
_APPID = re.compile(r"wx[0-9a-f]{16}")
_APPSECRET = re.compile(r"[0-9a-f]{32}")
_PUSH_TOKEN = re.compile(r"[A-Za-z0-9]{3,32}")  # what the WeChat console accepts
_ORIGINAL_ID = re.compile(r"gh_[0-9a-f]{12}")
_URL_VARIABLES = ("DATABASE_URL", "REDIS_URL")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
#: What an unset setting without a value means.
_UNSET_MEANS = {
    "WECHAT_AES_KEY": "plaintext pushes",
    "WECHAT_ORIGINAL_ID": "ToUserName not compared",
    "LOCALE_RELEASE_GATE": "the release gate applies in production only",
    "METRICS_TOKEN": "/metrics for direct loopback scrapes only",
    "PII_KEY_PREVIOUS": "no PII key rotation under way",
}


@dataclass
class Review:
    """The environment as the service would take it, and the judgement."""

    app_env: str
    settings: list[tuple[str, str]] = field(default_factory=list)
    push_mode: str = ""
    database: str = ""
    redis: str = ""
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    verdict: str = ""
    ready: bool = False

    def lines(self) -> list[str]:
        """The report as printed; the warnings come last before the verdict, one `  - ` line each."""
        width = max(len(name) for name, _ in self.settings)
        lines = [f"configuration for APP_ENV={self.app_env} (secrets masked)"]
        lines += [f"  {name.ljust(width)}  {shown}" for name, shown in self.settings]
        lines += [
            f"push mode: {self.push_mode}",
            f"database: {self.database}",
            f"redis: {self.redis}",
            f"missing: {', '.join(self.missing) or 'nothing'}",
        ]
        if self.problems:
            lines += ["problems:", *(f"  - {problem}" for problem in self.problems)]
        if self.warnings:
            lines += ["warnings:", *(f"  - {warning}" for warning in self.warnings)]
        lines.append(f"verdict: {self.verdict}")
        return lines


def mask_url(url: str) -> str:
    """A URL with its password (in the user part or a `password=` parameter) replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        name, colon, password = user.partition(":")
        netloc = f"{name}{colon}{'***' if password else ''}@{host}"
    query = parts.query
    if "password" in query.lower():
        query = urlencode(
            [
                (key, "***" if key.lower() == "password" else value)
                for key, value in parse_qsl(query, keep_blank_values=True)
            ],
            safe="*/",
        )
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide (and sqlite:////path keeps its slashes)
    return (
        f"{parts.scheme}://{netloc}{parts.path}"
        + (f"?{query}" if query else "")
        + (f"#{parts.fragment}" if parts.fragment else "")
    )


def _shown(variable: Variable, text: str | None, default) -> str:
    """A setting as printed: a secret only as set or not, a URL with its password masked."""
    if text is None:
        if default in (None, ""):
            return f"(unset: {_UNSET_MEANS[variable.name]})" if variable.name in _UNSET_MEANS else "(unset)"
        return f"(unset: {_default_text(variable.name, default)})"
    if variable.name in ("PII_KEY", "PII_KEY_PREVIOUS"):
        decoded = config.pii_key_length(text)
        held = "not base64" if decoded is None else f"base64 of {decoded} bytes"
        if (
            decoded == 32
        ):  # the id its ciphertexts carry (a one-way fingerprint): `flask pii status` counts them
            held += f", key {pii.PiiKey(text).key_id}"
        return f"set, hidden ({_characters(len(text))}, {held})"
    if variable.secret:
        return f"set, hidden ({_characters(len(text))})"
    if variable.name in _URL_VARIABLES:
        return mask_url(text)
    return text


def _characters(count: int) -> str:
    """ "1 character", "43 characters"."""
    return f"{count} character" if count == 1 else f"{count} characters"


def _default_text(name: str, default) -> str:
    """A class default as printed (masked too: development's defaults are demo secrets)."""
    if any(variable.secret for variable in VARIABLES if variable.name == name):
        return "the development demo value"
    if name in _URL_VARIABLES:
        return mask_url(str(default))
    if isinstance(default, bool):
        return "1" if default else "0"
    return str(default)


def review() -> Review:
    """Read the environment through app/config.py and judge it as production would."""
    raw = config.environment()
    app_env = raw.get("APP_ENV", "development")
    known = CONFIGS.get(app_env)
    result = Review(app_env=app_env)
    unparsed = []
    effective_class = known or CONFIGS["production"]
    production = {
        key: getattr(CONFIGS["production"], key) for key in dir(CONFIGS["production"]) if key.isupper()
    }
    effective = {key: getattr(effective_class, key) for key in dir(effective_class) if key.isupper()}
    for variable in VARIABLES:
        text = raw.get(variable.name)
        if variable.name == "APP_ENV":
            result.settings.append(("APP_ENV", app_env if text else "(unset: development)"))
            continue
        shown = _shown(variable, text, effective.get(variable.name))
        if variable.name == "WECHAT_API_BASE" and text is None and effective.get("WECHAT_EMULATOR"):
            shown = "(unset: the built-in emulator, in process)"
        result.settings.append((variable.name, shown))
        if text is None:
            continue
        try:
            value = config.parse(variable, text)
        except ConfigError as problem:
            unparsed.append(str(problem))
            continue
        production[variable.name] = effective[variable.name] = value
    result.missing = config.missing_settings(production)
    result.problems = config.invalid_settings(production) + unparsed  # in the refusal's order
    result.push_mode = _push_mode(effective)
    result.database = _database(effective)
    result.redis = _redis(effective)
    result.warnings = _warnings(raw, production, app_env)
    _judge(result, known is not None and app_env != "production")
    return result


def _judge(result: Review, development: bool) -> None:
    """The verdict: production's own start-up check on this environment."""
    try:
        config.load_config({"APP_ENV": "production"} if development else None)
    except ConfigError as refusal:
        outcome = f"refused: {refusal}"
    else:
        outcome = "ready: production starts with this environment"
    if development:
        result.verdict = (
            f"not production: APP_ENV={result.app_env} runs on demo defaults (SQLite, the built-in "
            f"WeChat emulator); with APP_ENV=production it would be {outcome}"
        )
    else:
        result.verdict = outcome
        result.ready = outcome.startswith("ready")


def _push_mode(values: dict) -> str:
    """How WeChat's pushes are taken: safe (encrypted) with an AES key, else plaintext."""
    if values.get("WECHAT_AES_KEY"):
        mode = (
            "safe: WECHAT_AES_KEY set, pushes are encrypted (safe or compatible mode in the WeChat console)"
        )
    else:
        mode = "plaintext: no WECHAT_AES_KEY, pushes are signed but not encrypted"
    original_id = values.get("WECHAT_ORIGINAL_ID")
    to_check = (
        f"ToUserName must be {original_id}"
        if original_id
        else "ToUserName not compared (no WECHAT_ORIGINAL_ID)"
    )
    return f"{mode}; {to_check}"


def _database(values: dict) -> str:
    """The database the service would use."""
    url = values.get("DATABASE_URL")
    if not url:
        return "none (DATABASE_URL unset)"
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return f"SQLite {url.split(':///', 1)[-1] if ':///' in url else 'in memory'}"
    return (
        f"MySQL/MariaDB ({parts.scheme}) at {parts.hostname}:{parts.port or 3306}, database {parts.path.lstrip('/') or '?'}, "
        f"account {parts.username or '?'} ({mask_url(url)})"
    )


def _redis(values: dict) -> str:
    """The Redis the service would use."""
    if values.get("REDIS_SENTINELS") and values.get("REDIS_SENTINEL_SERVICE"):
        return _redis_through_sentinels(values)
    url = values.get("REDIS_URL")
    if not url:
        return (
            "an in-process stand-in (development only)"
            if values.get("EMBEDDED_REDIS")
            else "none (REDIS_URL unset)"
        )
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"the socket {parts.path} ({mask_url(url)})"
    database = parts.path.lstrip("/") or dict(parse_qsl(parts.query)).get("db", "0")
    tls = ", TLS" if parts.scheme == "rediss" else ""
    password = "password set" if parts.password or "password=" in parts.query else "no password"
    return f"{parts.hostname}:{parts.port or 6379}, db {database}, {password}{tls} ({mask_url(url)})"


def _redis_through_sentinels(values: dict) -> str:
    """The primary the sentinels name, as the service would reach it."""
    try:
        addresses = ", ".join(
            f"{host}:{port}" for host, port in config.sentinel_addresses(values["REDIS_SENTINELS"])
        )
    except ConfigError:
        addresses = "(REDIS_SENTINELS does not parse)"
    parts = urlsplit(values.get("REDIS_URL") or "")
    database = parts.path.lstrip("/") or "0"
    password = "password set" if parts.password else "no password"
    sentinel_password = "set" if values.get("REDIS_SENTINEL_PASSWORD") else "none"
    return (
        f"the primary of {values['REDIS_SENTINEL_SERVICE']!r} as Redis Sentinel names it, db {database}, "
        f"{password}; sentinels {addresses} (their password: {sentinel_password})"
    )


def _sentinel_warnings(raw: dict) -> list[str]:
    """Redis Sentinel set up in a way that fails over badly, or not safely."""
    try:
        addresses = config.sentinel_addresses(raw.get("REDIS_SENTINELS", ""))
    except ConfigError:
        return []  # a problem already
    warnings = []
    if len(addresses) < 3:
        warnings.append(
            f"REDIS_SENTINELS names {len(addresses)}: run three sentinels on three hosts, so a majority "
            "can still agree on a failover when one host is down"
        )
    remote = any(host not in _LOOPBACK for host, _ in addresses)
    if remote and not urlsplit(raw.get("REDIS_URL", "")).password:
        warnings.append(
            "REDIS_URL gives no password: the Redis primary and replica are reached without one "
            f"(redis://:PASSWORD@{raw.get('REDIS_SENTINEL_SERVICE')}/0)"
        )
    return warnings


def _warnings(raw: dict, values: dict, app_env: str) -> list[str]:
    """What production would run with but looks wrong."""
    warnings = []
    if "APP_ENV" not in raw:
        warnings.append(
            "APP_ENV is unset: the service runs as development (demo values, SQLite, the emulator)"
        )
    secret_key = raw.get("SECRET_KEY")
    if secret_key and len(secret_key) < MIN_SECRET_KEY_LENGTH:
        warnings.append(
            f"SECRET_KEY is {_characters(len(secret_key))}: use {MIN_SECRET_KEY_LENGTH} or more random ones"
        )
    metrics_token = raw.get("METRICS_TOKEN")
    if metrics_token and len(metrics_token) < MIN_SECRET_KEY_LENGTH:
        warnings.append(
            f"METRICS_TOKEN is {_characters(len(metrics_token))}: use {MIN_SECRET_KEY_LENGTH} "
            "or more random ones"
        )
    if app_env in ("development", "testing"):
        return warnings + _format_warnings(raw)
    demo = [key for key, value in DEMO_IDENTITY.items() if raw.get(key) == value]
    if demo:
        warnings.append(f"{', '.join(demo)}: the built-in emulator's demo mini program; WeChat refuses it")
    if not raw.get("WECHAT_AES_KEY"):
        warnings.append(
            "WECHAT_AES_KEY is unset: pushes are taken in plaintext mode; set the EncodingAESKey "
            "and choose safe mode in the WeChat console"
        )
    api_base = values.get("WECHAT_API_BASE")
    if api_base and api_base.rstrip("/") != WECHAT_API_HOST.rstrip("/"):
        warnings.append(f"WECHAT_API_BASE is {api_base}: WeChat API calls go there, not to WeChat")
    if not raw.get("METRICS_TOKEN"):
        warnings.append("METRICS_TOKEN is unset: /metrics answers only direct loopback scrapes")
    if not values.get("PROXY_HOPS"):
        warnings.append(
            "PROXY_HOPS is 0: behind nginx set 1, or every user shares nginx's address for rate limits"
        )
    if values.get("PSEUDO_LOCALES"):
        warnings.append("PSEUDO_LOCALES=1 offers the translators' pseudo-languages to users")
    if values.get("LOCALE_RELEASE_GATE") is False:
        warnings.append("LOCALE_RELEASE_GATE=0 serves languages whose translation is not released")
    database_url = raw.get("DATABASE_URL", "")
    if database_url.startswith("mysql") and not database_url.startswith("mysql+pymysql://"):
        warnings.append("DATABASE_URL: requirements.txt installs PyMySQL; use mysql+pymysql://")
    if database_url.startswith("mysql") and "charset=utf8mb4" not in database_url:
        warnings.append("DATABASE_URL has no ?charset=utf8mb4: 4-byte characters would not round-trip")
    redis_url = urlsplit(raw.get("REDIS_URL", ""))
    if raw.get("REDIS_SENTINELS") and raw.get("REDIS_SENTINEL_SERVICE"):
        warnings += _sentinel_warnings(raw)
    elif (
        redis_url.scheme in ("redis", "rediss")
        and not redis_url.password
        and redis_url.hostname not in _LOOPBACK
    ):
        warnings.append(f"REDIS_URL reaches {redis_url.hostname} without a password")
    return warnings + _format_warnings(raw)


def _format_warnings(raw: dict) -> list[str]:
    """Values of the wrong shape for what they name."""
    warnings = []
    checks = (
        ("WECHAT_APPID", _APPID, "an AppID is wx and 16 hex digits"),
        ("WECHAT_SECRET", _APPSECRET, "an AppSecret is 32 hex digits"),
        ("WECHAT_TOKEN", _PUSH_TOKEN, "the console takes 3 to 32 letters and digits"),
        ("WECHAT_ORIGINAL_ID", _ORIGINAL_ID, "an original ID is gh_ and 12 hex digits"),
    )
    for name, pattern, expected in checks:
        if (
            raw.get(name)
            and not pattern.fullmatch(raw[name])
            and raw[name] not in DEMO_IDENTITY.values()
            and raw[name] not in DEMO_SECRETS.values()
        ):
            warnings.append(f"{name} does not look like one: {expected}")
    timezone = raw.get("DEFAULT_TIMEZONE")
    if timezone:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            warnings.append(f"DEFAULT_TIMEZONE {timezone!r} is not a time zone the system knows")
    level = raw.get("LOG_LEVEL")
    if level and not isinstance(logging.getLevelName(level.upper()), int):
        warnings.append(f"LOG_LEVEL {level!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)")
    return warnings
