"""The column values a people row asks for, per table, for an insert or an update."""

from __future__ import annotations

from app.registry.rows import ABSENT, PersonRow


def person_values(row: PersonRow, now, for_update: bool = False) -> dict:
    """The people-table values a row asks for (optional columns only when the file has them)."""
    values = {
        "passport_name": row.passport_name,
        "name_canonical": row.name_canonical,
        "family_name": row.family_name,
        "given_names": row.given_names,
        "nationality": row.nationality,
        "date_of_birth": row.date_of_birth,
    }
    if row.sex is not ABSENT or not for_update:
        values["sex"] = row.sex or None
    if row.phone is not ABSENT or not for_update:
        values["phone"] = row.phone or None
        values["phone_hash"] = row.hashes.phone
    if row.pr_id is not ABSENT or not for_update:
        values["pr_id"] = row.pr_id or None
        values["pr_id_hash"] = row.hashes.pr_id
    if for_update:
        values["updated_at"] = now
    return values


def account_values(row: PersonRow, person_id: int) -> dict:
    """A new social security account for a new person."""
    return {"person_id": person_id, "ssn": row.ssn, "ssn_hash": row.hashes.ssn, "status": "active"}


def passport_values(row: PersonRow, person_id: int, now) -> dict:
    """A new current passport document."""
    return {
        "person_id": person_id,
        "type": "passport",
        "number": row.passport_number,
        "number_hash": row.hashes.passport,
        "issuing_country": row.nationality,
        "expires_on": row.passport_expires_on or None,
        "is_current": True,
        "superseded_at": None,
    }


def permit_values(row: PersonRow, person_id: int, employer_ids, now, for_update: bool = False) -> dict:
    """The work-permit values a row asks for."""
    values = {
        "category": row.permit_category,
        "employer_id": employer_ids[row.employer_uscc],
        "position": row.position,
        "work_address": row.work_address,
        "work_city_code": row.work_city_code,
        "valid_from": row.permit_valid_from,
        "valid_to": row.permit_valid_to,
        "status": row.permit_status,
    }
    if row.entry_date is not ABSENT or not for_update:
        values["entry_date"] = row.entry_date or None
    if not for_update:
        values.update(
            {
                "person_id": person_id,
                "permit_number": row.permit_number,
                "permit_number_hash": row.hashes.permit,
            }
        )
    return values


def card_values(row: PersonRow, account_id: int, now) -> dict:
    """A new card for an account."""
    return {
        "account_id": account_id,
        "card_number": row.card_number or None,
        "status": row.card_status,
        "issuing_city_code": row.work_city_code,
        "last_status_change_at": now,
    }


def card_update_values(row: PersonRow) -> dict:
    """The card values a row asks for on a stored card (the number only when the file has it)."""
    values: dict[str, str | None] = {"status": row.card_status}
    if row.card_number is not ABSENT:
        values["card_number"] = row.card_number
    return values


def enrolment_values(row: PersonRow, enrolment, account_id: int, now, for_update: bool = False) -> dict:
    """An enrolment's values; exemption details only on exempt enrolments."""
    exempt = enrolment.status == "exempt"
    values = {
        "status": enrolment.status,
        "start_period": enrolment.start_period,
        "exemption_country": row.exemption_country if exempt else None,
        "exemption_certificate": row.exemption_certificate if exempt else None,
        "exemption_valid_to": row.exemption_valid_to if exempt else None,
    }
    if not for_update:
        values.update({"account_id": account_id, "insurance_type": enrolment.insurance_type})
    return values
