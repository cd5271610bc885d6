"""Where a user is in a journey: the current step, the answers so far, and an optimistic version."""

from __future__ import annotations

import json

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app import pii
from app.columns import Timestamps
from app.extensions import Model


class EncryptedJSON(TypeDecorator):
    """A JSON object encrypted at rest with the PII key: answers hold names and identifiers."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return pii.codec().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value, dialect):
        return json.loads(pii.codec().decrypt(value)) if value is not None else None


class FlowState(Timestamps, Model):
    """One user's progress through one flow; stored in the database so it survives restarts and devices.

    `answers` are what the user typed (encrypted); `context` is what the engine derived (the
    matched person, a lockout time, the step to return to after a change). `version` is checked
    on every write, so two devices submitting at once cannot both move the journey.
    """

    __tablename__ = "flow_states"
    __table_args__ = (UniqueConstraint("user_id", "flow"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    # Mutable wrappers: a step's `answers["x"] = …` is saved without reassigning the column.
    answers: Mapped[dict] = mapped_column(MutableDict.as_mutable(EncryptedJSON), default=dict)
    context: Mapped[dict] = mapped_column(MutableDict.as_mutable(JSON), default=dict)
    history: Mapped[list] = mapped_column(MutableList.as_mutable(JSON), default=list)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
