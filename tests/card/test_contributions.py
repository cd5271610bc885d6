"""GET /api/v1/card/contributions (+ CSV): exact amounts, totals, gaps, arrears, signed cursors."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app import clock
from tests.factories import make_contribution, make_person, make_user
from tests.fast_path import repeat_is_fast

# The holder fixture pays on a base of 23,456.78 every month; per month, rounded to the fen:
# employer 3753.08 + 2228.39 + 93.83 + 117.28 + 187.65 = 6380.23, employee 1876.54 + 469.14 +
# 117.28 = 2462.96.
YEAR_EMPLOYER = Decimal("6380.23") * 12
YEAR_EMPLOYEE = Decimal("2462.96") * 12


def _get(client, headers, **params):
    """GET the contributions endpoint; returns (status, json)."""
    response = client.get("/api/v1/card/contributions", headers=headers, query_string=params)
    return response.status_code, response.get_json()


def test_a_year_by_month_and_insurance(client, login, holder_user):
    status, body = _get(client, login(holder_user), year="2025")
    assert status == 200
    assert body["year"] == 2025 and body["currency"] == "CNY"
    assert [month["period"] for month in body["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    january = body["months"][0]
    assert january["label"] == "January 2025"
    assert [r["insurance"] for r in january["records"]] == [
        "pension",
        "medical",
        "work_injury",
        "unemployment",
        "maternity",
    ]
    pension = january["records"][0]
    assert pension["employer_amount"]["value"] == "3753.08"
    assert pension["employee_amount"]["value"] == "1876.54"
    assert pension["base"]["value"] == "23456.78"
    assert "3,753.08" in pension["employer_amount"]["display"]
    assert body["labels"]["insurances"]["pension"]["term_zh"] == "职工基本养老保险"
    assert body["labels"]["insurances"]["pension"]["short_name"] == "Pension"
    assert body["labels"]["statuses"][pension["status"]]["name"] == "Paid"
    assert body["employers"][str(pension["employer_id"])] == {
        "name": "Shanghai Test Tech Co., Ltd.",
        "name_zh": "上海测试科技有限公司",
    }
    assert january["totals"]["employer"]["value"] == "6380.23"
    assert january["totals"]["employee"]["value"] == "2462.96"
    totals = body["totals"]
    assert totals["employer"]["value"] == str(YEAR_EMPLOYER) == "76562.76"
    assert totals["employee"]["value"] == str(YEAR_EMPLOYEE) == "29555.52"
    assert totals["total"]["value"] == str(YEAR_EMPLOYER + YEAR_EMPLOYEE)
    assert totals["records"] == 60
    assert sum(Decimal(item["employer"]["value"]) for item in totals["by_insurance"]) == YEAR_EMPLOYER
    assert body["gaps"] == [] and body["arrears"] == [] and body["has_arrears"] is False
    assert body["years"] == [2024, 2025]
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de", "76.562,76"),
        ("fr", "76\u202f562,76"),
        ("ja", "76,562.76"),
        ("zh_Hans", "76,562.76"),
    ],
)
def test_amounts_are_formatted_for_the_locale(client, login, holder, locale, expected):
    user = make_user(person=holder, verified=True, locale=locale)
    status, body = _get(client, login(user), year="2025")
    assert status == 200 and body["locale"] == locale
    assert expected in body["totals"]["employer"]["display"]
    assert body["totals"]["employer"]["value"] == "76562.76"


def test_no_float_in_the_payload(client, login, holder_user):
    response = client.get("/api/v1/card/contributions?year=2025", headers=login(holder_user))

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            assert not isinstance(value, float)

    walk(response.get_json())


def test_cursor_pages_cover_the_year_once_in_a_stable_order(client, login, holder_user):
    headers = login(holder_user)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"year": "2025", "limit": "25"}
        if cursor:
            params["cursor"] = cursor
        status, body = _get(client, headers, **params)
        assert status == 200
        pages += 1
        assert body["totals"]["employer"]["value"] == "76562.76"
        seen += [record["id"] for month in body["months"] for record in month["records"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 60
    _, whole = _get(client, headers, year="2025", limit="200")
    assert seen == [record["id"] for month in whole["months"] for record in month["records"]]


def test_a_cursor_cannot_read_someone_elses_rows(client, login, holder_user, other_user):
    _, body = _get(client, login(holder_user), year="2025", limit="5")
    cursor = body["next_cursor"]
    status, error = _get(client, login(other_user), year="2025", cursor=cursor)
    assert status == 400
    assert error["error"]["code"] == "contributions.invalid_cursor"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),
        lambda c: "x" + c,
        lambda c: "not-a-cursor",
    ],
)
def test_a_tampered_cursor_is_refused(client, login, holder_user, mangle):
    headers = login(holder_user)
    _, body = _get(client, headers, year="2025", limit="5")
    status, error = _get(client, headers, year="2025", cursor=mangle(body["next_cursor"]))
    assert status == 400
    assert error["error"]["code"] == "contributions.invalid_cursor"


def test_a_cursor_for_another_year_is_refused(client, login, holder_user):
    headers = login(holder_user)
    _, body = _get(client, headers, year="2025", limit="5")
    status, error = _get(client, headers, year="2024", cursor=body["next_cursor"])
    assert status == 400 and error["error"]["code"] == "contributions.invalid_cursor"


def test_records_stay_with_their_owner(client, login, holder_user, other_user):
    _, mine = _get(client, login(holder_user), year="2025", limit="200")
    text = str(mine)
    assert "9999.99" not in text and "8888.88" not in text
    _, theirs = _get(client, login(other_user), year="2025", limit="200")
    ids_mine = {r["id"] for m in mine["months"] for r in m["records"]}
    ids_theirs = {r["id"] for m in theirs["months"] for r in m["records"]}
    assert ids_mine.isdisjoint(ids_theirs)
    assert theirs["totals"]["records"] == 16


@pytest.mark.calendar
def test_without_a_year_the_page_is_this_year_where_the_user_lives(
    users_day_ahead, client, login, holder_user, flask_calls
):
    # 00:30 on 1 January 2027 in Shanghai; a machine on UTC is still in 2026. The repeat is
    # answered by the fast path, from the copy Flask kept under the same year.
    body = repeat_is_fast(client, "/api/v1/card/contributions", login(holder_user), flask_calls).get_json()
    assert body["year"] == clock.today().year == 2027


@pytest.mark.parametrize("year", ["25", "abcd", "1800", "2025-01", "3000"])
def test_a_bad_year_is_a_clear_error(client, login, holder_user, year):
    status, body = _get(client, login(holder_user), year=year)
    assert status == 400
    assert body["error"]["code"] == "contributions.invalid_year"
    assert body["error"]["message"]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten", "²", "١٠"])
def test_a_bad_limit_is_a_clear_error(client, login, holder_user, limit):
    status, body = _get(client, login(holder_user), year="2025", limit=limit)
    assert status == 400 and body["error"]["code"] == "contributions.invalid_limit"


def test_gaps_across_a_year_boundary_and_arrears(client, login, db):
    person = make_person(enrolments={"medical": "ended"})
    for period in ("2024-11", "2025-02", "2025-05"):
        make_contribution(person, period=period)
    make_contribution(
        person,
        period="2025-05",
        insurance_type="unemployment",
        status="arrears",
        employer_amount=Decimal("100.10"),
        employee_amount=Decimal("100.05"),
    )
    user = make_user(person=person, verified=True, locale="ja")
    status, body = _get(client, login(user), year="2025")
    assert status == 200
    assert [gap["period"] for gap in body["gaps"]] == ["2025-01", "2025-03", "2025-04"]
    assert body["gaps"][0]["label"] == "2025年1月"
    assert body["has_arrears"] is True
    assert [(a["period"], a["insurance"], a["amount"]["value"]) for a in body["arrears"]] == [
        ("2025-05", "unemployment", "200.15")
    ]
    may = body["months"][-1]
    assert may["has_arrears"] is True
    assert may["totals"]["employer"]["value"] == "3300.10"
    assert [r["arrears"] for r in may["records"]] == [False, True]
    _, previous = _get(client, login(user), year="2024")
    assert [gap["period"] for gap in previous["gaps"]] == ["2024-12"]


def test_the_contributions_page_is_one_query(client, login, holder_user, db):
    from sqlalchemy import event

    headers = login(holder_user)
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/card/contributions?year=2025", headers=headers).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_contributions_without_session_is_401(client):
    assert client.get("/api/v1/card/contributions").status_code == 401


def test_contributions_of_unverified_user_is_403(client, login, db):
    status, body = _get(client, login(make_user(locale="es")), year="2025")
    assert status == 403 and body["error"]["code"] == "card.not_verified"


def _rows(response):
    """The CSV rows of a response, BOM checked and removed."""
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_of_own_records(client, login, holder_user, other_user):
    response = client.get("/api/v1/card/contributions.csv?year=2025", headers=login(holder_user))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="contributions-2025.csv"' in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][0] == "Month" and rows[0][6] == "Employer amount"
    assert len(rows) == 61
    assert rows[1][:3] == ["2025-01", "Pension", "职工基本养老保险"]
    assert rows[1][5:9] == ["23456.78", "3753.08", "1876.54", "CNY"]
    assert sum(Decimal(row[6]) for row in rows[1:]) == YEAR_EMPLOYER
    assert "9999.99" not in response.get_data(as_text=True)


def test_csv_of_all_years_and_via_format_parameter(client, login, holder_user):
    headers = login(holder_user)
    everything = _rows(client.get("/api/v1/card/contributions.csv", headers=headers))
    assert len(everything) == 1 + 24 * 5
    same = client.get("/api/v1/card/contributions?format=csv&year=2024", headers=headers)
    assert len(_rows(same)) == 61


def test_csv_errors_use_the_envelope(client, login, holder_user):
    response = client.get("/api/v1/card/contributions.csv?year=nope", headers=login(holder_user))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "contributions.invalid_year"
    assert client.get("/api/v1/card/contributions.csv").status_code == 401


def test_csv_cells_cannot_become_formulas(client, login, db):
    from tests.factories import make_employer

    employer = make_employer(name_en='=HYPERLINK("http://x")', name_zh="＝测试")
    person = make_person(employer=employer, contributions_months=1, contributions_until="2025-01")
    user = make_user(person=person, verified=True)
    rows = _rows(client.get("/api/v1/card/contributions.csv", headers=login(user)))
    assert rows[1][3].startswith("'=")
