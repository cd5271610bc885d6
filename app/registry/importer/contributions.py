"""The contributions feed: one row per account, insurance, period and employer."""

from __future__ import annotations

from sqlalchemy import select

from app import clock
from app.registry.identifiers import identifier_hashes
from app.registry.importer.batches import BatchImporter
from app.registry.importer.tables import ACCOUNTS, CONTRIBUTIONS, EMPLOYERS
from app.registry.importer.writing import insert_many, update_many
from app.registry.rows import ABSENT, ContributionRow, ContributionValidator, Problem

CONTRIBUTIONS_BATCH = 5000


class ContributionImporter(BatchImporter):
    """Contribution rows: one per account, insurance, period and employer."""

    default_batch = CONTRIBUTIONS_BATCH
    _CACHE_LIMIT = 200_000

    def __init__(self, *args):
        """A contributions importer with SSN → account and USCC → employer caches."""
        super().__init__(*args)
        self.validator = ContributionValidator(self.today)
        self.accounts: dict[str, int | None] = {}
        self.employers: dict[str, int | None] = {}

    def check(self, line: int, values: dict):
        """Validate the row on its own."""
        return self.validator.validate(line, values)

    def admit(self, row: ContributionRow):
        """Catch repeats of the same record in this file."""
        if not self.seen.add((row.ssn, row.insurance_type, row.period, row.employer_uscc)):
            return [Problem(None, "row.duplicate")]
        return None

    def _resolve(self, conn, rows: list[ContributionRow]) -> None:
        """Fill the SSN → account and USCC → employer caches for this batch's unknowns."""
        if len(self.accounts) > self._CACHE_LIMIT:
            self.accounts.clear()
        missing = {row.ssn for row in rows if row.ssn not in self.accounts}
        if missing:
            by_hash = {digest: ssn for ssn in missing for digest in identifier_hashes("ssn", ssn)}
            found = conn.execute(
                select(ACCOUNTS.c.id, ACCOUNTS.c.ssn_hash).where(ACCOUNTS.c.ssn_hash.in_(by_hash))
            )
            for account in found:
                self.accounts[by_hash.pop(account.ssn_hash)] = account.id
            self.accounts.update(dict.fromkeys(set(by_hash.values()) - set(self.accounts)))
        missing = {row.employer_uscc for row in rows if row.employer_uscc not in self.employers}
        if missing:
            for employer in conn.execute(
                select(EMPLOYERS.c.id, EMPLOYERS.c.uscc).where(EMPLOYERS.c.uscc.in_(missing))
            ):
                self.employers[employer.uscc] = employer.id
                missing.discard(employer.uscc)
            self.employers.update(dict.fromkeys(missing))

    def _stored(self, conn, rows: list[ContributionRow]) -> dict:
        """The stored records the batch's known rows may match, by (account, insurance, period, employer)."""
        accounts, employers = self.accounts, self.employers
        known = [row for row in rows if accounts[row.ssn] and employers[row.employer_uscc]]
        if not known:
            return {}
        periods = [row.period for row in known]
        query = select(
            CONTRIBUTIONS.c.id,
            CONTRIBUTIONS.c.account_id,
            CONTRIBUTIONS.c.insurance_type,
            CONTRIBUTIONS.c.period,
            CONTRIBUTIONS.c.employer_id,
            CONTRIBUTIONS.c.base,
            CONTRIBUTIONS.c.employer_amount,
            CONTRIBUTIONS.c.employee_amount,
            CONTRIBUTIONS.c.status,
            CONTRIBUTIONS.c.paid_on,
        ).where(
            CONTRIBUTIONS.c.account_id.in_({accounts[row.ssn] for row in known}),
            CONTRIBUTIONS.c.period >= min(periods),
            CONTRIBUTIONS.c.period <= max(periods),
        )
        return {
            (record.account_id, record.insurance_type, record.period, record.employer_id): record
            for record in conn.execute(query)
        }

    def apply(self, conn, rows: list[ContributionRow]) -> list:
        """Upsert a batch of contribution rows."""
        self._resolve(conn, rows)
        now = clock.now()
        accounts, employers = self.accounts, self.employers
        stored = self._stored(conn, rows)
        inserts: list[dict] = []
        updates: list[dict] = []
        outcomes: list = []
        for row in rows:
            account_id = accounts[row.ssn]
            employer_id = employers[row.employer_uscc]
            if not account_id:
                outcomes.append([Problem("ssn", "row.unknown_account")])
                continue
            if not employer_id:
                outcomes.append([Problem("employer_uscc", "row.unknown_employer")])
                continue
            current = stored.get((account_id, row.insurance_type, row.period, employer_id))
            if current is None:
                inserts.append(
                    {
                        "account_id": account_id,
                        "insurance_type": row.insurance_type,
                        "period": row.period,
                        "base": row.base,
                        "employer_amount": row.employer_amount,
                        "employee_amount": row.employee_amount,
                        "currency": "CNY",
                        "status": row.status,
                        "employer_id": employer_id,
                        "paid_on": row.paid_on or None,
                    }
                )
                outcomes.append("added")
                continue
            paid_on = current.paid_on if row.paid_on is ABSENT else row.paid_on
            if (
                current.base,
                current.employer_amount,
                current.employee_amount,
                current.status,
                current.paid_on,
            ) == (row.base, row.employer_amount, row.employee_amount, row.status, paid_on):
                outcomes.append("unchanged")
                continue
            updates.append(
                {
                    "b_id": current.id,
                    "base": row.base,
                    "employer_amount": row.employer_amount,
                    "employee_amount": row.employee_amount,
                    "status": row.status,
                    "paid_on": paid_on,
                    "updated_at": now,
                }
            )
            outcomes.append("updated")
        insert_many(conn, CONTRIBUTIONS, inserts, now)
        update_many(conn, CONTRIBUTIONS, updates)
        return outcomes
