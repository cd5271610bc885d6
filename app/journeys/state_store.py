"""Journey states read and written with single statements, outside the ORM session.

A screen reads a `SavedState` (four columns, one round trip). An answer reads a `LiveState`
(the same, with the row's id and version) and saves it with one guarded statement:
`UPDATE flow_states … WHERE id = ? AND version = ?`. No row matched means another request moved
the journey first. What a step's services changed in the ORM session (added rows, a consent)
is committed in the same transaction as that UPDATE; when they changed nothing, the UPDATE runs
on its own on the read engine (autocommit on MySQL: one round trip, no COMMIT).

Listeners (the Redis copies of flow_cache) hear of every state saved here once it is committed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import cast

from sqlalchemy import Table, bindparam, select, update

from app import clock
from app.extensions import db, read_first, write_one
from app.journeys.models import FlowState


@dataclass
class SavedState:
    """A saved journey state as a screen reads it: plain values, outside the database session."""

    step: str
    answers: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    history: list = field(default_factory=list)


@dataclass
class LiveState(SavedState):
    """A saved state read for changing it: its row, the version read, and the fields as read."""

    id: int = 0
    version: int = 0
    user_id: int = 0
    flow: str = ""
    #: (step, answers, context, history) as read, deep copies: what `changed` compares with.
    as_read: tuple = ()

    def fields(self) -> tuple:
        """The four saved fields as they are now."""
        return (self.step, self.answers, self.context, self.history)

    @property
    def changed(self) -> bool:
        """Whether this request changed anything since the state was read."""
        return self.fields() != self.as_read


#: Called as listener(user_id, flow, state) once a state saved here is committed.
SavedListener = Callable[[int, str, SavedState], None]
_listeners: list[SavedListener] = []


def on_saved(listener: SavedListener) -> None:
    """Hear of every state this module saves, once committed (registered once per process)."""
    if listener not in _listeners:
        _listeners.append(listener)


@lru_cache(maxsize=1)
def _peek_statement():
    """SELECT step, answers, context, history … WHERE user_id = ? AND flow = ? (built once)."""
    table = FlowState.__table__
    return select(table.c.step, table.c.answers, table.c.context, table.c.history).where(
        table.c.user_id == bindparam("user_id"), table.c.flow == bindparam("flow")
    )


@lru_cache(maxsize=1)
def _live_statement():
    """SELECT id, version, step, answers, context, history … WHERE user_id = ? AND flow = ? (built once)."""
    table = FlowState.__table__
    return select(
        table.c.id, table.c.version, table.c.step, table.c.answers, table.c.context, table.c.history
    ).where(table.c.user_id == bindparam("user_id"), table.c.flow == bindparam("flow"))


@lru_cache(maxsize=1)
def _save_statement():
    """UPDATE a state's fields and version … WHERE id = ? AND version = ? (built once)."""
    # Built per call, a statement costs SQLAlchemy a walk of its whole tree for the cache key.
    table = cast(Table, FlowState.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("state_id"), table.c.version == bindparam("read_version"))
        .values(
            step=bindparam("new_step"),
            answers=bindparam("new_answers"),
            context=bindparam("new_context"),
            history=bindparam("new_history"),
            version=bindparam("new_version"),
            updated_at=bindparam("new_updated_at"),
        )
    )


@lru_cache(maxsize=1)
def _version_statement():
    """SELECT version … WHERE id = ? (built once)."""
    table = FlowState.__table__
    return select(table.c.version).where(table.c.id == bindparam("state_id"))


def read_saved_state(flow: str, user_id: int) -> SavedState | None:
    """The saved state from the database, for showing a screen (the GET hot path).

    On the read engine, in one round trip (autocommit on MySQL: no transaction to roll back),
    without the ORM session, which then needs nothing at teardown. Only the four columns a
    screen needs are read.
    """
    row = read_first(_peek_statement(), {"user_id": user_id, "flow": flow})
    if row is None:
        return None
    step, answers, context, history = row
    return SavedState(step=step, answers=answers or {}, context=context or {}, history=history or [])


def read_live_state(flow: str, user_id: int) -> LiveState | None:
    """The saved state with its id and version, for a request that may change it; None before it exists."""
    row = read_first(_live_statement(), {"user_id": user_id, "flow": flow})
    if row is None:
        return None
    state_id, version, step, answers, context, history = row
    state = LiveState(
        step=step,
        answers=answers or {},
        context=context or {},
        history=history or [],
        id=state_id,
        version=version,
        user_id=user_id,
        flow=flow,
    )
    state.as_read = copy.deepcopy(state.fields())
    return state


def save_live_state(state: LiveState) -> bool:
    """Commit the state and the session's changes under the version check; False (nothing saved) when stale.

    Unchanged, the version is read to tell whether another request moved the journey meanwhile.
    """
    session = db.session()
    in_transaction = session.in_transaction() or bool(session.new or session.dirty or session.deleted)
    if not state.changed:
        if read_first(_version_statement(), {"state_id": state.id}) != (state.version,):
            if in_transaction:
                session.rollback()
            return False
        if in_transaction:
            session.commit()
        return True
    statement = _save_statement()
    params = {
        "state_id": state.id,
        "read_version": state.version,
        "new_step": state.step,
        "new_answers": state.answers,
        "new_context": state.context,
        "new_history": state.history,
        "new_version": state.version + 1,
        "new_updated_at": clock.now(),
    }
    if in_transaction:
        # The step's own writes (pending or already sent) and the state: one transaction.
        session.flush()
        if session.connection().execute(statement, params).rowcount != 1:
            session.rollback()
            return False
        session.commit()
    elif write_one(statement, params) != 1:
        return False
    state.version += 1
    state.as_read = copy.deepcopy(state.fields())
    saved = SavedState(
        step=state.step,
        answers=dict(state.answers),
        context=dict(state.context),
        history=list(state.history),
    )
    for listener in _listeners:
        listener(state.user_id, state.flow, saved)
    return True
