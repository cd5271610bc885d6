"""The flow engine: screen documents (docs/architecture.md, "Screen documents"), validation, back/change, stale steps, saved state.

A Flow is an ordered set of Steps. A Step knows its fields, its texts (translated when rendered)
and what a submission does; the engine owns everything else: loading and saving the user's
FlowState (showing a screen reads it through the `SavedStates` the caller passes, by default one
indexed row; a submission reads the row and writes it under an optimistic version check), the
history for `back`, the return to check-answers after `change`, 409 for a stale step, and the
exact shape of the screen document. The engine knows nothing of caches: the API view passes
states read through their Redis copies (app/journeys/flow_cache.py) and keeps rendered screens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.i18n import _, locale_meta, ngettext, pgettext
from app.journeys.models import FlowState
from app.journeys.state_store import (
    LiveState,
    SavedState,
    read_live_state,
    read_saved_state,
    save_live_state,
)
from app.logs import note_identifier_fields

MAX_HISTORY = 30
#: Actions every step understands; a step adds its own (`confirm`) through `action_names`.
CONTINUE, BACK, CHANGE = "continue", "back", "change"


class SavedStates(Protocol):
    """Where `show` reads a user's saved state from (the database, or copies kept in step with it)."""

    def peek(self, flow: str, user_id: int) -> SavedState | None:
        """The user's saved state of `flow`, read-only, or None before the journey starts."""
        ...


@dataclass
class Context:
    """Who is in the journey and what the request brought; the engine attaches the state."""

    user_id: int | None
    openid: str | None = None
    locale: str = "en"
    first_run: bool = False
    #: The session token, so a language chosen in a journey is saved in the session too.
    token: str | None = None
    request_id: str | None = None
    preview: bool = False
    state: FlowState | SavedState | None = None
    #: The state's version when this request read it: a service that commits mid-request expires
    #: the state, and a reload must not hide another request's change from the version check.
    read_version: int | None = None
    #: The database transaction the state was read in: while it is still the session's, no commit
    #: can have reloaded the state, and the UPDATE's own version check is enough.
    read_transaction: object | None = None
    #: Set by `show` when its screen depends only on this saved state, the locale and the first-run
    #: flag (a `cacheable` step, shown as read), and by `submit` when the screen it answers with
    #: is such a screen of the state it saved: the state, so the caller may keep the screen.
    shown_from: SavedState | None = None

    @property
    def current(self) -> FlowState | SavedState:
        """The attached state (the engine attaches it before any step runs)."""
        if self.state is None:
            raise RuntimeError("the journey's state is not attached yet")
        return self.state

    @property
    def answers(self) -> dict:
        """The user's saved answers (a dict even before anything is saved)."""
        if self.current.answers is None:
            self.current.answers = {}
        return self.current.answers

    @property
    def data(self) -> dict:
        """What the engine and steps derived (matched person, lock time, return step)."""
        if self.current.context is None:
            self.current.context = {}
        return self.current.context


@dataclass(frozen=True)
class Field:
    """One input on a screen; label, hint and options are produced in the request's locale."""

    name: str
    type: str
    label: Callable[[Context], str]
    hint: Callable[[Context], str | None] | None = None
    required: bool = True
    #: The keyboard to show; a callable when it depends on earlier answers.
    inputmode: str | Callable[[Context], str | None] | None = None
    max_length: int | None = None
    options: Callable[[Context], list[dict]] | None = None
    #: False for one-time codes: never sent back to the client.
    echo: bool = True


