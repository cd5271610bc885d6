"""What an existing person's row changes: the updates and inserts it queues, table by table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.registry.importer.people_lookup import PeopleLookup
from app.registry.importer.people_values import (
    card_update_values,
    card_values,
    enrolment_values,
    passport_values,
    permit_values,
    person_values,
)
from app.registry.rows import ABSENT, PersonRow

#: People columns kept only as their hashes in the look-up (the hash is compared instead).
_COMPARED_BY_HASH = ("phone", "pr_id", "updated_at")


@dataclass
class PeopleWrites:
    """Everything one people batch will write."""

    employer_updates: list = field(default_factory=list)
    person_updates: list = field(default_factory=list)
    doc_inserts: list = field(default_factory=list)
    doc_updates: list = field(default_factory=list)
    permit_inserts: list = field(default_factory=list)
    permit_updates: list = field(default_factory=list)
    #: {"b_person", "b_hash"}: the row's permit is the person's current one; their others end.
    permits_current: list = field(default_factory=list)
    card_inserts: list = field(default_factory=list)
    card_updates: list = field(default_factory=list)
    enrol_inserts: list = field(default_factory=list)
    enrol_updates: list = field(default_factory=list)


def _differs(stored, wanted: dict, ignore: tuple[str, ...] = ()) -> bool:
    """True when a stored row holds another value than `wanted` in any column not ignored."""
    return any(getattr(stored, key) != value for key, value in wanted.items() if key not in ignore)


def diff_existing(
    row: PersonRow, account, permit, found: PeopleLookup, employer_ids, writes: PeopleWrites, now
) -> bool:
    """Queue the updates an existing person needs; True if anything differs."""
    person = found.people[account.person_id]
    changed = _diff_person(row, person, writes, now)
    changed |= _diff_passport(row, person.id, found.docs.get(person.id, []), writes, now)
    changed |= _diff_permit(row, person.id, permit, employer_ids, writes, now)
    changed |= _diff_card(row, account.id, found.cards.get(account.id), writes, now)
    changed |= _diff_enrolments(row, account.id, found.enrolments, writes, now)
    return changed


def _diff_person(row: PersonRow, person, writes: PeopleWrites, now) -> bool:
    """Queue an update of the person's own columns when they differ."""
    wanted = person_values(row, now, for_update=True)
    if not _differs(person, wanted, ignore=_COMPARED_BY_HASH):
        return False
    writes.person_updates.append({"b_id": person.id, **wanted})
    return True


def _diff_passport(row: PersonRow, person_id: int, docs: list, writes: PeopleWrites, now) -> bool:
    """Keep the passport history: a new number is a renewal (new current row, old ones kept)."""
    match = next((doc for doc in docs if row.hashes.alias.get(doc.number_hash) == row.hashes.passport), None)
    changed = False
    for doc in docs:
        if doc.is_current and doc is not match:
            writes.doc_updates.append({"b_id": doc.id, "is_current": False, "superseded_at": now})
            changed = True
    if match is None:
        writes.doc_inserts.append(passport_values(row, person_id, now))
        return True
    wanted: dict[str, bool | date | None] = {"is_current": True}
    if row.passport_expires_on is not ABSENT:
        wanted["expires_on"] = row.passport_expires_on
    if _differs(match, wanted):
        if not match.is_current:
            wanted["superseded_at"] = None
        writes.doc_updates.append({"b_id": match.id, **wanted})
        changed = True
    return changed


def _diff_permit(row: PersonRow, person_id: int, permit, employer_ids, writes: PeopleWrites, now) -> bool:
    """Queue the row's permit as new, or its update; either way it becomes the person's current one."""
    if permit is None:
        writes.permit_inserts.append(permit_values(row, person_id, employer_ids, now))
        writes.permits_current.append({"b_person": person_id, "b_hash": row.hashes.permit})
        return True
    wanted = permit_values(row, person_id, employer_ids, now, for_update=True)
    if not _differs(permit, wanted):
        return False
    writes.permit_updates.append({"b_id": permit.id, **wanted})
    # The hash the permit holds: mid-rotation it may still be the previous key's.
    writes.permits_current.append({"b_person": person_id, "b_hash": permit.permit_number_hash})
    return True


def _diff_card(row: PersonRow, account_id: int, card, writes: PeopleWrites, now) -> bool:
    """Queue a new card, or the stored card's update (a status change is stamped)."""
    if card is None:
        writes.card_inserts.append(card_values(row, account_id, now))
        return True
    wanted = card_update_values(row)
    if not _differs(card, wanted):
        return False
    if card.status != row.card_status:
        wanted["last_status_change_at"] = now
    writes.card_updates.append({"b_id": card.id, **wanted})
    return True


def _diff_enrolments(row: PersonRow, account_id: int, stored: dict, writes: PeopleWrites, now) -> bool:
    """Queue new enrolments and updates of stored ones (a missing start period keeps the stored one)."""
    changed = False
    for enrolment in row.enrolments:
        current = stored.get((account_id, enrolment.insurance_type))
        if current is None:
            writes.enrol_inserts.append(enrolment_values(row, enrolment, account_id, now))
            changed = True
            continue
        wanted = enrolment_values(row, enrolment, account_id, now, for_update=True)
        if wanted["start_period"] is None:
            del wanted["start_period"]
        if _differs(current, wanted):
            writes.enrol_updates.append({"b_id": current.id, **wanted})
            changed = True
    return changed
