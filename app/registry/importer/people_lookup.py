"""What a people batch finds in the database, found per batch by keyed hashes, never row by row."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app.registry.importer.tables import ACCOUNTS, CARDS, DOCUMENTS, ENROLMENTS, PEOPLE, PERMITS
from app.registry.rows import PersonRow


class PeopleLookup:
    """What a people batch finds in the database: accounts, permits, PR owners, people, docs, cards, enrolments.

    Found rows are keyed by the current key's hash, whichever key's hash they hold (a rotation).
    """

    def __init__(self, conn, rows: list[PersonRow]):
        """Run the batch's look-ups: by identifier first, then by the people and accounts found."""
        self._conn = conn
        self._alias = {old: new for row in rows for old, new in row.hashes.alias.items()}
        self.accounts = self._accounts({row.hashes.ssn for row in rows})
        self.permits = self._permits({row.hashes.permit for row in rows})
        self.pr_owners = self._pr_owners({row.hashes.pr_id for row in rows if row.hashes.pr_id})
        person_ids = [account.person_id for account in self.accounts.values()]
        account_ids = [account.id for account in self.accounts.values()]
        self.people: dict = {}
        self.docs: dict[int, list] = defaultdict(list)
        self.cards: dict = {}
        self.enrolments: dict = {}
        if person_ids:
            self.people = self._people(person_ids)
            self._passports(person_ids)
            self.cards = self._cards(account_ids)
            self.enrolments = self._enrolments(account_ids)

    def _stored_hashes(self, current: set) -> list[str]:
        """Every key's hash that stands for one of these current-key hashes."""
        return [old for old, new in self._alias.items() if new in current]

    def _accounts(self, ssn_hashes: set) -> dict:
        """Accounts by the current hash of their SSN."""
        found = self._conn.execute(
            select(ACCOUNTS.c.id, ACCOUNTS.c.person_id, ACCOUNTS.c.ssn_hash).where(
                ACCOUNTS.c.ssn_hash.in_(self._stored_hashes(ssn_hashes))
            )
        )
        return {self._alias[account.ssn_hash]: account for account in found}

    def _permits(self, permit_hashes: set) -> dict:
        """Work permits by the current hash of their number."""
        found = self._conn.execute(
            select(
                PERMITS.c.id,
                PERMITS.c.person_id,
                PERMITS.c.permit_number_hash,
                PERMITS.c.category,
                PERMITS.c.employer_id,
                PERMITS.c.position,
                PERMITS.c.work_address,
                PERMITS.c.work_city_code,
                PERMITS.c.valid_from,
                PERMITS.c.valid_to,
                PERMITS.c.status,
                PERMITS.c.entry_date,
            ).where(PERMITS.c.permit_number_hash.in_(self._stored_hashes(permit_hashes)))
        )
        return {self._alias[permit.permit_number_hash]: permit for permit in found}

    def _pr_owners(self, pr_ids: set) -> dict:
        """The person id holding each permanent-residence ID, by its current hash."""
        pr_hashes = self._stored_hashes(pr_ids)
        if not pr_hashes:
            return {}
        found = self._conn.execute(
            select(PEOPLE.c.id, PEOPLE.c.pr_id_hash).where(PEOPLE.c.pr_id_hash.in_(pr_hashes))
        )
        return {self._alias[person.pr_id_hash]: person.id for person in found}

    def _people(self, person_ids: list[int]) -> dict:
        """The stored people by id."""
        found = self._conn.execute(
            select(
                PEOPLE.c.id,
                PEOPLE.c.passport_name,
                PEOPLE.c.name_canonical,
                PEOPLE.c.family_name,
                PEOPLE.c.given_names,
                PEOPLE.c.nationality,
                PEOPLE.c.date_of_birth,
                PEOPLE.c.sex,
                PEOPLE.c.phone_hash,
                PEOPLE.c.pr_id_hash,
            ).where(PEOPLE.c.id.in_(person_ids))
        )
        return {person.id: person for person in found}

    def _passports(self, person_ids: list[int]) -> None:
        """Each person's passports, oldest first, into `docs`."""
        found = self._conn.execute(
            select(
                DOCUMENTS.c.id,
                DOCUMENTS.c.person_id,
                DOCUMENTS.c.number_hash,
                DOCUMENTS.c.is_current,
                DOCUMENTS.c.expires_on,
            )
            .where(DOCUMENTS.c.person_id.in_(person_ids), DOCUMENTS.c.type == "passport")
            .order_by(DOCUMENTS.c.id)
        )
        for passport in found:
            self.docs[passport.person_id].append(passport)

    def _cards(self, account_ids: list[int]) -> dict:
        """Cards by account id."""
        found = self._conn.execute(
            select(CARDS.c.id, CARDS.c.account_id, CARDS.c.card_number, CARDS.c.status).where(
                CARDS.c.account_id.in_(account_ids)
            )
        )
        return {card.account_id: card for card in found}

    def _enrolments(self, account_ids: list[int]) -> dict:
        """Insurance enrolments by (account id, insurance type)."""
        found = self._conn.execute(
            select(
                ENROLMENTS.c.id,
                ENROLMENTS.c.account_id,
                ENROLMENTS.c.insurance_type,
                ENROLMENTS.c.status,
                ENROLMENTS.c.start_period,
                ENROLMENTS.c.exemption_country,
                ENROLMENTS.c.exemption_certificate,
                ENROLMENTS.c.exemption_valid_to,
            ).where(ENROLMENTS.c.account_id.in_(account_ids))
        )
        return {(enrolment.account_id, enrolment.insurance_type): enrolment for enrolment in found}
