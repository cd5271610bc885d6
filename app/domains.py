"""The domains, each a package holding its models, services, API views, console pages, jobs and commands.

A domain's package may have any of these parts, as a module or as a package of modules:
`models` (tables), `api` (blueprints mounted under /api/v1), `console` (console pages),
`cli` (a `commands` list), `journey` (a journey that registers its flow), `previews` (the preview
samples of its journeys, read only by app.journeys.preview). The app factory and
the registries below find them here, so adding a part to a domain is enough to mount it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

#: The domains, in the order their parts are mounted.
DOMAINS = (
    "accounts",
    "registry",
    "journeys",
    "verify",
    "card",
    "guides",
    "notices",
    "helpdesk",
    "audit",
    "privacy",
)


def parts(kind: str, domains: tuple[str, ...] = DOMAINS) -> Iterator[ModuleType]:
    """Each domain's `kind` module, or every module of its `kind` package, imported."""
    for domain in domains:
        name = f"app.{domain}.{kind}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        if hasattr(module, "__path__"):
            for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
                yield importlib.import_module(f"{name}.{info.name}")
        else:
            yield module


def load_models() -> None:
    """Import every domain's tables, so the metadata (migrations, create_all) is complete."""
    for _ in parts("models"):
        pass
