"""Every screen of every registered flow, rendered without a user or database, for previews.

The admin console's translator preview and the pseudo-locale proof use this: a domain's `previews`
module names, for its flows, the states worth seeing (every step, its validation errors, each
failure outcome, the lockout), and they are rendered exactly as users get them. A flow without
one is previewed one screen per step (`Flow.samples`). The samples live there, not in the
journeys, so the production flow carries no example data.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask_babel import force_locale

from app import domains
from app.i18n import current_locale_id
from app.journeys.engine import Context, Flow, Sample, render
from app.journeys.models import FlowState
from app.journeys.registry import all_flows

#: Flow class -> the function listing the preview samples of its flows (registered by `previews` modules).
_SAMPLERS: dict[type, Callable[[Flow], list[Sample]]] = {}


def samples_of(flow_class: type) -> Callable:
    """Register the decorated function as the lister of preview samples for flows of `flow_class`."""

    def register(function: Callable[[Flow], list[Sample]]) -> Callable[[Flow], list[Sample]]:
        """Keep `function` as the sampler of `flow_class`."""
        _SAMPLERS[flow_class] = function
        return function

    return register


@cache
def _load_previews() -> None:
    """Import every domain's `previews` module once, so their samplers are registered."""
    for _ in domains.parts("previews"):
        pass


def flow_samples(flow: Flow) -> list[Sample]:
    """The flow's preview samples: those its domain registered, else one screen per step."""
    _load_previews()
    for flow_class in type(flow).__mro__:
        if flow_class in _SAMPLERS:
            return _SAMPLERS[flow_class](flow)
    return flow.samples()


def render_sample(flow: Flow, sample: Sample, user_state: dict | None = None) -> dict:
    """One sample screen in the active locale; user_state may override answers and context."""
    overrides = user_state or {}
    state = FlowState(
        user_id=None,
        flow=flow.name,
        step=sample.step,
        answers={**sample.answers, **overrides.get("answers", {})},
        context={**sample.data, **overrides.get("data", {})},
        history=["start"],
        version=1,
    )
    ctx = Context(user_id=None, locale=current_locale_id(), preview=True, state=state)
    errors = sample.errors() if sample.errors else None
    return render(flow, ctx, errors=errors)


def sample_screens(flow: Flow, locale: str | None = None, user_state: dict | None = None) -> list[dict]:
    """Every sample of one flow as {flow, sample, screen}, in `locale` (default: the active one)."""

    def build() -> list[dict]:
        """Every sample rendered in the active locale."""
        return [
            {
                "flow": flow.name,
                "sample": sample.label or sample.step,
                "screen": render_sample(flow, sample, user_state),
            }
            for sample in flow_samples(flow)
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