class FieldError(Exception):
    """A value failed a step's check; the message is already translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    """What a submission leads to: another step, or this one again with errors and a status."""

    next_step: str | None = None
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    status: int = 200
    error_code: str | None = None
    error_message: str | None = None
    #: False when the step left is not worth going back to (a one-time action).
    remember: bool = True
    values: dict | None = None
    #: Extra facts for the error envelope's details (e.g. retry_at).
    details: dict | None = None

    @classmethod
    def go(cls, step: str, **kwargs) -> Outcome:
        """Move to `step`."""
        return cls(next_step=step, **kwargs)

    @classmethod
    def fail(
        cls,
        errors: list[tuple[str | None, str]],
        *,
        code: str,
        message: str | None = None,
        status: int = 422,
        values: dict | None = None,
    ) -> Outcome:
        """Stay on this step and show errors."""
        return cls(errors=errors, status=status, error_code=code, error_message=message, values=values)


def action(name: str, label: str, primary: bool = False) -> dict:
    """One button of a screen."""
    return {"name": name, "label": label, "primary": primary}


def continue_action(label: str | None = None) -> dict:
    """The primary Continue button."""
    # TRANSLATORS: the main button that saves the answer and goes to the next screen.
    return action(CONTINUE, label or pgettext("button", "Continue"), primary=True)


def back_action() -> dict:
    """The Back link."""
    # TRANSLATORS: link to the previous screen of a journey.
    return action(BACK, pgettext("button", "Back"))


class Step:
    """One screen of a flow. Subclasses set `name`, `fields`, `progress` and the texts."""

    name: str = ""
    fields: tuple[Field, ...] = ()
    #: Position in the progress indicator, or None for screens outside it.
    progress: int | None = None
    #: Accepts `change` with `answers.field` (the check-answers screen).
    accepts_change: bool = False
    #: Extra action names besides continue/back (e.g. `confirm`).
    action_names: tuple[str, ...] = (CONTINUE,)
    #: Whether `back` is offered.
    can_go_back: bool = True
    #: Whether the screen depends only on the saved state, the locale and the first-run flag (no
    #: database read, no clock), so a rendered copy may be kept (app/journeys/screen_cache.py).
    cacheable: bool = False

    def title(self, ctx: Context) -> str:
        """The heading: the question this screen asks."""
        raise NotImplementedError

    def body(self, ctx: Context) -> list[str]:
        """Paragraphs above the fields."""
        return []

    def summary(self, ctx: Context) -> list[dict]:
        """Rows of answers with change links (check-answers screens)."""
        return []

    def actions(self, ctx: Context) -> list[dict]:
        """The buttons."""
        buttons = [continue_action()]
        if self.can_go_back:
            buttons.append(back_action())
        return buttons

    def before_show(self, ctx: Context) -> str | None:
        """Another step to show instead (e.g. a lock that has lifted); None to show this one."""
        return None

    def clean(self, ctx: Context, name: str, value: Any) -> Any:
        """Check and normalise one submitted value; raise FieldError with a translated message."""
        if isinstance(value, str):
            value = value.strip()
        return value

    def required_message(self, ctx: Context, input_field: Field) -> str:
        """The error for an empty required field."""
        return _("Please answer this question.")

    def validate(self, ctx: Context, submitted: dict) -> tuple[dict, list[tuple[str | None, str]]]:
        """Cleaned values and errors (field, message) for this step's fields."""
        cleaned: dict = {}
        errors: list[tuple[str | None, str]] = []
        for input_field in self.fields:
            value = submitted.get(input_field.name)
            if value is not None and not isinstance(value, (str, bool, int)):
                errors.append((input_field.name, _("We could not read this answer. Try again.")))
                continue
            if (
                isinstance(value, str)
                and input_field.max_length
                and len(value.strip()) > input_field.max_length
            ):
                errors.append(
                    (
                        input_field.name,
                        # TRANSLATORS: %(num)d is a number of characters.
                        ngettext(
                            "Use %(num)d character or fewer.",
                            "Use %(num)d characters or fewer.",
                            input_field.max_length,
                        ),
                    )
                )
                continue
            if value in (None, "", False) and input_field.required:
                errors.append((input_field.name, self.required_message(ctx, input_field)))
                continue
            try:
                cleaned[input_field.name] = self.clean(ctx, input_field.name, value)
            except FieldError as error:
                errors.append((input_field.name, error.message))
        return cleaned, errors

    def submit(self, ctx: Context, action_name: str, cleaned: dict) -> Outcome:
        """Save the answers and move on (steps with side effects override this)."""
        ctx.answers.update(cleaned)
        return Outcome.go(self.next_step(ctx))

    def next_step(self, ctx: Context) -> str:
        """The step after this one."""
        raise NotImplementedError


@dataclass(frozen=True)
class Sample:
    """A screen to preview: a step with example answers and context, and errors made at render time."""

    step: str
    answers: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    #: Returns [(field, message)] in the active locale (messages must be translated when rendered).
    errors: Callable[[], list[tuple[str | None, str]]] | None = None
    #: A stable name for this state, e.g. `check.name_mismatch`.
    label: str = ""


