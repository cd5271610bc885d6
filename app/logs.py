"""Structured JSON logs with a request id; identifiers are masked before anything is written.

Masking works three ways, so that an identifier is never written in clear wherever it turns up:
- by field: a value under a key that names an identifier (IDENTIFIER_FIELDS: passport, permit,
  social security, permanent-resident and phone numbers…), at any depth, is masked whatever it
  looks like;
- by origin: a value that came from an identifier field in this request or job (a journey's
  answer, an encrypted registry column read from the database) is noted with `note_identifier`,
  and masked wherever it appears afterwards: in a message, an exception, a traceback;
- by pattern, for the rest: long digit runs and passport-like mixes of letters and digits.
"""

from __future__ import annotations

import logging
import re
import secrets
import sys

import structlog
from flask import g, has_app_context, has_request_context, request
from structlog.typing import EventDict, Processor, WrappedLogger

from app.web.notes import notes_of

#: Long digit runs (permit, SSN, phone, card numbers) and passport-like tokens (in either case:
#: text such as a typed user name may have been lowercased before it is recorded): letters then
#: digits (E12345678), or 6 to 9 letters and digits with at least four digits (C01X00T47,
#: AB12C3456, 18AV12345). Such a mix joined to others by a hyphen or a dot, or after a time's
#: colon, is part of something else (a UUID, a fraction of a second), not a passport number.
_IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9])(?:\+?\d[\d\- ]{7,}\d|[A-Za-z]{1,3}\d{6,}[0-9Xx]?|9\d{16}[\dXx])(?![A-Za-z0-9])"
    r"|(?<![A-Za-z0-9.-])(?<!\d:)(?=(?:[A-Za-z]*\d){4})(?=\d*[A-Za-z])[A-Za-z0-9]{6,9}(?![A-Za-z0-9-])"
)
#: Keys whose values are identifiers, in log events and audit details (compared in lower case).
IDENTIFIER_FIELDS = frozenset(
    {
        "identifier",
        "passport",
        "passport_number",
        "passport_no",
        "document_number",
        "permit",
        "permit_number",
        "work_permit_number",
        "ssn",
        "social_security_number",
        "pr_id",
        "phone",
        "phone_number",
        "pure_phone_number",
        "mobile",
        "card_number",
        "id_number",
    }
)
#: How many noted identifiers a request or job remembers (the latest ones).
_MAX_NOTED = 64
_NOTED_KEY = "_ssc_logged_identifiers"
#: What a caller-supplied X-Request-ID may look like to be echoed and logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_SECRET_KEYS = {"session_key", "secret", "password", "token", "access_token", "phone_code", "code"}


def _masked(text: str) -> str:
    """A whole identifier masked: only its last 4 characters kept (none of a short one)."""
    return "****" + text[-4:] if len(text) > 6 else "****"


def note_identifier(*values) -> None:
    """Remember values that came from an identifier field: masked in every later log line of this
    request or job (no-op outside an app context)."""
    if not has_app_context():
        return
    noted = g.get(_NOTED_KEY)
    if noted is None:
        noted = g.setdefault(_NOTED_KEY, {})
    for value in values:
        text = str(value).strip() if value is not None else ""
        if len(text) >= 5 and text.lower() not in noted:
            if len(noted) >= _MAX_NOTED:
                del noted[next(iter(noted))]
            noted[text.lower()] = None
            g.pop(_NOTED_KEY + "_re", None)


def note_identifier_fields(mapping) -> None:
    """Note the values of a mapping's identifier fields (IDENTIFIER_FIELDS) as identifiers."""
    if isinstance(mapping, dict):
        note_identifier(
            *(
                value
                for key, value in mapping.items()
                if isinstance(key, str) and key.lower() in IDENTIFIER_FIELDS
            )
        )


def _noted_pattern():
    """One pattern matching every noted identifier (case-insensitively), or None."""
    if not has_app_context() or not g.get(_NOTED_KEY):
        return None
    pattern = g.get(_NOTED_KEY + "_re")
    if pattern is None:
        alternatives = sorted(g.get(_NOTED_KEY), key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(value) for value in alternatives), re.IGNORECASE)
        g.setdefault(_NOTED_KEY + "_re", pattern)
    return pattern


def mask_text(value: str) -> str:
    """Mask identifiers in free text: the noted ones, then identifier-looking runs (last 4 kept)."""
    noted = _noted_pattern()
    if noted is not None:
        value = noted.sub(lambda m: _masked(m.group(0)), value)
    return _IDENTIFIER.sub(lambda m: "****" + m.group(0)[-4:], value)


def mask_fields(value, key: str | None = None):
    """A copy of a (nested) value with identifier fields masked whole and identifiers masked in text."""
    if key is not None and key.lower() in IDENTIFIER_FIELDS and value not in (None, ""):
        return _masked(str(value)) if not isinstance(value, (dict, list, tuple)) else mask_fields(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: mask_fields(v, k if isinstance(k, str) else None) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_fields(item, key) for item in value]
    return value


def _mask(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask identifiers by field, origin and pattern in every value; drop secrets."""
    for key, value in list(event_dict.items()):
        if key in _SECRET_KEYS and value:
            event_dict[key] = "[redacted]"
        elif isinstance(value, (str, dict, list, tuple)) or key.lower() in IDENTIFIER_FIELDS:
            event_dict[key] = mask_fields(value, key)
    return event_dict


def new_request_id(incoming: str) -> str:
    """A request's id: the caller's X-Request-ID if sane, else 32 new hex digits."""
    return incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)


def request_id() -> str | None:
    """The current request's id (None outside a request, or one that did not pass the request stack)."""
    if not has_request_context():
        return None
    notes = notes_of(request.environ)
    return notes.request_id if notes is not None else None


def _add_request(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """structlog processor: the request id and path of the current request."""
    if has_request_context():
        event_dict.setdefault("request_id", request_id())
        event_dict.setdefault("path", request.path)
    return event_dict


class _ExtraAdder:
    """Copy stdlib `extra={...}` fields into the structured event."""

    _standard = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        record = event_dict.get("_record")
        if record is not None:
            for key, value in record.__dict__.items():
                if key not in self._standard and not key.startswith("_"):
                    event_dict.setdefault(key, value)
        return event_dict


def configure_logging(app) -> None:
    """JSON lines to stderr (or readable lines in development), identifiers masked."""
    shared: list[Processor] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _ExtraAdder(),
        _add_request,
        _mask,
    ]
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if app.config.get("LOG_JSON")
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _mask,  # again: tracebacks are formatted only now and may quote identifiers
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("ssc-json")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "ssc-json"] + [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.handlers = []
    app.logger.propagate = True
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared[:-1], _mask, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
