"""Validating one feed row: typed, normalised values, or the problems with line, column and code.

A problem's `code` is stable (`row.date_invalid`, `identifier.permit_length` …) and maps to a
translated reason with `reason_for()`. Optional columns distinguish "not in this file" (ABSENT:
leave the stored value alone) from "given empty" (None: clear it).
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final, Literal

from app import clock
from app.i18n import _l
from app.registry import identifiers as ids
from app.registry.models import (
    CARD_STATUSES,
    CONTRIBUTION_STATUSES,
    ENROLMENT_STATUSES,
    INSURANCE_TYPES,
    PERMIT_CATEGORIES,
    PERMIT_STATUSES,
)
from app.registry.names import split_name


class Absent(enum.Enum):
    """The column is not in this file: keep what is stored (one member, so type checkers narrow on it)."""

    ABSENT = "ABSENT"

    def __repr__(self) -> str:
        return "ABSENT"

    __str__ = __repr__

    def __bool__(self) -> Literal[False]:
        return False


ABSENT: Final = Absent.ABSENT

_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_MONEY = re.compile(r"\d{1,10}(?:\.\d{1,2})?")
_CARD_NUMBER = re.compile(r"[A-Z0-9]{1,32}")
_SPACES = re.compile(r"\s+")
_EARLIEST = date(1900, 1, 1)

#: Normalisers of columns with few distinct values in a feed (employers, cities), each value
#: normalised once; pure functions, and an invalid value raises again on every row.
_normalize_uscc = functools.lru_cache(maxsize=16384)(ids.normalize_uscc)
_normalize_city_code = functools.lru_cache(maxsize=4096)(ids.normalize_city_code)

_ROW_MESSAGES = {
    "row.required": _l("Fill in this column."),
    "row.malformed": _l("This line is not valid CSV (check the quotes)."),
    "row.json": _l("This line is not a JSON object."),
    "row.encoding": _l("This line has characters that are not valid in the file's encoding."),
    # TRANSLATORS: %(found)s and %(expected)s are numbers of fields (the sentence needs no plural).
    "row.field_count": _l(
        "The number of fields in this row (%(found)s) differs from the header (%(expected)s)."
    ),
    "row.too_long": _l("This value is too long."),
    "row.date_invalid": _l("This is not a real date in the form YYYY-MM-DD."),
    "row.date_out_of_range": _l("This date is impossible here (in the future or before 1900)."),
    "row.date_order": _l("The permit ends before it starts."),
    "row.period_invalid": _l("This is not a month in the form YYYY-MM."),
    # TRANSLATORS: %(allowed)s is a list of the accepted values, e.g. "A, B, C".
    "row.choice_invalid": _l("Use one of these values: %(allowed)s."),
    "row.amount_invalid": _l("This is not an amount in yuan with at most 2 decimals."),
    "row.amount_negative": _l("An amount cannot be negative."),
    "row.name_no_latin": _l(
        "The name has no Latin letters. Write it as printed in the passport's data page."
    ),
    "row.card_number_format": _l("A card number has up to 32 letters and digits."),
    "row.insurances_invalid": _l(
        "Write enrolments as type:status or type:status:YYYY-MM, separated by semicolons."
    ),
    "row.insurance_repeated": _l("An insurance appears more than once."),
    "row.exemption_incomplete": _l("An exempt enrolment needs exemption_country and exemption_certificate."),
    "row.duplicate": _l("This row repeats an earlier row of the file for the same record. We skipped it."),
    "row.unknown_account": _l("No social security account has this number. Import the people file first."),
    "row.unknown_employer": _l(
        "No employer has this unified social credit code. Import the people file first."
    ),
    "row.permit_conflict": _l("This work permit number belongs to another person."),
    "row.pr_id_conflict": _l("This permanent resident ID number belongs to another person."),
    "row.database": _l("The database refused this row."),
}


def reason_for(code: str):
    """The lazily translated reason for a row or identifier problem code."""
    message = _ROW_MESSAGES.get(code)
    return message if message is not None else ids.message_for(code)


@dataclass(slots=True)
class Problem:
    """Why a row is rejected: the column (or None for the whole row), a code, message variables."""

    column: str | None
    code: str
    variables: dict | None = None


@dataclass(slots=True)
class Enrolment:
    """One entry of the `insurances` column."""

    insurance_type: str
    status: str
    start_period: str | None


@dataclass(slots=True)
class PersonHashes:
    """The keyed look-up hashes of a people row's identifiers."""

    ssn: str
    permit: str
    passport: str
    phone: str | None
    pr_id: str | None
    #: Every configured key's hash of the row's ssn, permit, passport and PR ID -> the current key's.
    alias: dict[str, str]


