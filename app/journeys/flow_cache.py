"""A Redis copy of each saved journey state, so showing a screen needs no SQL; the database stays the truth.

`GET /api/v1/flows/<name>` is the hottest journey request, and its one SQL read (plus the database
server's work for it) was most of its cost. The state a screen needs (step, answers, context,
history) is therefore also kept in Redis under the user and the flow, for TTL_SECONDS:

- A miss reads the database and fills the copy with SET NX, so a fill never replaces a fresher copy.
- Every committed write of a FlowState (a new journey, a step, a reset, a delete) writes the
  committed state through (SET) or deletes it: ORM writes from SQLAlchemy session events, the
  guarded UPDATEs of `state_store` from its `on_saved` listeners. Engine code needs no cache
  calls, and a write that rolls back touches nothing.
- Statements that change flow_states in bulk (consent withdrawal, erasure) cannot name their rows:
  after they commit, a generation number is bumped, and copies made under an older one are ignored.
- Answers stay encrypted in the copy with the same PII codec as the column.

The journey view reads states through `CachedStates` (the engine's `SavedStates`: the engine
itself knows nothing of this cache). A copy is only ever read for showing a screen; every submission reads and writes the database
under the version check. If Redis fails after a database commit, the copy may lag for at most
TTL_SECONDS; the failure is logged and the request (whose data is saved) still succeeds.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event

from app import pii
from app.extensions import db, get_redis
from app.journeys import state_store
from app.journeys.models import FlowState
from app.journeys.state_store import SavedState, read_saved_state

log = logging.getLogger(__name__)

PREFIX = "ssc:flow-state"
GENERATION_KEY = f"{PREFIX}:generation"
TTL_SECONDS = 600
#: session.info keys: the copies to write after commit, whether a bulk statement ran, and the
#: copies written by the last commit (for the screen cache).
_PENDING = "ssc_flow_copies"
_BULK = "ssc_flow_bulk"
_WRITTEN = "ssc_flow_written"


@dataclass
class StateCopy(SavedState):
    """A saved state read from its Redis copy, with exactly what was read (for the screen cache)."""

    #: The copy's bytes as stored, and the generation it was checked against.
    raw: bytes = b""
    generation: int = 0


class CachedStates:
    """Saved states read through their Redis copies, falling back to the database (and filling the copy)."""

    def __init__(self, redis_client, prefetched: dict | None = None):
        self.redis = redis_client
        #: Values already fetched with the session ({key: value or None}), so the copy costs no round trip.
        self.prefetched = prefetched

    def peek(self, flow: str, user_id: int) -> SavedState | None:
        """The user's saved state of `flow`: the Redis copy, else the database row (then copied)."""
        copy, generation = read(self.redis, user_id, flow, self.prefetched)
        if copy is not None:
            return copy
        state = read_saved_state(flow, user_id)
        if state is not None:
            fill(self.redis, user_id, flow, state, generation)
        return state


def key(user_id: int, flow: str) -> str:
    """The Redis key of one user's copy of one flow's state."""
    return f"{PREFIX}:{int(user_id)}:{flow}"


def keys(user_id: int, flow: str) -> list[str]:
    """The keys `read` needs: the copy and the generation (to fetch with the session)."""
    return [key(user_id, flow), GENERATION_KEY]


def read(
    redis_client, user_id: int, flow: str, prefetched: dict | None = None
) -> tuple[StateCopy | None, int]:
    """(the state copy or None, the current generation): from `prefetched`, else in one round trip."""
    wanted = keys(user_id, flow)
    if prefetched and all(name in prefetched for name in wanted):
        raw, generation = (prefetched[name] for name in wanted)
    else:
        raw, generation = redis_client.mget(wanted)
    generation = int(generation or 0)
    if raw is None:
        return None, generation
    copy = json.loads(raw)
    if copy.get("g") != generation:
        # Made before a bulk change to flow_states: not to be trusted. Dropping it lets the caller's
        # fill (SET NX) replace it; dropping a copy is always safe, it only costs one more miss.
        redis_client.delete(key(user_id, flow))
        return None, generation
    try:
        answers = json.loads(pii.codec().decrypt(copy["answers"])) if copy.get("answers") else {}
    except pii.UnknownPiiKey:  # written with a PII key since retired: the database has the state
        redis_client.delete(key(user_id, flow))
        return None, generation
    # `raw` and `generation` say exactly what was read, for the screen cache (screen_cache.py).
    return StateCopy(
        step=copy["step"],
        answers=answers,
        context=copy["context"] or {},
        history=copy["history"] or [],
        raw=raw,
        generation=generation,
    ), generation


