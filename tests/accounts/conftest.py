"""Fixtures of the accounts tests: the verify flow's walker and person (tests/verify), for consent."""

from tests.verify.conftest import journey, person  # noqa: F401 - consent is given on the verify flow
