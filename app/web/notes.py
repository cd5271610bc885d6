"""What the layers of the request stack tell each other and Flask about one request, typed.

WSGI passes only the environ down the stack, so one typed record travels in it under one key,
instead of loose keys per fact. The outermost layer that needs it (headers_and_metrics) makes
it; layers below and Flask's views read it with `notes_of`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

#: The one environ key of the stack (a WSGI-style dotted name, unlikely to meet anyone else's).
ENVIRON_KEY = "ssc_bridge.request_notes"


@dataclass
class RequestNotes:
    """One request's facts as the layers learn them."""

    #: The id echoed in X-Request-ID and logged with every line of the request.
    request_id: str
    #: The route's endpoint when a layer answered without Flask (so metrics name the route).
    answered_before_flask: str | None = None
    #: A Redis error a layer met looking up the session, so Flask answers it without a second wait.
    redis_failure: Exception | None = None


def attach(environ: MutableMapping[str, Any], notes: RequestNotes) -> RequestNotes:
    """Put `notes` in the request's environ; returns them."""
    environ[ENVIRON_KEY] = notes
    return notes


def notes_of(environ: MutableMapping[str, Any]) -> RequestNotes | None:
    """The request's notes, or None when no layer of the stack made them (a bare test app)."""
    notes = environ.get(ENVIRON_KEY)
    return notes if isinstance(notes, RequestNotes) else None
