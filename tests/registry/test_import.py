"""The registry import: formats, encodings, validation, upserts, idempotency, report, audit, CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditLog
from app.registry.feed import PEOPLE_REQUIRED, FeedFileError
from app.registry.identifiers import identifier_hash
from app.registry.importer import ImportAborted, import_file
from app.registry.importer import people as people_import
from app.registry.importer import report as import_report
from app.registry.importer.seen_keys import SeenKeys
from app.registry.models import (
    ContributionRecord,
    Employer,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)

from .conftest import EMPLOYER_USCC, PEOPLE_COLUMNS, contribution_row, csv_text, people_row

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def count(db, model) -> int:
    """Rows in a table."""
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def person_by_ssn(db, ssn: str) -> Person:
    """The person holding an SSN."""
    account = db.session.execute(
        select(SocialSecurityAccount).where(SocialSecurityAccount.ssn_hash == identifier_hash("ssn", ssn))
    ).scalar_one()
    return account.person


def outcome(report) -> tuple[int, int, int, int]:
    """(added, updated, unchanged, rejected)."""
    return report.added, report.updated, report.unchanged, report.rejected


# --- the documented examples ---------------------------------------------------------------


def test_example_files_import_cleanly_and_a_second_run_changes_nothing(db):
    first = [import_file(EXAMPLES / name) for name in ("people.csv", "people.jsonl", "contributions.csv")]
    assert [outcome(r) for r in first] == [(5, 0, 0, 0), (2, 0, 0, 0), (9, 0, 0, 0)]
    assert [r.kind for r in first] == ["people", "people", "contributions"]
    second = [import_file(EXAMPLES / name) for name in ("people.csv", "people.jsonl", "contributions.csv")]
    assert [outcome(r) for r in second] == [(0, 0, 5, 0), (0, 0, 2, 0), (0, 0, 9, 0)]
    assert count(db, Person) == 7 and count(db, Employer) == 3 and count(db, ContributionRecord) == 9


def test_a_people_row_creates_the_whole_record(db, feed_file):
    row = people_row(
        passport_name="O'BRIEN Siobhán", nationality="IRL", card_number="3100 00123", phone="139 0000 9999"
    )
    report = import_file(feed_file([row]))
    assert outcome(report) == (1, 0, 0, 0)
    person = person_by_ssn(db, row["ssn"])
    assert person.passport_name == "O'BRIEN Siobhán"
    assert (person.name_canonical, person.family_name, person.given_names) == (
        "OBRIEN SIOBHAN",
        "OBRIEN",
        "SIOBHAN",
    )
    assert person.nationality == "IRL" and person.phone == "+8613900009999"
    assert person.phone_hash == identifier_hash("phone", "+8613900009999")
    [passport] = person.documents
    assert passport.number == row["passport_number"] and passport.is_current
    [permit] = person.permits
    assert permit.permit_number == row["permit_number"] and permit.category == "B"
    assert permit.employer.uscc == EMPLOYER_USCC and permit.work_city_code == "310000"
    assert str(permit.entry_date) == "2024-03-10"
    card = person.account.card
    assert card.status == "normal" and card.card_number == "310000123" and card.issuing_city_code == "310000"
    assert sorted(e.insurance_type for e in person.account.enrolments) == sorted(
        ["pension", "medical", "work_injury", "unemployment", "maternity"]
    )
    assert person.created_at.tzinfo is not None


# --- formats and encodings -------------------------------------------------------------------


def test_jsonl_with_numbers_and_a_malformed_line(db, feed_file):
    person = people_row()
    import_file(feed_file([person]))
    good = contribution_row(person["ssn"])
    good_json = json.dumps({**good, "base": 20000.5, "employer_amount": 3200, "employee_amount": 1600.25})
    content = (
        good_json
        + "\n{not json\n[1, 2]\n\n"
        + json.dumps(contribution_row(person["ssn"], period="2025-02"))
        + "\n"
    )
    report = import_file(feed_file(content, name="c.jsonl"))
    assert report.format == "jsonl" and report.kind == "contributions"
    assert outcome(report) == (2, 0, 0, 2)
    assert [(r["line"], r["code"]) for r in report.rejections] == [(2, "row.json"), (3, "row.json")]
    record = db.session.execute(
        select(ContributionRecord).where(ContributionRecord.period == "2025-01")
    ).scalar_one()
    assert record.base == Decimal("20000.50") and record.employee_amount == Decimal("1600.25")


def test_a_utf8_bom_is_accepted(db, feed_file):
    report = import_file(feed_file(csv_text([people_row()]), encoding="utf-8-sig"))
    assert report.encoding == "utf-8 with BOM" and outcome(report) == (1, 0, 0, 0)


def test_gbk_files_are_detected_and_decoded(db, feed_file):
    row = people_row(
        employer_name_zh="北京示例教育咨询有限公司",
        work_address="北京市海淀区中关村大街1号",
        position="英语教师",
        passport_name="KIM, Min-jun",
        nationality="KOR",
    )
    report = import_file(feed_file(csv_text([row]), encoding="gbk"))
    assert report.encoding == "gb18030" and outcome(report) == (1, 0, 0, 0)
    permit = person_by_ssn(db, row["ssn"]).permits[0]
    assert permit.employer.name_zh == "北京示例教育咨询有限公司" and permit.position == "英语教师"


def test_utf16_and_undecodable_files_are_refused_clearly(db, feed_file):
    with pytest.raises(FeedFileError) as utf16:
        import_file(feed_file(csv_text([people_row()]), encoding="utf-16"))
    assert utf16.value.code == "registry.file_utf16"
    with pytest.raises(FeedFileError) as garbage:
        import_file(feed_file(b"passport_name,nationality\n\xff\xfe\xff\xff,\xff\n"))
    assert garbage.value.code == "registry.file_encoding"
    assert "UTF-8" in garbage.value.render_message()
    assert count(db, Person) == 0


def test_a_line_that_does_not_decode_is_rejected_alone(db, feed_file):
    rows = [people_row(), people_row(), people_row()]
    data = csv_text(rows).encode("utf-8").split(b"\n")
    data[2] = data[2].replace("上海".encode(), b"\xff\xfe", 1)
    report = import_file(feed_file(b"\n".join(data)), encoding="utf-8")
    assert outcome(report) == (2, 0, 0, 1)
    assert report.rejections[0]["line"] == 3 and report.rejections[0]["code"] == "row.encoding"


def test_malformed_csv_rows_are_rejected_and_the_rest_imported(db, feed_file):
    good = [people_row(), people_row()]
    lines = csv_text(good).splitlines()
    broken = '"MÜLLER, Hans"x,DEU,1980-01-01'
    short = "SMITH,USA"
    content = "\n".join([lines[0], lines[1], broken, short, lines[2]]) + "\n"
    report = import_file(feed_file(content))
    assert outcome(report) == (2, 0, 0, 2)
    assert [(r["line"], r["code"]) for r in report.rejections] == [
        (3, "row.malformed"),
        (4, "row.field_count"),
    ]
    assert f"{len(PEOPLE_COLUMNS)}" in report.rejections[1]["reason"]


def test_multiline_quoted_fields_keep_line_numbers_right(db, feed_file):
    rows = [people_row(work_address="上海市\n浦东新区"), people_row(nationality="XYZ")]
    report = import_file(feed_file(rows))
    assert outcome(report) == (1, 0, 0, 1)
    assert report.rejections[0]["line"] == 4


# --- kinds and columns ----------------------------------------------------------------------


def test_the_kind_comes_from_the_columns_or_the_option(db, feed_file):
    person = people_row()
    import_file(feed_file([person]))
    path = feed_file([contribution_row(person["ssn"])])
    assert import_file(path).kind == "contributions"
    with pytest.raises(FeedFileError) as wrong:
        import_file(feed_file([people_row()]), kind="contributions")
    assert wrong.value.code == "registry.file_columns"
    assert "period" in wrong.value.render_message()


def test_unknown_kinds_and_missing_columns_are_refused(db, feed_file):
    with pytest.raises(FeedFileError) as unknown:
        import_file(feed_file("name,age\nAnna,30\n"))
    assert unknown.value.code == "registry.file_kind"
    with pytest.raises(FeedFileError) as missing:
        import_file(feed_file([{k: v for k, v in people_row().items() if k != "ssn"}]))
    assert missing.value.code == "registry.file_columns"
    with pytest.raises(FeedFileError) as bad_kind:
        import_file(feed_file([people_row()]), kind="payments")
    assert bad_kind.value.code == "registry.file_kind_unknown"
    with pytest.raises(FeedFileError) as empty:
        import_file(feed_file(""))
    assert empty.value.code == "registry.file_empty"
    with pytest.raises(FeedFileError) as absent:
        import_file("/nonexistent/people.csv")
    assert absent.value.code == "registry.file_missing"
    with pytest.raises(FeedFileError) as repeated:
        import_file(feed_file("ssn,ssn,period,insurance\n"))
    assert repeated.value.code == "registry.file_header_duplicate"


def test_unknown_columns_are_ignored_with_a_warning(db, feed_file):
    row = {**people_row(), "favourite_colour": "blue"}
    report = import_file(feed_file([row]))
    assert outcome(report) == (1, 0, 0, 0)
    assert report.warnings[0]["columns"] == ["favourite_colour"]


def test_optional_columns_may_be_left_out(db, feed_file):
    required_only = {k: v for k, v in people_row().items() if k in PEOPLE_REQUIRED}
    report = import_file(feed_file([required_only]))
    assert outcome(report) == (1, 0, 0, 0)
    person = person_by_ssn(db, required_only["ssn"])
    assert person.phone is None and person.account.card.status == "not_activated"
    assert person.permits[0].status == "valid" and person.account.enrolments == []


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("date_of_birth", "1985-02-30", "row.date_invalid"),
        ("date_of_birth", "15/03/1985", "row.date_invalid"),
        ("date_of_birth", "2999-01-01", "row.date_out_of_range"),
        ("permit_valid_to", "2020-01-01", "row.date_order"),
        ("nationality", "XYZ", "identifier.nationality_unknown"),
        ("nationality", "", "row.required"),
        ("permit_number", "12345", "identifier.permit_length"),
        ("ssn", "931410198503150010", "identifier.ssn_check"),
        ("pr_id", "11010519491231002X", "identifier.pr_id_format"),
        ("passport_number", "TOO-LONG-123", "identifier.passport_format"),
        ("permit_category", "D", "row.choice_invalid"),
        ("card_status", "lost", "row.choice_invalid"),
        ("sex", "Q", "row.choice_invalid"),
        ("phone", "12345", "identifier.phone_invalid"),
        ("employer_uscc", "123", "identifier.uscc_format"),
        ("work_city_code", "Shanghai", "identifier.city_code_format"),
        ("insurances", "pension:enrolled;dental:enrolled", "row.insurances_invalid"),
        ("insurances", "pension:enrolled;pension:ended", "row.insurance_repeated"),
        ("insurances", "pension:exempt:2024-03", "row.exemption_incomplete"),
        ("passport_name", "张伟", "row.name_no_latin"),
        ("passport_name", "A" * 201, "row.too_long"),
        ("position", "", "row.required"),
    ],
)
def test_bad_people_values_reject_the_row_with_line_column_and_reason(db, feed_file, column, value, code):
    rows = [people_row(), people_row(**{column: value}), people_row()]
    report = import_file(feed_file(rows))
    assert outcome(report) == (2, 0, 0, 1)
    [rejection] = report.rejections
    expected_column = "exemption_country" if code == "row.exemption_incomplete" else column
    assert (rejection["line"], rejection["column"], rejection["code"]) == (3, expected_column, code)
    assert rejection["reason"] and rejection["reason"] != code
    assert count(db, Person) == 2


@pytest.mark.parametrize(
    ("column", "values", "code"),
    [
        ("employer_uscc", (" 91310000000000001x", "123"), "identifier.uscc_format"),
        ("work_city_code", ("310 000", "Shanghai"), "identifier.city_code_format"),
    ],
)
def test_a_remembered_normalisation_rejects_every_row_with_the_bad_value(db, feed_file, column, values, code):
    good, bad = values
    rows = [people_row(**{column: bad}), people_row(**{column: good}), people_row(**{column: bad})]
    report = import_file(feed_file(rows))
    assert [(item["line"], item["column"], item["code"]) for item in report.rejections] == [
        (2, column, code),
        (4, column, code),
    ]
    assert report.added == 1


def test_a_remembered_amount_rejects_every_row_with_the_bad_value(db, feed_file):
    person = people_row()
    import_file(feed_file([person]))
    rows = [
        contribution_row(person["ssn"], period=f"2025-{month:02d}", base=base)
        for month, base in ((1, "-5.00"), (2, "20000.5"), (3, "-5.00"), (4, " 20000.5 "), (5, "1.234"))
    ]
    report = import_file(feed_file(rows))
    assert [(item["line"], item["code"]) for item in report.rejections] == [
        (2, "row.amount_negative"),
        (4, "row.amount_negative"),
        (6, "row.amount_invalid"),
    ]
    assert db.session.scalars(select(ContributionRecord.base)).all() == [Decimal("20000.50")] * 2


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("employer_amount", "-1.00", "row.amount_negative"),
        ("employee_amount", "12.345", "row.amount_invalid"),
        ("base", "1e5", "row.amount_invalid"),
        ("base", "", "row.required"),
        ("period", "2025-13", "row.period_invalid"),
        ("period", "2025/01", "row.period_invalid"),
        ("insurance", "dental", "row.choice_invalid"),
        ("status", "late", "row.choice_invalid"),
        ("paid_on", "2025-02-29", "row.date_invalid"),
        ("ssn", "123", "identifier.ssn_length"),
    ],
)
def test_bad_contribution_values_reject_the_row(db, feed_file, column, value, code):
    person = people_row()
    import_file(feed_file([person]))
    rows = [
        contribution_row(person["ssn"], period="2025-01"),
        {**contribution_row(person["ssn"]), column: value},
        contribution_row(person["ssn"], period="2025-03"),
    ]
    if column == "period":
        rows[1]["insurance"] = "medical"
    report = import_file(feed_file(rows))
    assert report.rejected == 1 and report.added == 2
    assert (report.rejections[0]["line"], report.rejections[0]["code"]) == (3, code)


def test_several_problems_of_one_row_are_all_reported_and_counted_once(db, feed_file):
    report = import_file(feed_file([people_row(nationality="XYZ", permit_number="1", date_of_birth="x")]))
    assert report.rejected == 1
    assert {r["column"] for r in report.rejections} == {"nationality", "permit_number", "date_of_birth"}


def test_contributions_need_a_known_account_and_employer(db, feed_file):
    person = people_row()
    import_file(feed_file([person]))
    rows = [
        contribution_row("93141019850315001X"),
        contribution_row(person["ssn"], employer_uscc="91310000000000001X"),
    ]
    rows[1]["employer_uscc"] = "913100000000009999"
    report = import_file(feed_file(rows))
    assert [(r["column"], r["code"]) for r in report.rejections] == [
        ("ssn", "row.unknown_account"),
        ("employer_uscc", "row.unknown_employer"),
    ]


# --- duplicates, conflicts, idempotency, renewals --------------------------------------------


def test_the_clock_is_read_once_per_import_not_once_per_row(db, feed_file, monkeypatch):
    from app import clock

    calls = []
    real_today = clock.today
    monkeypatch.setattr(clock, "today", lambda *args: calls.append(1) or real_today(*args))
    people = [people_row() for _ in range(20)]
    assert import_file(feed_file(people)).added == 20
    people_calls, calls[:] = len(calls), []
    assert import_file(feed_file([contribution_row(person["ssn"]) for person in people])).added == 20
    assert people_calls <= 3 and len(calls) <= 3


def test_a_duplicate_row_in_the_same_file_is_reported_not_double_counted(db, feed_file):
    person = people_row()
    report = import_file(feed_file([person, dict(person), people_row()]))
    assert outcome(report) == (2, 0, 0, 1)
    assert report.rejections[0]["code"] == "row.duplicate" and report.rejections[0]["line"] == 3
    rows = [contribution_row(person["ssn"]), contribution_row(person["ssn"], base="1.00")]
    report = import_file(feed_file(rows))
    assert outcome(report) == (1, 0, 0, 1) and report.rejections[0]["code"] == "row.duplicate"
    assert count(db, ContributionRecord) == 1


def test_a_permit_number_or_pr_id_of_another_person_is_a_conflict(db, feed_file):
    first = people_row(pr_id="USA123456789012")
    import_file(feed_file([first]))
    thief = people_row(permit_number=first["permit_number"], employer_uscc="91440300MA5DEF345F")
    pr_thief = people_row(pr_id="USA123456789012")
    report = import_file(feed_file([thief, pr_thief]))
    assert [r["code"] for r in report.rejections] == ["row.permit_conflict", "row.pr_id_conflict"]
    assert count(db, Employer) == 1  # a rejected row changes nothing, not even its employer
    same_batch = [
        people_row(permit_number="110000209900000001"),
        people_row(permit_number="110000209900000001"),
    ]
    report = import_file(feed_file(same_batch))
    assert outcome(report) == (1, 0, 0, 1) and report.rejections[0]["code"] == "row.permit_conflict"


def test_importing_twice_is_idempotent_and_a_change_is_an_update(db, feed_file):
    rows = [people_row() for _ in range(5)]
    assert outcome(import_file(feed_file(rows))) == (5, 0, 0, 0)
    assert outcome(import_file(feed_file(rows))) == (0, 0, 5, 0)
    rows[1]["card_status"] = "temp_lost"
    rows[2]["permit_valid_to"] = "2027-02-28"
    rows[3]["phone"] = ""
    rows[4]["insurances"] = "pension:exempt:2024-03"
    rows[4].update(exemption_country="DEU", exemption_certificate="DE-COC-1", exemption_valid_to="2027-01-01")
    assert outcome(import_file(feed_file(rows))) == (0, 4, 1, 0)
    assert outcome(import_file(feed_file(rows))) == (0, 0, 5, 0)
    assert person_by_ssn(db, rows[1]["ssn"]).account.card.status == "temp_lost"
    assert str(person_by_ssn(db, rows[2]["ssn"]).permits[0].valid_to) == "2027-02-28"
    assert person_by_ssn(db, rows[3]["ssn"]).phone is None
    pension = next(
        e for e in person_by_ssn(db, rows[4]["ssn"]).account.enrolments if e.insurance_type == "pension"
    )
    assert (pension.status, pension.exemption_country, pension.exemption_certificate) == (
        "exempt",
        "DEU",
        "DE-COC-1",
    )


def test_columns_missing_from_a_later_file_keep_the_stored_values(db, feed_file):
    row = people_row()
    import_file(feed_file([row]))
    without_phone = {k: v for k, v in row.items() if k not in ("phone", "card_number", "entry_date")}
    assert outcome(import_file(feed_file([without_phone]))) == (0, 0, 1, 0)
    assert person_by_ssn(db, row["ssn"]).phone == row["phone"]


def test_a_new_passport_for_the_same_ssn_is_a_renewal_that_keeps_the_history(db, feed_file):
    row = people_row()
    import_file(feed_file([row]))
    contribution = contribution_row(row["ssn"])
    import_file(feed_file([contribution]))
    renewed = {**row, "passport_number": "NEW123456", "passport_expires_on": "2035-01-01"}
    assert outcome(import_file(feed_file([renewed]))) == (0, 1, 0, 0)
    assert outcome(import_file(feed_file([renewed]))) == (0, 0, 1, 0)
    person = person_by_ssn(db, row["ssn"])
    old, new = person.documents
    assert (old.number, old.is_current, old.superseded_at is not None) == (
        row["passport_number"],
        False,
        True,
    )
    assert (new.number, new.is_current, str(new.expires_on)) == ("NEW123456", True, "2035-01-01")
    assert count(db, Person) == 1 and count(db, ContributionRecord) == 1


def test_the_permit_a_row_names_is_current_and_the_persons_others_are_cancelled(db, feed_file):
    from tests.factories import make_permit_number

    row = people_row()
    import_file(feed_file([row]))
    replaced = {**row, "permit_number": make_permit_number(987654), "permit_valid_to": "2029-02-28"}
    assert outcome(import_file(feed_file([replaced]))) == (0, 1, 0, 0)
    assert outcome(import_file(feed_file([replaced]))) == (0, 0, 1, 0)

    def statuses():
        db.session.expire_all()
        return {p.permit_number: p.status for p in person_by_ssn(db, row["ssn"]).permits}

    assert statuses() == {row["permit_number"]: "cancelled", replaced["permit_number"]: "valid"}
    # A later file naming the first permit again makes it the current one once more.
    assert outcome(import_file(feed_file([row]))) == (0, 1, 0, 0)
    assert statuses() == {row["permit_number"]: "valid", replaced["permit_number"]: "cancelled"}
    assert count(db, Person) == 1 and count(db, WorkPermit) == 2


def test_employers_are_upserted_by_uscc_with_the_first_names_of_the_file(db, feed_file):
    rows = [people_row(), people_row(employer_name_zh="另一个名字")]
    import_file(feed_file(rows))
    [employer] = db.session.execute(select(Employer)).scalars().all()
    assert employer.name_zh == "上海示例科技有限公司"
    renamed = [{**row, "employer_name_zh": "上海新名字科技有限公司"} for row in rows]
    report = import_file(feed_file(renamed))
    assert outcome(report) == (0, 1, 1, 0)
    db.session.expire_all()
    assert db.session.execute(select(Employer.name_zh)).scalar_one() == "上海新名字科技有限公司"
    assert count(db, Employer) == 1


def test_contribution_changes_are_updates_and_money_stays_decimal(db, feed_file):
    person = people_row()
    import_file(feed_file([person]))
    rows = [contribution_row(person["ssn"], status="due", paid_on="")]
    import_file(feed_file(rows))
    rows[0].update(status="paid", paid_on="2025-01-20", employee_amount="1600.10")
    assert outcome(import_file(feed_file(rows))) == (0, 1, 0, 0)
    record = db.session.execute(select(ContributionRecord)).scalar_one()
    assert record.status == "paid" and record.employee_amount == Decimal("1600.10")
    assert isinstance(record.base, Decimal)
    other_employer = people_row(
        employer_uscc="91440300MA5DEF345F",
        employer_name_zh="深圳示例电子有限公司",
        ssn=person["ssn"],
        permit_number=person["permit_number"],
    )
    import_file(feed_file([other_employer]))
    second_job = [contribution_row(person["ssn"], employer_uscc="91440300MA5DEF345F")]
    assert outcome(import_file(feed_file(second_job))) == (1, 0, 0, 0)


# --- resilience ------------------------------------------------------------------------------


def test_a_database_refusal_inside_a_batch_loses_only_that_row(db, feed_file, monkeypatch):
    original = people_import.person_values

    def sabotaged(row, now, for_update=False):
        values = original(row, now, for_update)
        if row.passport_name == "SABOTAGE, Row":
            values["nationality"] = None  # NOT NULL: the database refuses the whole batch
        return values

    monkeypatch.setattr(people_import, "person_values", sabotaged)
    rows = [people_row() for _ in range(4)]
    rows.insert(2, people_row(passport_name="SABOTAGE, Row"))
    report = import_file(feed_file(rows), batch_size=10)
    assert outcome(report) == (4, 0, 0, 1)
    assert report.rejections[0]["line"] == 4 and report.rejections[0]["code"] == "row.database"
    assert count(db, Person) == 4 and count(db, SocialSecurityAccount) == 4 and count(db, WorkPermit) == 4


def test_batches_are_written_as_they_fill(db, feed_file):
    rows = [people_row() for _ in range(7)]
    seen = []
    report = import_file(feed_file(rows), batch_size=3, progress=seen.append)
    assert outcome(report) == (7, 0, 0, 0) and seen == [3, 6, 7]
    assert count(db, InsuranceEnrolment) == 35 and count(db, SocialSecurityCard) == 7
    assert count(db, IdentityDocument) == 7


def test_only_the_first_rejections_are_kept_but_all_are_counted(db, feed_file, monkeypatch):
    monkeypatch.setattr(import_report, "MAX_REJECTIONS_KEPT", 3)
    report = import_file(feed_file([people_row(nationality="XYZ") for _ in range(5)]))
    assert report.rejected == 5 and len(report.rejections) == 3
    assert report.to_dict()["rejections_truncated"] is True
    assert report.to_dict()["rejected_by_reason"] == {"identifier.nationality_unknown": 5}


def test_seen_keys_grow_and_remember():
    seen = SeenKeys(capacity=8)
    assert all(seen.add(("key", n)) for n in range(1000))
    assert not any(seen.add(("key", n)) for n in range(1000))
    assert seen.add(("key", 1000))


# --- report, audit and privacy ---------------------------------------------------------------


def test_the_report_and_one_audit_row_per_run(db, feed_file):
    report = import_file(feed_file([people_row(), people_row(nationality="XYZ")], name="people-2025.csv"))
    data = report.to_dict()
    assert {k: data[k] for k in ("file", "kind", "format", "encoding", "rows", "added", "rejected")} == {
        "file": "people-2025.csv",
        "kind": "people",
        "format": "csv",
        "encoding": "utf-8",
        "rows": 2,
        "added": 1,
        "rejected": 1,
    }
    assert data["rejections"][0] == {
        "line": 3,
        "column": "nationality",
        "code": "identifier.nationality_unknown",
        "reason": "This is not a known country code. Use the three letters of ISO 3166-1, such as DEU.",
    }
    json.dumps(data)
    [entry] = db.session.execute(select(AuditLog)).scalars().all()
    assert (
        entry.action == "registry.import" and entry.details["added"] == 1 and entry.details["rejected"] == 1
    )


def test_the_database_holds_no_identifier_in_clear_text(db, app, feed_file, tmp_path):
    rows = [people_row(pr_id="USA123456789012", card_number="310000777") for _ in range(3)]
    import_file(feed_file(rows))
    import_file(feed_file([contribution_row(rows[0]["ssn"])]))
    secrets_in_clear = []
    for row in rows:
        secrets_in_clear += [
            row["ssn"],
            row["permit_number"],
            row["passport_number"],
            row["pr_id"],
            row["phone"],
            row["phone"].removeprefix("+86"),
            row["card_number"],
        ]
    dump = []
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for record in conn.execute(text(f"SELECT * FROM {table.name}")):
                dump.append(" ".join(str(value) for value in record))
    dumped = "\n".join(dump)
    assert not [value for value in secrets_in_clear if value in dumped]
    if db.engine.dialect.name == "sqlite":
        raw = Path(db.engine.url.database).read_bytes()
        assert not [value for value in secrets_in_clear if value.encode() in raw]


# --- the command ---------------------------------------------------------------------------


def test_cli_prints_the_table_and_writes_the_json_report(db, runner, feed_file, tmp_path):
    path = feed_file([people_row(), people_row()])
    report_path = tmp_path / "report.json"
    result = runner.invoke(args=["registry", "import", str(path), "--json", str(report_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "2" in result.output
    assert json.loads(report_path.read_text(encoding="utf-8"))["added"] == 2


def test_cli_exit_codes_for_rejected_rows_and_refused_files(db, runner, feed_file):
    rejected = runner.invoke(
        args=["registry", "import", str(feed_file([people_row(nationality="XYZ")])), "--json", "-"]
    )
    assert rejected.exit_code == 3
    assert json.loads(rejected.output)["rejections"][0]["code"] == "identifier.nationality_unknown"
    table = runner.invoke(args=["registry", "import", str(feed_file([people_row(nationality="XYZ")]))])
    assert "nationality" in table.output and "known country code" in table.output
    refused = runner.invoke(args=["registry", "import", str(feed_file("name,age\n"))])
    assert refused.exit_code == 1 and "registry.file_kind" in refused.output
    forced = runner.invoke(
        args=[
            "registry",
            "import",
            str(feed_file([people_row()])),
            "--kind",
            "people",
            "--encoding",
            "utf-8",
            "--batch-size",
            "1",
        ]
    )
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize("workers", [0, 2])
def test_a_database_outage_aborts_with_a_clear_error_and_keeps_written_batches(
    db, feed_file, monkeypatch, workers
):
    from sqlalchemy.exc import OperationalError

    rows = [people_row() for _ in range(4)]
    original = people_import.PeopleImporter.apply
    calls = []

    def failing_second_batch(self, conn, batch):
        calls.append(len(batch))
        if len(calls) == 2:
            raise OperationalError("INSERT", {}, Exception("server has gone away"))
        return original(self, conn, batch)

    monkeypatch.setattr(people_import.PeopleImporter, "apply", failing_second_batch)
    with pytest.raises(ImportAborted) as aborted:
        import_file(feed_file(rows), batch_size=2, workers=workers)
    assert aborted.value.code == "registry.database_unavailable" and aborted.value.status == 503
    assert aborted.value.details["added"] == 2
    assert count(db, Person) == 2
