"""The attempt limit comes from configuration (VERIFICATION_MAX_FAILURES)."""

from __future__ import annotations

import pytest

from tests.conftest import make_test_config
from tests.verify.test_failures import lock_out


@pytest.fixture
def app_config(database_url):
    """Three failures per window in this module."""
    return make_test_config(database_url, VERIFICATION_MAX_FAILURES=3)


def test_the_limit_is_configurable(journey, person):
    trip = journey()
    assert lock_out(trip, person, times=3).status_code == 429
