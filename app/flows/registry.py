"""The registry of flows: each journey module registers its Flow once at import."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Flow

_FLOWS: dict[str, Flow] = {}
_LOADED = False

#: Modules of this package that hold machinery, not journeys.
_NOT_JOURNEYS = {"engine", "registry", "preview", "runner", "fields"}


def register(flow: Flow) -> Flow:
    """Add a flow under its name (a second flow with the same name is a programming error)."""
    existing = _FLOWS.get(flow.name)
    if existing is not None and existing is not flow:
        raise ValueError(f"a flow named {flow.name!r} is already registered")
    _FLOWS[flow.name] = flow
    return flow


def _load_journeys() -> None:
    """Import every journey module of app.flows once, so each registers itself."""
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("app.flows")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name not in _NOT_JOURNEYS and not module.name.startswith("_"):
            importlib.import_module(f"app.flows.{module.name}")
    _LOADED = True


def get(name: str) -> Flow | None:
    """The flow with this name, or None."""
    _load_journeys()
    return _FLOWS.get(name)


def all_flows() -> list[Flow]:
    """Every registered flow, by name."""
    _load_journeys()
    return [_FLOWS[name] for name in sorted(_FLOWS)]
