"""Identifiers: normalise and validate permit numbers, SSNs, PR IDs, passports, countries, phones.

Each `normalize_*` function takes what a person typed or a feed carried and returns the stored
form, or raises `IdentifierError` whose `code` (e.g. `identifier.permit_length`) is stable, so the
flows and the import can map it to a translated message. Nothing here touches the database.

Rules follow the domain brief §2: separators are stripped, full-width digits (from Chinese input
methods) are accepted, values stay strings, and a checksum is computed only where a source
confirms one (ISO 7064 MOD 11-2 for `9…` numbers).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from operator import mul

import phonenumbers

from app import clock, pii
from app.errors import AppError
from app.i18n import _l
from app.registry.countries import NATIONALITY_CODES

#: Kinds of identifier, as used in look-up hashes and error codes.
KINDS = ("permit", "ssn", "pr_id", "passport", "phone")

_MOD11_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_MOD11_CHARS = "10X98765432"
# Spaces (incl. full-width and no-break), hyphens and dashes, dots, slashes, underscores.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_./\\·・]+")
_DIGITS18 = re.compile(r"\d{18}")
_EARLIEST_BIRTH = date(1900, 1, 1)

#: The reviewed claims (content/facts.toml) behind these formats: the permit number's 18 digits.
CLAIMS = {"permit_number": "permit-number"}
_NINE_FORM = re.compile(r"9\d{16}[\dX]")
_PR_2017 = re.compile(r"[A-Z]{3}\d{12}")
_ALNUM = re.compile(r"[0-9A-Z]+")
_PASSPORT = re.compile(r"[A-Z0-9]{1,9}")
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_CITY_CODE = re.compile(r"\d{6}")
_CN_MOBILE_LOCAL = re.compile(r"(?:\+86|0086|86)?(1\d{10})")
_CN_MOBILE_INTL = re.compile(r"(?:\+86|0086)(1\d{10})")
_PHONE_PUNCTUATION = re.compile(r"[\s\-‐‑‒–—―.()（）]+")
# Chinese mobile numbers are allocated in 7-digit blocks (号段); validity is the same across a
# block, so one phonenumbers check per block serves a whole feed.
_mobile_blocks: dict[str, bool] = {}

_MESSAGES = {
    # TRANSLATORS: error below an empty identity-number field.
    "identifier.empty": _l("Enter the number."),
    "identifier.permit_format": _l("A work permit number has digits only."),
    "identifier.permit_length": _l("A work permit number has exactly 18 digits."),
    "identifier.ssn_format": _l("A social security number has only digits and capital letters."),
    "identifier.ssn_length": _l("A social security number has exactly 18 characters."),
    "identifier.ssn_check": _l("Check your social security number against your social security card."),
    # The date inside the number is one the user cannot see: the fix is the same as for the check.
    "identifier.ssn_date": _l("Check your social security number against your social security card."),
    "identifier.pr_id_format": _l(
        "A permanent resident ID number has 18 characters starting with 9, or 3 letters and 12 digits."
    ),
    "identifier.pr_id_check": _l(
        "Check your permanent resident ID number against your Foreign Permanent Resident ID Card."
    ),
    "identifier.pr_id_date": _l(
        "Check your permanent resident ID number against your Foreign Permanent Resident ID Card."
    ),
    "identifier.passport_format": _l("A passport number has up to 9 letters and digits."),
    "identifier.nationality_unknown": _l(
        "This is not a known country code. Use the three letters of ISO 3166-1, such as DEU."
    ),
    "identifier.phone_invalid": _l("This is not a valid phone number."),
    "identifier.uscc_format": _l("A unified social credit code has 18 digits and capital letters."),
    "identifier.city_code_format": _l("A city code has exactly 6 digits, such as 310000."),
}


class IdentifierError(AppError):
    """An identifier failed its format or check; `code` says which rule."""

    code = "identifier.invalid"
    status = 422
    message = _l("This number is not valid. Please check it.")

    def __init__(self, code: str):
        super().__init__(_MESSAGES.get(code, self.message), code=code)


def message_for(code: str):
    """The lazily translated message for an identifier error code."""
    return _MESSAGES.get(code, IdentifierError.message)


def _clean(raw: str | None) -> str:
    """Full-width forms folded (NFKC), separators removed, upper case."""
    if raw is None:
        return ""
    text = str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", text).upper()


def mod11_2_check_char(body17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits (as in GB 11643)."""
    if len(body17) != len(_MOD11_WEIGHTS):
        raise ValueError("MOD 11-2 needs 17 digits")
    return _MOD11_CHARS[sum(map(mul, map(int, body17), _MOD11_WEIGHTS)) % 11]


def _embedded_date_ok(value: str, today: date | None) -> bool:
    """Positions 7–14 of a `9…` number are a real date of birth, not after `today` (default: the clock's)."""
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= (clock.today() if today is None else today)


def normalize_permit_number(raw: str | None) -> str:
    """An 18-digit work permit number, separators stripped (no checksum: none is confirmed)."""
    value = _clean(raw)
    if not value:
        raise IdentifierError("identifier.empty")
    if not value.isdigit() or not value.isascii():
        raise IdentifierError("identifier.permit_format")
    if len(value) != 18:
        raise IdentifierError("identifier.permit_length")
    return value


