"""Every screen of every registered flow, rendered without a user or database, for previews.

The admin console's translator preview and the pseudo-locale proof use this: each flow's
`samples()` names the states worth seeing (every step, its validation errors, each failure
outcome, the lockout), and they are rendered exactly as users get them.
"""

from __future__ import annotations

from flask_babel import force_locale

from app.i18n import current_locale_id
from app.journeys.engine import Context, Flow, Sample, render
from app.journeys.models import FlowState
from app.journeys.registry import all_flows


def render_sample(flow: Flow, sample: Sample, user_state: dict | None = None) -> dict:
    """One sample screen in the active locale; user_state may override answers and context."""
    overrides = user_state or {}
    state = FlowState(
        user_id=None, flow=flow.name, step=sample.step,
        answers={**sample.answers, **overrides.get("answers", {})},
        context={**sample.data, **overrides.get("data", {})},
        history=["start"], version=1,
    )
    ctx = Context(user_id=None, locale=current_locale_id(), preview=True, state=state)
    errors = sample.errors() if sample.errors else None
    return render(flow, ctx, errors=errors)


def sample_screens(flow: Flow, locale: str | None = None, user_state: dict | None = None) -> list[dict]:
    """Every sample of one flow as {flow, sample, screen}, in `locale` (default: the active one)."""
    def build() -> list[dict]:
        return [
            {"flow": flow.name, "sample": sample.label or sample.step,
             "screen": render_sample(flow, sample, user_state)}
            for sample in flow.samples()
        ]

    if locale is None:
        return build()
    with force_locale(locale):
        return build()


def all_screens(user_state: dict | None = None, locale: str | None = None) -> list[dict]:
    """Every sample screen of every registered flow (needs an app context)."""
    screens: list[dict] = []
    for flow in all_flows():
        screens.extend(sample_screens(flow, locale, user_state))
    return screens
