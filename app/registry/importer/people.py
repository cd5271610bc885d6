"""The people feed: person, passport history, employer, permit, account, card and enrolments per row."""

from __future__ import annotations

from sqlalchemy import select

from app import clock, pii
from app.registry.importer.batches import BatchImporter
from app.registry.importer.people_diff import PeopleWrites, diff_existing
from app.registry.importer.people_lookup import PeopleLookup
from app.registry.importer.people_values import (
    account_values,
    card_values,
    enrolment_values,
    passport_values,
    permit_values,
    person_values,
)
from app.registry.importer.tables import ACCOUNTS, CARDS, DOCUMENTS, EMPLOYERS, ENROLMENTS, PEOPLE, PERMITS
from app.registry.importer.writing import end_earlier_permits, insert_many, insert_returning_ids, update_many
from app.registry.rows import ABSENT, PersonHashes, PersonRow, Problem, validate_person

PEOPLE_BATCH = 2500


class PeopleImporter(BatchImporter):
    """People rows: person, passport history, employer, permit, account, card and enrolments."""

    default_batch = PEOPLE_BATCH

    def __init__(self, *args):
        """A people importer; an employer's names come from the first row that mentions it."""
        super().__init__(*args)
        # From the first row, so a re-run is stable.
        self.employer_names: dict[str, tuple[str, object]] = {}
        self.insurance_cache: dict = {}
        self.born_by = clock.today()

    def check(self, line: int, values: dict):
        """Validate and compute the look-up hashes."""
        return check_person(line, values, self.today, self.insurance_cache, self.born_by)

    def admit(self, row: PersonRow):
        """Catch repeats of the same SSN in this file; note the employer's names from its first row."""
        if not self.seen.add(row.ssn):
            return [Problem("ssn", "row.duplicate")]
        self.employer_names.setdefault(row.employer_uscc, (row.employer_name_zh, row.employer_name_en))
        return None

    def apply(self, conn, rows: list[PersonRow]) -> list:
        """Upsert a batch of people rows."""
        now = clock.now()
        writes = PeopleWrites()
        found = PeopleLookup(conn, rows)
        conflicts = _conflicts(rows, found)
        accepted = [row for row, problem in zip(rows, conflicts, strict=True) if problem is None]
        employer_ids, employer_changed = self._employers(conn, accepted, writes, now)
        outcomes: list = []
        new_rows: list[PersonRow] = []
        for row, problem in zip(rows, conflicts, strict=True):
            if problem is not None:
                outcomes.append([problem])
                continue
            account = found.accounts.get(row.hashes.ssn)
            if account is None:
                new_rows.append(row)
                outcomes.append("added")
                continue
            permit = found.permits.get(row.hashes.permit)
            changed = diff_existing(row, account, permit, found, employer_ids, writes, now)
            outcomes.append("updated" if changed or row.line in employer_changed else "unchanged")
        _insert_new(conn, new_rows, employer_ids, writes, now)
        _write(conn, writes, now)
        return outcomes

    def _employers(self, conn, rows, writes: PeopleWrites, now) -> tuple[dict[str, int], set[int]]:
        """Ids of the batch's employers (new ones inserted); lines whose employer names changed."""
        if not rows:
            return {}, set()
        usccs = {row.employer_uscc for row in rows}
        existing = {
            found.uscc: found
            for found in conn.execute(
                select(EMPLOYERS.c.id, EMPLOYERS.c.uscc, EMPLOYERS.c.name_zh, EMPLOYERS.c.name_en).where(
                    EMPLOYERS.c.uscc.in_(usccs)
                )
            )
        }
        ids = {uscc: found.id for uscc, found in existing.items()}
        changed_lines: set[int] = set()
        new: list[dict] = []
        handled: set[str] = set()
        for row in rows:
            uscc = row.employer_uscc
            if uscc in handled:
                continue
            handled.add(uscc)
            name_zh, name_en = self.employer_names[uscc]
            current = existing.get(uscc)
            if current is None:
                new.append(
                    {
                        "uscc": uscc,
                        "name_zh": name_zh,
                        "name_en": name_en or None,
                        "city_code": row.work_city_code,
                        "address": row.work_address,
                    }
                )
                continue
            want_en = current.name_en if name_en is ABSENT else name_en
            if (current.name_zh, current.name_en) != (name_zh, want_en):
                writes.employer_updates.append({"b_id": current.id, "name_zh": name_zh, "name_en": want_en})
                changed_lines.add(row.line)
        for values, new_id in zip(new, insert_returning_ids(conn, EMPLOYERS, new, now), strict=True):
            ids[values["uscc"]] = new_id
        return ids, changed_lines


