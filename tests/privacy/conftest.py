"""Fixtures of the privacy tests: a user holding some of everything (tests/security)."""

from tests.security.conftest import rich_user  # noqa: F401 - the rows a user's rights reach