class Flow:
    """A journey: its steps in order, the first step, the progress total and preview samples."""

    name: str = ""
    total: int = 0

    def __init__(self, steps: list[Step]):
        self.steps = {step.name: step for step in steps}
        self.order = [step.name for step in steps]

    def first_step(self, ctx: Context) -> str:
        """Where a new journey starts."""
        return self.order[0]

    def step_for_field(self, name: str) -> str | None:
        """The step that asks a field (the target of a change link)."""
        for step in self.steps.values():
            if any(input_field.name == name for input_field in step.fields):
                return step.name
        return None

    def resume_after_change(self, ctx: Context, return_to: str) -> str:
        """After a changed answer: the first earlier step left unanswered, else the return step."""
        for name in self.order:
            if name == return_to:
                break
            step = self.steps[name]
            if step.progress is None:
                continue
            if any(
                input_field.required and ctx.answers.get(input_field.name) in (None, "")
                for input_field in step.fields
            ):
                return name
        return return_to

    def samples(self) -> list[Sample]:
        """Every screen worth previewing, including error states."""
        return [Sample(step=name) for name in self.order]


# --- rendering ---------------------------------------------------------------------------------


def render(
    flow: Flow,
    ctx: Context,
    *,
    values: dict | None = None,
    errors: list[tuple[str | None, str]] | None = None,
) -> dict:
    """The screen document of the current step, exactly as docs/architecture.md ("Screen documents") shapes it."""
    step = flow.steps[ctx.current.step]
    errors = errors or []
    by_field = {}
    for name, message in errors:
        if name is not None and name not in by_field:
            by_field[name] = message
    meta = locale_meta(ctx.locale)
    answers = ctx.answers
    fields = []
    for input_field in step.fields:
        if values is not None and input_field.name in values:
            value = values[input_field.name]
        else:
            value = answers.get(input_field.name)
        if not input_field.echo:
            value = ""
        if value is None:
            value = False if input_field.type == "checkbox" else ""
        fields.append(
            {
                "name": input_field.name,
                "type": input_field.type,
                "label": input_field.label(ctx),
                "hint": input_field.hint(ctx) if input_field.hint else None,
                "required": input_field.required,
                "value": value,
                "error": by_field.get(input_field.name),
                "inputmode": input_field.inputmode(ctx)
                if callable(input_field.inputmode)
                else input_field.inputmode,
                "max_length": input_field.max_length,
                "options": input_field.options(ctx) if input_field.options else [],
            }
        )
    return {
        "flow": flow.name,
        "step": step.name,
        "locale": meta["locale"],
        "dir": meta["dir"],
        "progress": _progress(step.progress, flow.total),
        "title": step.title(ctx),
        "body": step.body(ctx),
        "fields": fields,
        "errors": [{"field": name, "message": message} for name, message in errors],
        "summary": _with_change_labels(step.summary(ctx)),
        "actions": step.actions(ctx),
    }


def _progress(current: int | None, total: int) -> dict | None:
    """Where a screen is in its journey, with the words a screen reader says for it."""
    if not current:
        return None
    # TRANSLATORS: progress through a journey, read aloud on each screen: "Step 3 of 7" (numbers).
    label = pgettext("progress", "Step %(current)d of %(total)d", current=current, total=total)
    return {"current": current, "total": total, "label": label}


def _with_change_labels(rows: list[dict]) -> list[dict]:
    """Give every row with a change link the link's text, so clients show no text of their own."""
    if not any(row.get("change") for row in rows):
        return rows
    # TRANSLATORS: the link beside an answer on the check-your-answers screen. Max 20 characters.
    label = pgettext("change link", "Change")
    return [{**row, "change_label": label} if row.get("change") else row for row in rows]


def with_error(document: dict, code: str, message: str, details: dict | None = None) -> dict:
    """A non-200 screen also carries the error envelope, so clients can branch on a stable code."""
    document["error"] = {"code": code, "message": message, "details": details or {}}
    return document


# --- state -------------------------------------------------------------------------------------


def _load_state(flow: Flow, ctx: Context) -> FlowState | LiveState:
    """The user's saved state for this flow (one indexed read), created at the first step if none.

    A saved state is read outside the ORM session (`state_store`); a new one is made through it.
    """
    state = read_live_state(flow.name, cast(int, ctx.user_id))
    if state is not None:
        note_identifier_fields(state.answers)  # masked in any log line of this request
        return state
    ctx.state = FlowState(user_id=ctx.user_id, flow=flow.name, step="", answers={}, context={}, history=[])
    ctx.state.step = flow.first_step(ctx)
    db.session.add(ctx.state)
    try:
        db.session.commit()
    except IntegrityError:
        # Another device created it at the same moment: use theirs.
        db.session.rollback()
        return db.session.scalars(
            select(FlowState).where(FlowState.user_id == ctx.user_id, FlowState.flow == flow.name)
        ).one()
    return ctx.state


