"""Sums are exact to the fen: Decimal all the way, whatever the amounts."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.card import contributions
from app.card.formatting import Formatter

fen_amounts = st.integers(min_value=0, max_value=99_999_999).map(lambda fen: Decimal(fen).scaleb(-2))


def _record(index: int, employer: Decimal, employee: Decimal, status: str = "paid"):
    """A Record as the query returns it."""
    return contributions.Record(
        index, "pension", "2025-01", Decimal("1.00"), employer, employee, status, None, 1, "单位", None
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(fen_amounts, fen_amounts, st.sampled_from(["paid", "due", "arrears", "reversed"])),
        max_size=60,
    )
)
def test_totals_are_the_exact_decimal_sums(app, rows):
    records = [_record(i, employer, employee, status) for i, (employer, employee, status) in enumerate(rows)]
    counted = [(e, w) for e, w, status in rows if status != "reversed"]
    expected_employer = sum((e for e, _ in counted), Decimal("0.00"))
    expected_employee = sum((w for _, w in counted), Decimal("0.00"))
    with app.test_request_context("/?lang=fr"):
        totals = contributions._totals(records, Formatter("fr"))
    assert totals["employer"]["value"] == f"{expected_employer:.2f}"
    assert totals["employee"]["value"] == f"{expected_employee:.2f}"
    assert Decimal(totals["total"]["value"]) == expected_employer + expected_employee


def test_amounts_that_floats_get_wrong(app):
    records = [_record(i, Decimal("0.10"), Decimal("0.20")) for i in range(10)]
    records.append(_record(99, Decimal("1234567.89"), Decimal("0.01")))
    with app.test_request_context("/"):
        totals = contributions._totals(records, Formatter("en"))
    assert totals["employer"]["value"] == "1234568.89"
    assert totals["employee"]["value"] == "2.01"
    assert totals["total"] == {"value": "1234570.90", "display": "CN¥1,234,570.90"}
