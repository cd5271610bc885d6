"""Structured JSON logs with a request id; identifiers are masked before anything is written."""

from __future__ import annotations

import logging
import re
import secrets
import sys

import structlog
from flask import has_request_context, request

#: Long digit runs (permit, SSN, phone, card numbers) and passport-like tokens (in either case:
#: text such as a typed user name may have been lowercased before it is recorded).
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9])(?:\+?\d[\d\- ]{7,}\d|[A-Za-z]{1,3}\d{6,}[0-9Xx]?|9\d{16}[\dXx])(?![A-Za-z0-9])")
#: What a caller-supplied X-Request-ID may look like to be echoed and logged.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
#: Where the edge (app/edge.py) keeps the request id in the WSGI environ.
REQUEST_ID_KEY = "ssc.request_id"
_SECRET_KEYS = {"session_key", "secret", "password", "token", "access_token", "phone_code", "code"}


def mask_text(value: str) -> str:
    """Replace identifier-looking runs with a masked form keeping the last 4 characters."""
    return _IDENTIFIER.sub(lambda m: "****" + m.group(0)[-4:], value)


def _mask(_, __, event_dict: dict) -> dict:
    """structlog processor: mask identifiers in every string value; drop secrets."""
    for key, value in list(event_dict.items()):
        if key in _SECRET_KEYS and value:
            event_dict[key] = "[redacted]"
        elif isinstance(value, str):
            event_dict[key] = mask_text(value)
    return event_dict


def assign_request_id(environ: dict) -> str:
    """Give a WSGI request its id: the caller's X-Request-ID if sane, else 32 new hex digits."""
    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    request_id = incoming if _REQUEST_ID.fullmatch(incoming) else secrets.token_hex(16)
    environ[REQUEST_ID_KEY] = request_id
    return request_id


def request_id() -> str | None:
    """The current request's id (None outside a request, or one that did not pass the edge)."""
    return request.environ.get(REQUEST_ID_KEY) if has_request_context() else None


def _add_request(_, __, event_dict: dict) -> dict:
    """structlog processor: the request id and path of the current request."""
    if has_request_context():
        event_dict.setdefault("request_id", request_id())
        event_dict.setdefault("path", request.path)
    return event_dict


class _ExtraAdder:
    """Copy stdlib `extra={...}` fields into the structured event."""

    _standard = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}

    def __call__(self, _, __, event_dict: dict) -> dict:
        record = event_dict.get("_record")
        if record is not None:
            for key, value in record.__dict__.items():
                if key not in self._standard and not key.startswith("_"):
                    event_dict.setdefault(key, value)
        return event_dict


def configure_logging(app) -> None:
    """JSON lines to stderr (or readable lines in development), identifiers masked."""
    shared = [
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

