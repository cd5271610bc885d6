"""The tables. Every module in this package is imported so the metadata is complete."""

from __future__ import annotations

import importlib
import pkgutil

from app.extensions import db


def load_all() -> None:
    """Import every model module (migrations and create_all need all tables)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "types":
            importlib.import_module(f"{__name__}.{module.name}")


load_all()

__all__ = ["db", "load_all"]