def _move(ctx: Context, to_step: str, *, remember: bool = True) -> None:
    """Go to another step, keeping the way back."""
    state = ctx.current
    if to_step == state.step:
        return
    history = list(state.history or [])
    if remember:
        history.append(state.step)
    state.history = history[-MAX_HISTORY:]
    state.step = to_step
    if ctx.data.get("return_to") == to_step:
        data = dict(ctx.data)
        data.pop("return_to")
        state.context = data


def _settle(flow: Flow, ctx: Context) -> None:
    """Follow before_show redirects (at most a few) so the user lands on a showable step."""
    for _round in range(5):
        target = flow.steps[ctx.current.step].before_show(ctx)
        if not target or target == ctx.current.step:
            return
        _move(ctx, target, remember=False)


def _save(ctx: Context) -> bool:
    """Commit; False when another request changed the state first (optimistic version check)."""
    if isinstance(ctx.state, LiveState):
        return save_live_state(ctx.state)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def _stale_response(flow: Flow, ctx: Context) -> tuple[dict, int]:
    """409 with the current screen, after reloading what the other request saved."""
    db.session.expire_all()
    ctx.state = _load_state(flow, ctx)
    document = render(flow, ctx)
    message = _("This screen was out of date. Here is where you are now.")
    return with_error(document, "flow.stale_step", message, {"current_step": ctx.state.step}), 409


# --- the two operations the API calls ----------------------------------------------------------


class DatabaseStates:
    """Saved states read straight from the database (what `show` uses unless given another source)."""

    def peek(self, flow: str, user_id: int) -> SavedState | None:
        """The user's saved state of `flow`, or None."""
        return read_saved_state(flow, user_id)


def show(flow: Flow, ctx: Context, states: SavedStates | None = None) -> tuple[dict, int]:
    """The current screen (the journey starts if needed); the saved state is read from `states`."""
    if ctx.user_id is None:
        raise ValueError("a journey is shown to a signed-in user")
    peeked = (states or DatabaseStates()).peek(flow.name, ctx.user_id)
    if peeked is not None:
        note_identifier_fields(peeked.answers)  # masked in any log line of this request
        ctx.state = peeked
        before = peeked.step
        _settle(flow, ctx)
        if ctx.state.step == before:
            if flow.steps[before].cacheable:
                ctx.shown_from = peeked
            return render(flow, ctx), 200
    # A new journey, or a redirect to save: through the session, with the version check.
    ctx.state = _load_state(flow, ctx)
    before = ctx.state.step
    _settle(flow, ctx)
    if ctx.state.step != before and not _save(ctx):
        return _stale_response(flow, ctx)
    return render(flow, ctx), 200


def submit(flow: Flow, ctx: Context, step_name: str, action_name: str, submitted: dict) -> tuple[dict, int]:
    """Apply one submission to the current step: the next screen, or this one with errors."""
    ctx.state = _load_state(flow, ctx)
    ctx.read_version = ctx.state.version
    ctx.read_transaction = db.session().get_transaction()
    _settle(flow, ctx)
    if step_name != ctx.state.step:
        return _not_the_current_step(flow, ctx)
    step = flow.steps[step_name]
    note_identifier_fields(submitted)
    if action_name == BACK and step.can_go_back:
        return _finish(flow, ctx, _go_back(ctx))
    if action_name == CHANGE and step.accepts_change:
        return _finish(flow, ctx, _change(flow, ctx, step, submitted))
    if action_name not in step.action_names:
        message = _("This action is not available on this screen.")
        return _finish(flow, ctx, Outcome.fail([(None, message)], code="flow.unknown_action", status=400))
    cleaned, invalid = _validate(ctx, step, submitted)
    if invalid is not None:
        return _finish(flow, ctx, invalid)
    try:
        # No autoflush: the state is written once, by _finish, under the version check.
        with db.session.no_autoflush:
            outcome = step.submit(ctx, action_name, cleaned)
    except StaleDataError:
        db.session.rollback()
        return _stale_response(flow, ctx)
    return _finish(flow, ctx, outcome)


def _not_the_current_step(flow: Flow, ctx: Context) -> tuple[dict, int]:
    """409 with the current screen: the submission was for a step the user is no longer on."""
    unsaved = ctx.state.changed if isinstance(ctx.state, LiveState) else bool(db.session.dirty)
    if unsaved and not _save(ctx):
        return _stale_response(flow, ctx)
    document = render(flow, ctx)
    message = _("This screen was out of date. Here is where you are now.")
    return with_error(document, "flow.stale_step", message, {"current_step": ctx.current.step}), 409


