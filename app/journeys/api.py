"""Journeys as screen documents: GET the current screen, POST an answer (docs/architecture.md, "Screen documents")."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

from flask import Blueprint, Response, current_app, g, request
from redis.exceptions import RedisError

from app import clock
from app.api.security import login_required, prefetched
from app.errors import BadRequest, NotFound
from app.extensions import csrf, get_redis
from app.i18n import _l, current_locale_id
from app.journeys import engine, flow_cache, registry, screen_cache
from app.json_provider import StrictJSONProvider
from app.logs import request_id

log = logging.getLogger(__name__)
bp = Blueprint("flows", __name__)
# Bearer tokens, not cookies, authenticate this API: there is no cross-site form to forge.
csrf.exempt(bp)

MAX_ANSWERS = 20


class UnknownFlow(NotFound):
    """No journey has this name."""

    code = "flow.not_found"
    message = _l("This journey does not exist.")


def _flow(name: str):
    """The registered flow, or 404."""
    flow = registry.get(name)
    if flow is None:
        raise UnknownFlow()
    return flow


def _context() -> engine.Context:
    """Who is asking, from the session."""
    data = g.session.data
    return engine.Context(
        user_id=g.user_id,
        openid=data.get("openid"),
        locale=current_locale_id(),
        first_run=not data.get("locale"),
        token=g.token,
        request_id=request_id(),
    )


def _parse_submission() -> tuple[str, str, dict]:
    """{step, action, answers} from the JSON body, or 400."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    step, action, answers = body.get("step"), body.get("action"), body.get("answers", {})
    if answers is None:
        answers = {}
    if (
        not isinstance(step, str)
        or not isinstance(action, str)
        or not isinstance(answers, dict)
        or len(step) > 64
        or len(action) > 64
        or len(answers) > MAX_ANSWERS
    ):
        raise BadRequest(details={"expected": {"step": "string", "action": "string", "answers": "object"}})
    return step, action, answers


def _screen_keys(user_id: int, name: str) -> list[str]:
    """The Redis keys of the journey state's copy and the kept screen, fetched with the session."""
    return screen_cache.keys(user_id, name)


def screen_response(body: bytes, status: int = 200) -> Response:
    """A journey screen as sent: JSON, never stored by a cache (it holds the user's answers)."""
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/flows/<name>")
@login_required(prefetch=_screen_keys)
def show(name: str):
    """The current screen of a journey (starting it if needed); the kept copy when still current."""
    flow = _flow(name)
    ctx = _context()
    fetched = prefetched()
    release = current_app.extensions[screen_cache.RELEASE_EXTENSION]
    kept = screen_cache.kept_body(
        fetched, g.user_id, name, locale=ctx.locale, first_run=ctx.first_run, release=release
    )
    if kept is not None:
        return screen_response(kept)
    redis_client = get_redis()
    document, status = engine.show(flow, ctx, flow_cache.CachedStates(redis_client, fetched))
    body = cast(StrictJSONProvider, current_app.json).dump_bytes(document) + b"\n"
    # Kept only when rendered from the Redis copy as read (its bytes and generation make the stamp).
    if isinstance(ctx.shown_from, flow_cache.StateCopy) and status == 200:
        screen_cache.keep(
            redis_client,
            g.user_id,
            name,
            ctx.shown_from,
            locale=ctx.locale,
            first_run=ctx.first_run,
            release=release,
            body=body,
        )
    return screen_response(body, status)


def _keep_answered_screen(name: str, ctx: engine.Context, body: bytes) -> None:
    """Keep the screen an answer led to, so the GET that follows is a repeat (answered before Flask).

    Only a screen rendered from exactly the state this request saved and wrote to Redis, on a
    `cacheable` step with no errors (the engine then sets `shown_from`): the same bytes a GET
    would render from that copy, in this locale and first-run state.
    """
    copy = flow_cache.written_copy(cast(int, g.user_id), name)
    shown = ctx.shown_from
    if (
        copy is None
        or shown is None
        or (shown.step, shown.answers, shown.context, shown.history)
        != (
            copy.step,
            copy.answers,
            copy.context,
            copy.history,
        )
    ):
        return
    try:
        screen_cache.keep(
            get_redis(),
            cast(int, g.user_id),
            name,
            copy,
            locale=ctx.locale,
            first_run=ctx.first_run,
            release=current_app.extensions[screen_cache.RELEASE_EXTENSION],
            body=body,
        )
    except RedisError:  # the answer is saved; the next GET renders the screen itself
        log.warning("answered screen not kept", exc_info=True)


@bp.post("/flows/<name>")
@login_required
def submit(name: str):
    """Answer the current screen: the next screen, or this one with errors."""
    flow = _flow(name)
    step, action, answers = _parse_submission()
    ctx = _context()
    document, status = engine.submit(flow, ctx, step, action, answers)
    body = cast(StrictJSONProvider, current_app.json).dump_bytes(document) + b"\n"
    _keep_answered_screen(name, ctx, body)
    response = screen_response(body, status)
    retry_at = document.get("error", {}).get("details", {}).get("retry_at") if status == 429 else None
    if retry_at:
        seconds = (datetime.fromisoformat(retry_at) - clock.now()).total_seconds()
        response.headers["Retry-After"] = str(max(int(seconds), 1))
    return response