@dataclass(slots=True)
class PersonRow:
    """A valid people row, normalised."""

    line: int
    passport_name: str
    name_canonical: str
    family_name: str | None
    given_names: str | None
    nationality: str
    date_of_birth: date
    sex: str | Absent | None
    passport_number: str
    passport_expires_on: date | Absent | None
    permit_number: str
    permit_category: str
    permit_valid_from: date
    permit_valid_to: date
    permit_status: str
    entry_date: date | Absent | None
    position: str
    employer_uscc: str
    employer_name_zh: str
    employer_name_en: str | Absent | None
    work_city_code: str
    work_address: str
    ssn: str
    pr_id: str | Absent | None
    card_number: str | Absent | None
    card_status: str
    phone: str | Absent | None
    enrolments: list[Enrolment]
    exemption_country: str | None
    exemption_certificate: str | None
    exemption_valid_to: date | None
    #: Set through `hashes` by the importer once the row is valid.
    _hashes: PersonHashes | None = None

    @property
    def hashes(self) -> PersonHashes:
        """The keyed look-up hashes; the importer sets them once the row is valid."""
        if self._hashes is None:
            raise RuntimeError(f"line {self.line}: the importer has not set the look-up hashes yet")
        return self._hashes

    @hashes.setter
    def hashes(self, value: PersonHashes) -> None:
        self._hashes = value


@dataclass(slots=True)
class ContributionRow:
    """A valid contributions row, normalised."""

    line: int
    ssn: str
    period: str
    insurance_type: str
    base: Decimal
    employer_amount: Decimal
    employee_amount: Decimal
    status: str
    employer_uscc: str
    paid_on: date | Absent | None


class _Checker:
    """Collects problems while reading one row's columns."""

    __slots__ = ("problems", "today", "values")

    def __init__(self, values: dict[str, str], today: date):
        self.values = values
        self.problems: list[Problem] = []
        self.today = today

    def fail(self, column: str | None, code: str, **variables) -> None:
        """Record a problem."""
        self.problems.append(Problem(column, code, variables or None))

    def text(self, column: str, max_length: int, required: bool = True):
        """A stripped text cell; ABSENT when the column is missing and optional."""
        raw = self.values.get(column)
        if raw is None and not required:
            return ABSENT
        value = _SPACES.sub(" ", (raw or "").strip())
        if not value:
            if required:
                self.fail(column, "row.required")
            return None
        if len(value) > max_length:
            self.fail(column, "row.too_long")
            return None
        return value

    def identifier(self, column: str, normalize, required: bool = True, born_by: date | None = None):
        """A cell through one of the identifier normalisers (`born_by` for those with a birth date)."""
        raw = self.values.get(column)
        if raw is None and not required:
            return ABSENT
        if not (raw or "").strip():
            if required:
                self.fail(column, "row.required")
            return None
        try:
            return normalize(raw) if born_by is None else normalize(raw, born_by)
        except ids.IdentifierError as error:
            self.fail(column, error.code)
            return None

    def date(self, column: str, required: bool = True, past_only: bool = False):
        """An ISO date cell (YYYY-MM-DD)."""
        raw = self.values.get(column)
        if raw is None and not required:
            return ABSENT
        raw = (raw or "").strip()
        if not raw:
            if required:
                self.fail(column, "row.required")
            return None
        try:
            if len(raw) != 10:
                raise ValueError(raw)
            value = date.fromisoformat(raw)
        except ValueError:
            self.fail(column, "row.date_invalid")
            return None
        if value < _EARLIEST or (past_only and value > self.today):
            self.fail(column, "row.date_out_of_range")
            return None
        return value

    def choice(self, column: str, allowed: tuple[str, ...], default: str | None = None, upper: bool = False):
        """A cell that must be one of `allowed` (empty → default)."""
        raw = (self.values.get(column) or "").strip()
        raw = raw.upper() if upper else raw.lower()
        if not raw:
            if default is None:
                self.fail(column, "row.required")
            return default
        if raw not in allowed:
            self.fail(column, "row.choice_invalid", allowed=", ".join(allowed))
            return None
        return raw

    def money(self, column: str):
        """A non-negative amount with at most two decimals."""
        raw = (self.values.get(column) or "").strip()
        if not raw:
            self.fail(column, "row.required")
            return None
        amount = _parse_money(raw)
        if isinstance(amount, str):
            self.fail(column, amount)
            return None
        return amount