def _go_back(ctx: Context) -> Outcome:
    """`back`: return to the step before this one (dropping a return to check-answers made there)."""
    history = list(ctx.current.history or [])
    if history:
        ctx.current.step = history.pop()
        ctx.current.history = history
        if ctx.data.get("return_to") == ctx.current.step:
            ctx.data.pop("return_to")
    return Outcome()


def _change(flow: Flow, ctx: Context, step: Step, submitted: dict) -> Outcome:
    """`change` on check-answers: go to the step asking the field, to come back here after it."""
    target = flow.step_for_field(str(submitted.get("field") or ""))
    if target is None:
        message = _("You cannot change this answer here.")
        return Outcome.fail([(None, message)], code="flow.unknown_field")
    _move(ctx, target)
    ctx.data["return_to"] = step.name
    return Outcome()


def _validate(ctx: Context, step: Step, submitted: dict) -> tuple[dict, Outcome | None]:
    """The step's cleaned answers, and the outcome that shows their errors (None when there are none)."""
    cleaned, errors = step.validate(ctx, submitted)
    note_identifier_fields(cleaned)
    if not errors:
        return cleaned, None
    values = {
        input_field.name: submitted.get(input_field.name)
        for input_field in step.fields
        if isinstance(submitted.get(input_field.name), (str, bool, int))
    }
    return cleaned, Outcome.fail(errors, code="request.validation", values=values)


def _version_check_needed(ctx: Context) -> bool:
    """Whether the saved version must be read before saving.

    Not when the state was changed in the transaction it was read in: the UPDATE then carries
    `WHERE version = <the version read>` and fails on another request's change by itself. When a
    service committed in between (the state may have been reloaded with another request's
    version) or nothing changed (no UPDATE will check), it is read.
    """
    if ctx.read_version is None or not isinstance(ctx.state, FlowState):
        return False
    same_transaction = (
        ctx.read_transaction is not None and db.session().get_transaction() is ctx.read_transaction
    )
    return not (same_transaction and db.session.is_modified(ctx.state))


def _snapshot(state: FlowState | SavedState) -> SavedState:
    """The state's four screen fields as they are now (copies, read before a commit expires them)."""
    return SavedState(
        step=state.step,
        answers=dict(state.answers or {}),
        context=dict(state.context or {}),
        history=list(state.history or []),
    )


def _saved_version(state: FlowState) -> int | None:
    """The version as saved now (read without flushing this request's pending changes)."""
    with db.session.no_autoflush:
        return db.session.scalar(select(FlowState.version).where(FlowState.id == state.id))


def _finish(flow: Flow, ctx: Context, outcome: Outcome) -> tuple[dict, int]:
    """Apply an outcome, save with the version check, and render the screen to show."""
    if (
        _version_check_needed(ctx)
        and isinstance(ctx.state, FlowState)
        and _saved_version(ctx.state) != ctx.read_version
    ):
        # Another request moved the journey while this one was busy (a service may have committed
        # and reloaded the state, so the UPDATE's own version check would not see it).
        db.session.rollback()
        return _stale_response(flow, ctx)
    if outcome.next_step:
        return_to = ctx.data.get("return_to")
        target = outcome.next_step
        if (
            return_to
            and target != return_to
            and flow.steps[target].progress is not None
            and return_to in flow.order
            and flow.order.index(target) < flow.order.index(return_to)
        ):
            target = flow.resume_after_change(ctx, return_to)
        _move(ctx, target, remember=outcome.remember)
        _settle(flow, ctx)
    saved = _snapshot(ctx.current)
    if not _save(ctx):
        return _stale_response(flow, ctx)
    ctx.state = saved  # the committed state, rendered without reading it back
    clean = outcome.status == 200 and not (outcome.error_code or outcome.errors or outcome.values)
    if clean and flow.steps[saved.step].cacheable:
        ctx.shown_from = saved
    document = render(flow, ctx, values=outcome.values, errors=outcome.errors)
    if outcome.error_code:
        message = outcome.error_message or (outcome.errors[0][1] if outcome.errors else "")
        details = {"current_step": ctx.current.step, **(outcome.details or {})}
        with_error(document, outcome.error_code, message, details)
    return document, outcome.status