def normalize_ssn(raw: str | None, today: date | None = None) -> str:
    """An 18-character uppercase SSN; `9…` numbers must also pass MOD 11-2 and the date check.

    `today` is the latest birth date the number may carry (default: the clock's today; an import
    reads it once).
    """
    value = _clean(raw)
    if not value:
        raise IdentifierError("identifier.empty")
    if not _ALNUM.fullmatch(value):
        raise IdentifierError("identifier.ssn_format")
    if len(value) != 18:
        raise IdentifierError("identifier.ssn_length")
    if _NINE_FORM.fullmatch(value):
        if mod11_2_check_char(value[:17]) != value[17]:
            raise IdentifierError("identifier.ssn_check")
        if not _embedded_date_ok(value, today):
            raise IdentifierError("identifier.ssn_date")
    return value


def normalize_pr_id(raw: str | None, today: date | None = None) -> str:
    """A permanent-resident ID: the 2023 form (9 + 16 digits + MOD 11-2) or 2017 (3 letters + 12 digits).

    `today` as for normalize_ssn.
    """
    value = _clean(raw)
    if not value:
        raise IdentifierError("identifier.empty")
    if _PR_2017.fullmatch(value):
        return value
    if not _NINE_FORM.fullmatch(value):
        raise IdentifierError("identifier.pr_id_format")
    if mod11_2_check_char(value[:17]) != value[17]:
        raise IdentifierError("identifier.pr_id_check")
    if not _embedded_date_ok(value, today):
        raise IdentifierError("identifier.pr_id_date")
    return value


def pr_id_document_type(normalized: str) -> str:
    """`pr_card_2023` or `pr_card_2017` for a normalised PR ID."""
    return "pr_card_2017" if _PR_2017.fullmatch(normalized) else "pr_card_2023"


def normalize_passport_number(raw: str | None) -> str:
    """A passport number as printed, upper case: up to 9 of A–Z and 0–9 (MRZ fillers dropped)."""
    value = _clean(raw).rstrip("<")
    if not value:
        raise IdentifierError("identifier.empty")
    if not _PASSPORT.fullmatch(value):
        raise IdentifierError("identifier.passport_format")
    return value


def normalize_nationality(raw: str | None) -> str:
    """An ISO 3166-1 alpha-3 code (or an ICAO 9303 passport code such as RKS), upper case."""
    value = (raw or "").strip().upper()
    if not value:
        raise IdentifierError("identifier.empty")
    if value not in NATIONALITY_CODES:
        raise IdentifierError("identifier.nationality_unknown")
    return value


def is_country(code: str | None) -> bool:
    """True for an accepted nationality code (already upper case)."""
    return code in NATIONALITY_CODES


def normalize_phone(raw: str | None, region: str = "CN") -> str:
    """A phone number in E.164 (`+8613912345678`); numbers without a country code are `region`'s."""
    text = (raw or "").strip()
    if not text:
        raise IdentifierError("identifier.empty")
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    compact = _PHONE_PUNCTUATION.sub("", text)
    mobile = (_CN_MOBILE_LOCAL if region == "CN" else _CN_MOBILE_INTL).fullmatch(compact)
    if mobile:
        national = mobile.group(1)
        valid = _mobile_blocks.get(national[:7])
        if valid is None:
            valid = phonenumbers.is_valid_number(phonenumbers.parse("+86" + national))
            if len(_mobile_blocks) < 100_000:
                _mobile_blocks[national[:7]] = valid
        if not valid:
            raise IdentifierError("identifier.phone_invalid")
        return "+86" + national
    if compact.startswith("00"):
        text = "+" + compact[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise IdentifierError("identifier.phone_invalid") from error
    if not phonenumbers.is_valid_number(number):
        raise IdentifierError("identifier.phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_uscc(raw: str | None) -> str:
    """An 18-character unified social credit code (GB 32100 character set), upper case."""
    value = _clean(raw)
    if not value:
        raise IdentifierError("identifier.empty")
    if not _USCC.fullmatch(value):
        raise IdentifierError("identifier.uscc_format")
    return value


def normalize_city_code(raw: str | None) -> str:
    """A 6-digit administrative division code (GB/T 2260), e.g. `310000`."""
    value = _clean(raw)
    if not _CITY_CODE.fullmatch(value):
        raise IdentifierError("identifier.city_code_format")
    return value


_NORMALIZERS = {
    "permit": normalize_permit_number,
    "ssn": normalize_ssn,
    "pr_id": normalize_pr_id,
    "passport": normalize_passport_number,
    "phone": normalize_phone,
}


def normalize(kind: str, raw: str | None) -> str:
    """Normalise an identifier of `kind` (one of KINDS); raises IdentifierError."""
    return _NORMALIZERS[kind](raw)


def error_code(kind: str, raw: str | None) -> str | None:
    """The error code for `raw` as a `kind` identifier, or None when it is valid."""
    try:
        _NORMALIZERS[kind](raw)
    except IdentifierError as error:
        return error.code
    return None


def identifier_hash(kind: str, normalized: str) -> str:
    """The keyed look-up hash of a normalised identifier (what the *_hash columns hold)."""
    return pii.codec().lookup_hash(normalized, kind)


def identifier_hashes(kind: str, normalized: str) -> tuple[str, ...]:
    """Its look-up hash under every configured PII key, current first: what a search must match mid-rotation."""
    return pii.codec().lookup_hashes(normalized, kind)