@functools.lru_cache(maxsize=4096)
def _parse_money(raw: str) -> Decimal | str:
    """A stripped amount cell as a Decimal, or its problem code (feeds repeat the same amounts)."""
    if _MONEY.fullmatch(raw):
        return Decimal(raw)
    if raw.startswith("-") and _MONEY.fullmatch(raw[1:]):
        return "row.amount_negative"
    return "row.amount_invalid"


def parse_period(raw: str | None, today: date) -> str | None:
    """A YYYY-MM period between 1990 and next year, or None."""
    raw = (raw or "").strip()
    match = _PERIOD.fullmatch(raw)
    if not match or not 1990 <= int(match.group(1)) <= today.year + 1:
        return None
    return raw


def parse_insurances(raw: str, today: date) -> list[Enrolment] | str:
    """The `insurances` column: `type:status[:YYYY-MM]` items separated by `;` (or a problem code)."""
    enrolments: list[Enrolment] = []
    seen: set[str] = set()
    for item in raw.split(";"):
        item = item.strip()
        if not item:
            continue
        parts = [part.strip().lower() for part in item.split(":")]
        if len(parts) not in (2, 3) or parts[0] not in INSURANCE_TYPES or parts[1] not in ENROLMENT_STATUSES:
            return "row.insurances_invalid"
        start = None
        if len(parts) == 3 and parts[2]:
            start = parse_period(parts[2], today)
            if start is None:
                return "row.insurances_invalid"
        if parts[0] in seen:
            return "row.insurance_repeated"
        seen.add(parts[0])
        enrolments.append(Enrolment(parts[0], parts[1], start))
    return enrolments


