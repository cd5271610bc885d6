"""The bulk write path: the same report and the same stored records as row-by-row reasoning says."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from app import pii
from app.registry.importer import import_file, parallel
from app.registry.models import (
    ContributionRecord,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    WorkPermit,
)

from .conftest import contribution_row, people_row


def _counts(report) -> dict:
    data = report.to_dict()
    return {
        key: data[key] for key in ("rows", "added", "updated", "unchanged", "rejected", "rejected_by_reason")
    }


def _lines(report) -> list[tuple[int, str | None, str]]:
    return [(item["line"], item["column"], item["code"]) for item in report.rejections]


@pytest.mark.parametrize("workers", [0, 2])
def test_a_mixed_people_file_gives_the_same_report_in_batches_and_row_by_row(
    db, feed_file, workers, monkeypatch
):
    monkeypatch.setattr(parallel, "CHUNK", 2)
    people = [people_row() for _ in range(5)]
    assert _counts(import_file(feed_file(people), batch_size=2))["added"] == 5
    new = [people_row(), people_row()]
    rows = [
        people[0],  # line 2: unchanged
        {**people[1], "phone": "+8613900001234"},  # line 3: updated
        {**people[2], "passport_number": "RN1234567"},  # line 4: a passport renewal, updated
        new[0],  # line 5: added
        {**people[3], "nationality": "XYZ"},  # line 6: rejected
        {**new[0]},  # line 7: a duplicate of line 5
        {**new[1], "permit_number": people[4]["permit_number"]},  # line 8: another person's permit
        people[4],  # line 9: unchanged
    ]
    expected = {
        "rows": 8,
        "added": 1,
        "updated": 2,
        "unchanged": 2,
        "rejected": 3,
        "rejected_by_reason": {
            "identifier.nationality_unknown": 1,
            "row.duplicate": 1,
            "row.permit_conflict": 1,
        },
    }
    rejections = [
        (6, "nationality", "identifier.nationality_unknown"),
        (7, "ssn", "row.duplicate"),
        (8, "permit_number", "row.permit_conflict"),
    ]
    in_batches = import_file(feed_file(rows), batch_size=3, workers=workers)
    assert _counts(in_batches) == expected and _lines(in_batches) == rejections
    again = import_file(feed_file(rows), batch_size=1)
    assert _counts(again) == {**expected, "added": 0, "updated": 0, "unchanged": 5}
    assert _lines(again) == rejections
    assert db.session.scalar(select(func.count()).select_from(Person)) == 6
    assert db.session.scalar(select(func.count()).select_from(SocialSecurityAccount)) == 6
    assert db.session.scalar(select(func.count()).select_from(WorkPermit)) == 6
    assert db.session.scalar(select(func.count()).select_from(InsuranceEnrolment)) == 6 * len(
        people[0]["insurances"].split(";")
    )
    # The renewal kept the old passport, no longer current.
    assert db.session.scalar(select(func.count()).select_from(IdentityDocument)) == 7
    assert db.session.scalar(select(func.count()).where(IdentityDocument.is_current.is_(False))) == 1


@pytest.mark.parametrize("workers", [0, 1])
def test_a_mixed_contributions_file_gives_the_same_report_twice(db, feed_file, workers):
    person = people_row()
    import_file(feed_file([person]))
    ssn = person["ssn"]
    import_file(feed_file([contribution_row(ssn, period="2025-01"), contribution_row(ssn, period="2025-02")]))
    rows = [
        contribution_row(ssn, period="2025-01"),  # line 2: unchanged
        contribution_row(ssn, period="2025-02", status="arrears", paid_on=""),  # line 3: updated
        contribution_row(ssn, period="2025-03"),  # line 4: added
        contribution_row(ssn, period="2025-03"),  # line 5: duplicate
        contribution_row("911100198001010010", period="2025-03"),  # line 6: unknown account (or bad SSN)
        contribution_row(ssn, period="2025-04", base="-1"),  # line 7: negative amount
    ]
    first = import_file(feed_file(rows), batch_size=2, workers=workers)
    data = _counts(first)
    assert (data["rows"], data["added"], data["updated"], data["unchanged"], data["rejected"]) == (
        6,
        1,
        1,
        1,
        3,
    )
    assert [line for line, _, _ in _lines(first)] == [5, 6, 7]
    second = import_file(feed_file(rows))
    assert (_counts(second)["added"], _counts(second)["updated"], _counts(second)["unchanged"]) == (0, 0, 3)
    assert _lines(second) == _lines(first)
    records = db.session.scalars(select(ContributionRecord).order_by(ContributionRecord.period)).all()
    assert [(r.period, r.status, r.paid_on) for r in records][1] == ("2025-02", "arrears", None)
    assert len(records) == 3


def test_new_ids_are_right_when_a_server_does_not_give_consecutive_ones(db, feed_file, monkeypatch):
    from app.registry.importer import bulk

    monkeypatch.setattr(bulk, "_consecutive_ids", lambda conn, cursor: False)
    rows = [people_row() for _ in range(4)]
    assert _counts(import_file(feed_file(rows), batch_size=3))["added"] == 4
    assert _counts(import_file(feed_file(rows)))["unchanged"] == 4
    pairs = db.session.execute(
        select(SocialSecurityAccount.person_id, Person.name_canonical).join(Person)
    ).all()
    assert len(pairs) == 4


def test_values_are_stored_as_the_orm_stores_them(db, feed_file):
    row = people_row(phone="+8613900001111", passport_expires_on="2031-05-01")
    import_file(feed_file([row]))
    person = db.session.scalar(select(Person))
    assert person.phone == "+8613900001111" and person.created_at.tzinfo is not None
    document = db.session.scalar(select(IdentityDocument))
    assert str(document.expires_on) == "2031-05-01" and document.is_current is True
    assert document.number == row["passport_number"]
    assert db.session.scalar(select(SocialSecurityAccount.ssn)) == row["ssn"]


def test_unreadable_lines_keep_their_place_among_rows_checked_by_workers(db, feed_file, monkeypatch):
    monkeypatch.setattr(parallel, "CHUNK", 2)
    good = [people_row() for _ in range(3)]
    path = feed_file(good)
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(2, "only,three,fields")
    text.insert(4, '"an unclosed quote')
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    inline = import_file(path, workers=0)
    assert inline.added >= 1 and [code for _, _, code in _lines(inline)][:2] == [
        "row.field_count",
        "row.malformed",
    ]
    checked = import_file(path, workers=2)
    assert _counts(checked) == {**_counts(inline), "added": 0, "unchanged": inline.added}
    assert _lines(checked) == _lines(inline)


def test_large_people_files_use_workers_when_cpus_are_left(monkeypatch):
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 4)
    assert parallel.default_workers("people", parallel.MIN_BYTES - 1) == 0
    assert parallel.default_workers("people", parallel.MIN_BYTES) == 2
    assert parallel.default_workers("contributions", 10 * parallel.MIN_BYTES) == 0
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert parallel.default_workers("people", 10 * parallel.MIN_BYTES) == 0


def test_bulk_conversion_gives_exactly_what_the_orm_bind_processors_give(db, monkeypatch):
    """Column-wise encryption and hash conversion: byte for byte the per-value bind processors."""
    from app.registry.importer import bulk
    from app.registry.importer.tables import ACCOUNTS

    monkeypatch.setattr(os, "urandom", lambda size: bytes(range(size)))  # the same nonce every time
    rows = [
        {"ssn": "911276196501010011", "ssn_hash": "ab" * 32, "person_id": 1},
        {"ssn": "MÜLLER 1", "ssn_hash": bytes(32), "person_id": 2},
        {"ssn": None, "ssn_hash": None, "person_id": 3},
    ]
    with db.engine.begin() as conn:
        dialect = conn.dialect
        processors = [
            ACCOUNTS.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in ("ssn", "ssn_hash", "person_id")
        ]
        expected = [
            tuple(
                value if value is None or process is None else process(value)
                for value, process in zip(row.values(), processors, strict=True)
            )
            for row in rows
        ]
        columns, values = bulk._columns_and_values(conn, ACCOUNTS, rows, {"status": "active"})
    assert columns == ("ssn", "ssn_hash", "person_id", "status")
    assert [row[:3] for row in values] == expected
    assert [row[3] for row in values] == ["active"] * 3
    assert values[0][0] == pii.codec().encrypt("911276196501010011")
    assert pii.codec().decrypt(values[1][0]) == "MÜLLER 1" and bytes(values[0][1]) == b"\xab" * 32
