"""A part of the machine a test needs (a browser, a load client, a server) that is not there."""

from __future__ import annotations

import os

import pytest


def missing_part(message: str) -> None:
    """Skip on a developer's machine, saying what is missing; fail in CI, which must provide every part."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must provide it (.ci/run installs it or starts the service)")
    pytest.skip(message)
