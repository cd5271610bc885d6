"""The registry of flows: each journey module registers its Flow once at import."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.journeys.engine import Flow

_FLOWS: dict[str, Flow] = {}
_LOADED = False


def register(flow: Flow) -> Flow:
    """Add a flow under its name (a second flow with the same name is a programming error)."""
    existing = _FLOWS.get(flow.name)
    if existing is not None and existing is not flow:
        raise ValueError(f"a flow named {flow.name!r} is already registered")
    _FLOWS[flow.name] = flow
    return flow


def _load_journeys() -> None:
    """Import every domain's journey module once, so each registers itself."""
    global _LOADED
    if _LOADED:
        return
    from app.domains import parts

    for _ in parts("journey"):
        pass
    _LOADED = True


def get(name: str) -> Flow | None:
    """The flow with this name, or None."""
    _load_journeys()
    return _FLOWS.get(name)


def all_flows() -> list[Flow]:
    """Every registered flow, by name."""
    _load_journeys()
    return [_FLOWS[name] for name in sorted(_FLOWS)]