def check_person(line: int, values: dict, today, insurance_cache: dict, born_by=None):
    """A valid row with its look-up hashes, or its problems (depends on the row alone)."""
    row = validate_person(line, values, today, insurance_cache, born_by)
    if isinstance(row, list):
        return row
    row.hashes = _hashes(row)
    return row


def _hashes(row: PersonRow) -> PersonHashes:
    """The row's look-up hashes under the current key, and every configured key's hash mapped to them."""
    every = pii.codec().lookup_hashes
    ssn, permit, passport = (
        every(row.ssn, "ssn"),
        every(row.permit_number, "permit"),
        every(row.passport_number, "passport"),
    )
    pr_id = every(row.pr_id, "pr_id") if row.pr_id else ()
    alias: dict[str, str] = {}
    for candidates in (ssn, permit, passport, pr_id):
        if candidates:
            alias.update(dict.fromkeys(candidates, candidates[0]))
    return PersonHashes(
        ssn=ssn[0],
        permit=permit[0],
        passport=passport[0],
        phone=pii.codec().lookup_hash(row.phone, "phone") if row.phone else None,
        pr_id=pr_id[0] if pr_id else None,
        alias=alias,
    )


def _conflicts(rows: list[PersonRow], found: PeopleLookup) -> list[Problem | None]:
    """Per row: a permit number or PR ID that belongs to another person (stored or earlier in the batch)."""
    permit_claims: dict[str, str] = {}
    pr_claims: dict[str, str] = {}
    problems: list[Problem | None] = []
    for row in rows:
        hashes = row.hashes
        account = found.accounts.get(hashes.ssn)
        owner = account.person_id if account is not None else None
        permit = found.permits.get(hashes.permit)
        if (permit is not None and permit.person_id != owner) or (
            permit is None and permit_claims.get(hashes.permit, hashes.ssn) != hashes.ssn
        ):
            problems.append(Problem("permit_number", "row.permit_conflict"))
            continue
        if hashes.pr_id is not None:
            pr_owner = found.pr_owners.get(hashes.pr_id)
            if (pr_owner is not None and pr_owner != owner) or (
                pr_owner is None and pr_claims.get(hashes.pr_id, hashes.ssn) != hashes.ssn
            ):
                problems.append(Problem("pr_id", "row.pr_id_conflict"))
                continue
            pr_claims[hashes.pr_id] = hashes.ssn
        permit_claims[hashes.permit] = hashes.ssn
        problems.append(None)
    return problems


def _insert_new(conn, rows: list[PersonRow], employer_ids, writes: PeopleWrites, now) -> None:
    """Insert new people and their account; queue their passport, permit, card and enrolments."""
    if not rows:
        return
    person_ids = insert_returning_ids(conn, PEOPLE, [person_values(row, now) for row in rows], now)
    account_ids = insert_returning_ids(
        conn,
        ACCOUNTS,
        [account_values(row, person_id) for row, person_id in zip(rows, person_ids, strict=True)],
        now,
    )
    for row, person_id, account_id in zip(rows, person_ids, account_ids, strict=True):
        writes.doc_inserts.append(passport_values(row, person_id, now))
        writes.permit_inserts.append(permit_values(row, person_id, employer_ids, now))
        writes.card_inserts.append(card_values(row, account_id, now))
        for enrolment in row.enrolments:
            writes.enrol_inserts.append(enrolment_values(row, enrolment, account_id, now))


def _write(conn, writes: PeopleWrites, now) -> None:
    """Send a batch's queued updates and inserts, table by table."""
    update_many(conn, EMPLOYERS, writes.employer_updates)
    update_many(conn, PEOPLE, writes.person_updates)
    update_many(conn, DOCUMENTS, writes.doc_updates)
    insert_many(conn, DOCUMENTS, writes.doc_inserts, now)
    update_many(conn, PERMITS, writes.permit_updates)
    insert_many(conn, PERMITS, writes.permit_inserts, now)
    end_earlier_permits(conn, writes.permits_current, now)
    update_many(conn, CARDS, writes.card_updates)
    insert_many(conn, CARDS, writes.card_inserts, now)
    update_many(conn, ENROLMENTS, writes.enrol_updates)
    insert_many(conn, ENROLMENTS, writes.enrol_inserts, now)