def validate_person(
    line: int,
    values: dict[str, str],
    today: date,
    insurance_cache: dict | None = None,
    born_by: date | None = None,
) -> PersonRow | list[Problem]:
    """A PersonRow, or the list of problems that reject the row.

    `insurance_cache` (a dict the caller keeps) remembers parsed `insurances` cells: feeds
    repeat the same few combinations on most rows. `born_by` is the clock's today, read once per
    import: the latest birth date an SSN or PR ID may carry (None reads the clock).
    """
    check = _Checker(values, today)
    passport_name = check.text("passport_name", 200)
    family = given = canonical = None
    if passport_name:
        family, given = split_name(passport_name)
        canonical = " ".join(part for part in (family, given) if part)
        if not canonical:
            check.fail("passport_name", "row.name_no_latin")
        elif len(family) > 120 or len(given) > 120:
            check.fail("passport_name", "row.too_long")
    nationality = check.identifier("nationality", ids.normalize_nationality)
    date_of_birth = check.date("date_of_birth", past_only=True)
    sex = (
        ABSENT
        if values.get("sex") is None
        else check.choice("sex", ("F", "M", "X"), default="", upper=True) or None
    )
    passport_number = check.identifier("passport_number", ids.normalize_passport_number)
    passport_expires_on = check.date("passport_expires_on", required=False)
    permit_number = check.identifier("permit_number", ids.normalize_permit_number)
    category = check.choice("permit_category", PERMIT_CATEGORIES, upper=True)
    valid_from = check.date("permit_valid_from")
    valid_to = check.date("permit_valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        check.fail("permit_valid_to", "row.date_order")
    permit_status = check.choice("permit_status", PERMIT_STATUSES, default="valid")
    entry_date = check.date("entry_date", required=False, past_only=True)
    position = check.text("position", 200)
    uscc = check.identifier("employer_uscc", _normalize_uscc)
    name_zh = check.text("employer_name_zh", 200)
    name_en = check.text("employer_name_en", 200, required=False)
    city = check.identifier("work_city_code", _normalize_city_code)
    work_address = check.text("work_address", 300)
    ssn = check.identifier("ssn", ids.normalize_ssn, born_by=born_by)
    pr_id = check.identifier("pr_id", ids.normalize_pr_id, required=False, born_by=born_by)
    card_number = _card_number(check)
    card_status = check.choice("card_status", CARD_STATUSES, default="not_activated")
    phone = check.identifier("phone", ids.normalize_phone, required=False)
    enrolments: list[Enrolment] = []
    raw_insurances = (values.get("insurances") or "").strip()
    if raw_insurances:
        parsed = insurance_cache.get(raw_insurances) if insurance_cache is not None else None
        if parsed is None:
            parsed = parse_insurances(raw_insurances, today)
            if insurance_cache is not None and len(insurance_cache) < 10_000:
                insurance_cache[raw_insurances] = parsed
        if isinstance(parsed, str):
            check.fail("insurances", parsed)
        else:
            enrolments = parsed
    exemption_country = check.identifier("exemption_country", ids.normalize_nationality, required=False)
    exemption_certificate = check.text("exemption_certificate", 64, required=False)
    exemption_valid_to = check.date("exemption_valid_to", required=False)
    if any(e.status == "exempt" for e in enrolments) and not (exemption_country and exemption_certificate):
        check.fail(
            "exemption_country" if not exemption_country else "exemption_certificate",
            "row.exemption_incomplete",
        )
    if check.problems:
        return check.problems
    assert canonical is not None  # no passport name would have been a problem
    return PersonRow(
        line=line,
        passport_name=passport_name,
        name_canonical=canonical,
        family_name=family or None,
        given_names=given or None,
        nationality=nationality,
        date_of_birth=date_of_birth,
        sex=sex,
        passport_number=passport_number,
        passport_expires_on=passport_expires_on,
        permit_number=permit_number,
        permit_category=category,
        permit_valid_from=valid_from,
        permit_valid_to=valid_to,
        permit_status=permit_status,
        entry_date=entry_date,
        position=position,
        employer_uscc=uscc,
        employer_name_zh=name_zh,
        employer_name_en=name_en,
        work_city_code=city,
        work_address=work_address,
        ssn=ssn,
        pr_id=pr_id,
        card_number=card_number,
        card_status=card_status,
        phone=phone,
        enrolments=enrolments,
        exemption_country=exemption_country or None,
        exemption_certificate=exemption_certificate or None,
        exemption_valid_to=exemption_valid_to or None,
    )


def _card_number(check: _Checker):
    """The optional card number: an opaque code of letters and digits."""
    raw = check.values.get("card_number")
    if raw is None:
        return ABSENT
    value = _SPACES.sub("", raw).upper()
    if not value:
        return None
    if not _CARD_NUMBER.fullmatch(value):
        check.fail("card_number", "row.card_number_format")
        return None
    return value


class ContributionValidator:
    """Validates contributions rows, remembering recent SSN and USCC normalisations (files repeat them)."""

    _CACHE_LIMIT = 50_000

    def __init__(self, today: date):
        self.today = today
        #: The clock's today, read once: the latest birth date an SSN may carry.
        self.born_by = clock.today()
        self._ssn: dict[str, tuple[str | None, str | None]] = {}
        self._uscc: dict[str, tuple[str | None, str | None]] = {}

    def _normalize_ssn(self, raw: str) -> str:
        """normalize_ssn with this import's today."""
        return ids.normalize_ssn(raw, self.born_by)

    def _cached(self, cache: dict, raw: str, normalize) -> tuple[str | None, str | None]:
        """(normalised, None) or (None, error code), cached by the raw text."""
        hit = cache.get(raw)
        if hit is None:
            try:
                hit = (normalize(raw), None)
            except ids.IdentifierError as error:
                hit = (None, error.code)
            if len(cache) >= self._CACHE_LIMIT:
                cache.clear()
            cache[raw] = hit
        return hit

    def validate(self, line: int, values: dict[str, str]) -> ContributionRow | list[Problem]:
        """A ContributionRow, or the problems that reject the row."""
        check = _Checker(values, self.today)
        raw_ssn = values.get("ssn") or ""
        ssn, code = (
            self._cached(self._ssn, raw_ssn, self._normalize_ssn)
            if raw_ssn.strip()
            else (None, "row.required")
        )
        if code:
            check.fail("ssn", code)
        raw_period = values.get("period")
        period = parse_period(raw_period, self.today)
        if period is None:
            check.fail("period", "row.required" if not (raw_period or "").strip() else "row.period_invalid")
        insurance = check.choice("insurance", INSURANCE_TYPES)
        base = check.money("base")
        employer_amount = check.money("employer_amount")
        employee_amount = check.money("employee_amount")
        status = check.choice("status", CONTRIBUTION_STATUSES)
        raw_uscc = values.get("employer_uscc") or ""
        uscc, code = (
            self._cached(self._uscc, raw_uscc, ids.normalize_uscc)
            if raw_uscc.strip()
            else (None, "row.required")
        )
        if code:
            check.fail("employer_uscc", code)
        paid_on = check.date("paid_on", required=False)
        if check.problems:
            return check.problems
        assert ssn is not None and period is not None and uscc is not None  # each missing one is a problem
        return ContributionRow(
            line, ssn, period, insurance, base, employer_amount, employee_amount, status, uscc, paid_on
        )
