"""Identifier normalisation and validation: valid and invalid synthetic samples."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.i18n import to_text
from app.registry import identifiers as ids
from app.registry.countries import NATIONALITY_CODES, NUMERIC_BY_ALPHA3


def code_of(function, value) -> str | None:
    """The error code a normaliser raises for value (None if it accepts it)."""
    try:
        function(value)
    except ids.IdentifierError as error:
        return error.code
    return None


def test_mod11_2_check_characters_match_known_samples():
    assert ids.mod11_2_check_char("11010519491231002") == "X"
    assert ids.mod11_2_check_char("93141019850315001") == "X"
    assert ids.mod11_2_check_char("91184019900101002") == "6"


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_mod11_2_check_character_is_the_iso_7064_formula(body):
    weights = [2 ** (17 - i) % 11 for i in range(17)]  # ISO 7064 MOD 11-2: 2^(n-1) mod 11
    assert (
        ids.mod11_2_check_char(body)
        == "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    )


@pytest.mark.parametrize("body", ["", "1234567890123456", "123456789012345678"])
def test_mod11_2_needs_exactly_17_digits(body):
    with pytest.raises(ValueError):
        ids.mod11_2_check_char(body)


@pytest.mark.parametrize(
    "raw",
    [
        "110000202400012345",
        "1100 0020 2400 0123 45",
        "110000-202400-012345",
        "１１００００２０２４０００１２３４５",
        " 110000202400012345\t",
    ],
)
def test_permit_numbers_are_normalised_to_18_digits(raw):
    assert ids.normalize_permit_number(raw) == "110000202400012345"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11000020240001234", "identifier.permit_length"),
        ("1100002024000123456", "identifier.permit_length"),
        ("11000020240001234X", "identifier.permit_format"),
        ("", "identifier.empty"),
        (None, "identifier.empty"),
    ],
)
def test_bad_permit_numbers_are_rejected_with_a_stable_code(raw, code):
    assert code_of(ids.normalize_permit_number, raw) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("93141019850315001X", "93141019850315001X"),
        ("93141019850315001x", "93141019850315001X"),
        ("911840199001010026", "911840199001010026"),
        ("11010519491231002X", "11010519491231002X"),
        ("9314 1019 8503 1500 1X", "93141019850315001X"),
        ("ABC123456789012345", "ABC123456789012345"),
    ],
)
def test_valid_social_security_numbers(raw, expected):
    assert ids.normalize_ssn(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("931410198503150010", "identifier.ssn_check"),
        ("911840199001010027", "identifier.ssn_check"),
        ("931410198502300012", "identifier.ssn_date"),
        ("93141019850315001", "identifier.ssn_length"),
        ("93141019850315001X1", "identifier.ssn_length"),
        ("9314101985031500!X", "identifier.ssn_format"),
    ],
)
def test_invalid_social_security_numbers(raw, code):
    assert code_of(ids.normalize_ssn, raw) == code


def test_an_ssn_dated_in_the_future_is_impossible():
    body = "93127620990101001"
    assert code_of(ids.normalize_ssn, body + ids.mod11_2_check_char(body)) == "identifier.ssn_date"


def test_the_latest_birth_date_can_be_given_once_instead_of_read_from_the_clock():
    body = "93127620200101001"
    ssn = body + ids.mod11_2_check_char(body)
    assert ids.normalize_ssn(ssn, date(2020, 1, 1)) == ssn == ids.normalize_ssn(ssn)
    assert code_of(lambda raw: ids.normalize_ssn(raw, date(2019, 12, 31)), ssn) == "identifier.ssn_date"
    assert ids.normalize_pr_id(ssn, date(2020, 1, 1)) == ssn
    assert code_of(lambda raw: ids.normalize_pr_id(raw, date(2019, 12, 31)), ssn) == "identifier.pr_id_date"


@pytest.mark.parametrize(
    ("raw", "expected", "document"),
    [
        ("93141019850315001X", "93141019850315001X", "pr_card_2023"),
        ("911840199001010026", "911840199001010026", "pr_card_2023"),
        ("usa 123456 789012", "USA123456789012", "pr_card_2017"),
    ],
)
def test_valid_permanent_resident_ids(raw, expected, document):
    assert ids.normalize_pr_id(raw) == expected
    assert ids.pr_id_document_type(expected) == document


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("11010519491231002X", "identifier.pr_id_format"),  # a citizen ID, not a foreigner's number
        ("931410198503150011", "identifier.pr_id_check"),
        ("931410198513150013", "identifier.pr_id_date"),
        ("US1234567890123", "identifier.pr_id_format"),
        ("USA12345678901", "identifier.pr_id_format"),
    ],
)
def test_invalid_permanent_resident_ids(raw, code):
    if code == "identifier.pr_id_date":
        raw = raw[:17] + ids.mod11_2_check_char(raw[:17])
    assert code_of(ids.normalize_pr_id, raw) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("c01x00t47", "C01X00T47"),
        ("L898902C3", "L898902C3"),
        ("PX 1234567", "PX1234567"),
        ("E1234567<<", "E1234567"),
    ],
)
def test_passport_numbers(raw, expected):
    assert ids.normalize_passport_number(raw) == expected


@pytest.mark.parametrize("raw", ["C01X00T47A", "C01X00T4é", "AB#12345", ""])
def test_bad_passport_numbers(raw):
    assert code_of(ids.normalize_passport_number, raw) in ("identifier.passport_format", "identifier.empty")


def test_nationalities_are_iso_alpha3_or_icao_passport_codes():
    assert ids.normalize_nationality(" deu ") == "DEU"
    assert ids.normalize_nationality("RKS") == "RKS"
    assert code_of(ids.normalize_nationality, "XYZ") == "identifier.nationality_unknown"
    assert code_of(ids.normalize_nationality, "DE") == "identifier.nationality_unknown"
    assert len(NUMERIC_BY_ALPHA3) == 249
    assert NUMERIC_BY_ALPHA3["DEU"] == "276" and NUMERIC_BY_ALPHA3["CHN"] == "156"
    assert {"KOR", "JPN", "USA", "FRA", "GBR", "VNM"} <= NATIONALITY_CODES


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("139 1234 5678", "+8613912345678"),
        ("+86 139-1234-5678", "+8613912345678"),
        ("008613912345678", "+8613912345678"),
        ("（139）1234 5678", "+8613912345678"),
        ("010 1234 5678", "+861012345678"),
        ("+49 30 12345678", "+493012345678"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_phones_become_e164(raw, expected):
    assert ids.normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12012345678", "12345", "not a phone", "+86 139 1234 567"])
def test_bad_phones(raw):
    assert code_of(ids.normalize_phone, raw) == "identifier.phone_invalid"


def test_uscc_and_city_codes():
    assert ids.normalize_uscc("91310115ma1k4abc18") == "91310115MA1K4ABC18"
    assert code_of(ids.normalize_uscc, "91310115MA1K4ABCI8") == "identifier.uscc_format"  # no I in GB 32100
    assert ids.normalize_city_code("310000") == "310000"
    assert code_of(ids.normalize_city_code, "31000") == "identifier.city_code_format"


def test_dispatch_by_kind_and_error_code_helper():
    assert ids.normalize("permit", "110000 202400 012345") == "110000202400012345"
    assert ids.error_code("ssn", "93141019850315001X") is None
    assert ids.error_code("ssn", "1") == "identifier.ssn_length"


def test_errors_carry_a_translated_message_and_422(app):
    with pytest.raises(ids.IdentifierError) as caught:
        ids.normalize_permit_number("123")
    assert caught.value.status == 422
    assert "18 digits" in caught.value.render_message()
    assert to_text(ids.message_for("identifier.ssn_check"))


def test_lookup_hashes_are_keyed_stable_and_separated_by_kind(app):
    first = ids.identifier_hash("ssn", "93141019850315001X")
    assert first == ids.identifier_hash("ssn", "93141019850315001X")
    assert first != ids.identifier_hash("pr_id", "93141019850315001X")
    assert len(first) == 64 and "93141019850315001X" not in first


@given(
    st.lists(st.sampled_from("0123456789"), min_size=18, max_size=18),
    st.lists(st.sampled_from([" ", "-", "", "  ", "\u3000"]), min_size=18, max_size=18),
)
def test_any_18_digits_with_separators_normalise_to_the_digits(digits, separators):
    raw = "".join(d + s for d, s in zip(digits, separators, strict=True))
    assert ids.normalize_permit_number(raw) == "".join(digits)


@given(
    st.integers(10, 99),
    st.integers(0, 999),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    st.integers(0, 999),
)
def test_nine_form_numbers_pass_only_with_their_own_check_character(province, country, born, sequence):
    body = f"9{province:02d}{country:03d}{born:%Y%m%d}{sequence:03d}"
    check = ids.mod11_2_check_char(body)
    assert ids.normalize_ssn(body + check) == body + check
    assert ids.normalize_pr_id(body + check.lower()) == body + check
    for other in "0123456789X".replace(check, ""):
        assert code_of(ids.normalize_ssn, body + other) == "identifier.ssn_check"
