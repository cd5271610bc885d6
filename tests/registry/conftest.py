"""Fixtures for the registry tests: feed files written on the fly from valid rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from app.registry.feed import (
    CONTRIBUTIONS_OPTIONAL,
    CONTRIBUTIONS_REQUIRED,
    PEOPLE_OPTIONAL,
    PEOPLE_REQUIRED,
)
from tests.factories import (
    make_passport_number,
    make_permit_number,
    make_phone,
    make_ssn,
    make_uscc,
    next_number,
)

PEOPLE_COLUMNS = PEOPLE_REQUIRED + PEOPLE_OPTIONAL
CONTRIBUTION_COLUMNS = CONTRIBUTIONS_REQUIRED + CONTRIBUTIONS_OPTIONAL
EMPLOYER_USCC = make_uscc(900_001)


def people_row(**overrides) -> dict:
    """A valid people row with fresh unique identifiers; override any column."""
    n = next_number()
    born = date(1980, 1, 1).replace(year=1980 + n % 20)
    row = {
        "passport_name": "MÜLLER-LÜDENSCHEIDT, Hans Peter",
        "nationality": "DEU",
        "date_of_birth": born.isoformat(),
        "sex": "M",
        "passport_number": make_passport_number(n),
        "passport_expires_on": "2031-05-01",
        "permit_number": make_permit_number(n),
        "permit_category": "B",
        "permit_valid_from": "2024-03-01",
        "permit_valid_to": "2026-02-28",
        "permit_status": "valid",
        "entry_date": "2024-03-10",
        "position": "工程师 / Engineer",
        "employer_uscc": EMPLOYER_USCC,
        "employer_name_zh": "上海示例科技有限公司",
        "employer_name_en": "Shanghai Example Technology Co. Ltd.",
        "work_city_code": "310000",
        "work_address": "上海市浦东新区世纪大道100号",
        "ssn": make_ssn(born, "DEU", n),
        "pr_id": "",
        "card_number": "",
        "card_status": "normal",
        "phone": make_phone(n),
        "insurances": "pension:enrolled:2024-03;medical:enrolled:2024-03;work_injury:enrolled:2024-03;"
        "unemployment:enrolled:2024-03;maternity:enrolled:2024-03",
        "exemption_country": "",
        "exemption_certificate": "",
        "exemption_valid_to": "",
    }
    row.update(overrides)
    return row


def contribution_row(ssn: str, **overrides) -> dict:
    """A valid contributions row for an SSN; override any column."""
    row = {
        "ssn": ssn,
        "period": "2025-01",
        "insurance": "pension",
        "base": "20000.00",
        "employer_amount": "3200.00",
        "employee_amount": "1600.00",
        "status": "paid",
        "employer_uscc": EMPLOYER_USCC,
        "paid_on": "2025-01-15",
    }
    row.update(overrides)
    return row


def csv_text(rows: list[dict], columns=None) -> str:
    """Rows as CSV text with a header."""
    columns = columns or list(rows[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@pytest.fixture
def feed_file(tmp_path):
    """Write a feed: `feed_file(rows, name="people.csv", encoding="utf-8")` or raw text/bytes."""
    counter = iter(range(1_000_000))

    def write(content, name: str | None = None, encoding: str = "utf-8", columns=None):
        name = name or f"feed-{next(counter)}.csv"
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
            return path
        if isinstance(content, list):
            if name.endswith(".jsonl"):
                content = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in content)
            else:
                content = csv_text(content, columns)
        path.write_bytes(content.encode(encoding))
        return path

    return write
