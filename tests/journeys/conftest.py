"""Fixtures of the journey engine's tests: the verify flow's walker and person (tests/verify)."""

from tests.verify.conftest import journey, person  # noqa: F401 - the engine is driven through the verify flow