def fill(redis_client, user_id: int, flow: str, state: SavedState, generation: int) -> None:
    """Keep a copy of a state just read from the database, unless a copy exists already."""
    redis_client.set(key(user_id, flow), _encode(state, generation), nx=True, ex=TTL_SECONDS)


def _encode(state: SavedState, generation: int) -> str:
    """The copy: the screen's four fields (answers encrypted) and the generation it was made under."""
    answers = pii.codec().encrypt(json.dumps(state.answers or {}, ensure_ascii=False, separators=(",", ":")))
    return json.dumps(
        {
            "g": generation,
            "step": state.step,
            "answers": answers,
            "context": dict(state.context or {}),
            "history": list(state.history or []),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


# --- keeping copies in step with the database -----------------------------------------------------


def _after_flush(session, _flush_context) -> None:
    """Note the FlowState rows this flush wrote (as they will be once committed)."""
    pending = session.info.setdefault(_PENDING, {})
    for obj in session.new | session.dirty:
        if isinstance(obj, FlowState) and obj.user_id is not None:
            pending[(obj.user_id, obj.flow)] = SavedState(
                step=obj.step,
                answers=dict(obj.answers or {}),
                context=dict(obj.context or {}),
                history=list(obj.history or []),
            )
    for obj in session.deleted:
        if isinstance(obj, FlowState) and obj.user_id is not None:
            pending[(obj.user_id, obj.flow)] = None


def _on_orm_execute(orm_execute_state) -> None:
    """Note a bulk UPDATE or DELETE of flow_states (its rows are not known one by one)."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mapper = orm_execute_state.bind_mapper
    if mapper is not None and mapper.class_ is FlowState:
        orm_execute_state.session.info[_BULK] = True


def _after_commit(session) -> None:
    """Write the committed states through (or drop them); bump the generation after bulk changes."""
    pending = session.info.pop(_PENDING, None) or {}
    bulk = session.info.pop(_BULK, False)
    if not (pending or bulk) or not has_app_context():
        return
    _write_through(session, pending, bulk)


def _saved_without_orm(user_id: int, flow: str, state: SavedState) -> None:
    """A state saved by `state_store` (committed): write its copy through, as for an ORM commit."""
    if has_app_context():
        _write_through(db.session(), {(user_id, flow): state}, bulk=False)


def _write_through(session, pending: dict, bulk: bool) -> None:
    """SET (or DEL) the copies of committed states; the written copies are noted for the screen cache."""
    session.info.pop(_WRITTEN, None)  # older copies than this commit's
    try:
        redis_client = get_redis()
        generation = int(redis_client.incr(GENERATION_KEY) if bulk else redis_client.get(GENERATION_KEY) or 0)
        written = {}
        with redis_client.pipeline(transaction=False) as pipe:
            for (user_id, flow), state in pending.items():
                if state is None:
                    pipe.delete(key(user_id, flow))
                else:
                    raw = _encode(state, generation).encode("utf-8")
                    pipe.set(key(user_id, flow), raw, ex=TTL_SECONDS)
                    written[(user_id, flow)] = StateCopy(
                        step=state.step,
                        answers=state.answers,
                        context=state.context,
                        history=state.history,
                        raw=raw,
                        generation=generation,
                    )
            pipe.execute()
        session.info[_WRITTEN] = written
    except Exception:  # the data is committed; a lagging copy expires by itself
        log.warning("journey state copies not updated", exc_info=True)


def written_copy(user_id: int, flow: str) -> StateCopy | None:
    """The copy this request's last commit wrote of the user's state of `flow` (exactly as stored), if any."""
    return (db.session.info.get(_WRITTEN) or {}).get((user_id, flow))


def _forget_pending(session, *_args) -> None:
    """A rollback: nothing noted since the last commit was saved."""
    session.info.pop(_PENDING, None)
    session.info.pop(_BULK, None)
    session.info.pop(_WRITTEN, None)


def install() -> None:
    """Listen to the app's database session (once per process)."""
    state_store.on_saved(_saved_without_orm)
    target = db.session
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_orm_execute),
        ("after_commit", _after_commit),
        ("after_rollback", _forget_pending),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
