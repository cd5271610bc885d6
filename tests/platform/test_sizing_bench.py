"""`python -m bench.sizing`: the database bytes behind the sizing section of docs/deploy.md."""

from __future__ import annotations

import pytest

from bench import sizing


@pytest.mark.real_mysql
@pytest.mark.real_redis
def test_a_notice_to_everyone_is_measured_per_delivery_row_and_per_user(bench_harness):
    """Every recipient gets an inbox entry and a WeChat message; each table's bytes are read after sending."""
    figures = sizing.notice_by_table(bench_harness, 1_500)
    assert figures["fanned_out"] == 1_500 and figures["sent"] == 1_500
    # The inbox entry and the WeChat message, counted (InnoDB's own figure is an estimate).
    assert figures["delivery_rows"] == 3_000
    assert figures["tables"]["notice_deliveries"]["rows"] == 3_000
    assert 50 < figures["bytes_per_delivery_row"] < 5_000
    assert figures["bytes_per_recipient"] >= figures["bytes_per_delivery_row"]
    assert figures["bytes_per_user"] > 0 and set(sizing.USER_TABLES) <= set(figures["tables"])


@pytest.mark.real_mysql
def test_the_registry_is_measured_per_person_and_per_contribution_row(bench_harness):
    figures = sizing.database_by_table(bench_harness, 40)
    assert figures["people_added"] == 40 and figures["contributions_added"] == 40 * 60
    assert figures["tables"]["contribution_records"]["rows"] > 0
    assert figures["bytes_per_person"] > 0 and figures["bytes_per_contribution_row"] > 0
