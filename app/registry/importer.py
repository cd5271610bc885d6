"""The registry import: stream a feed file, validate each row, upsert in batches, report.

How it stays fast and safe on a million rows:
- rows are read one at a time and written in batches (one transaction per batch) with bulk Core
  statements; existing records are found per batch by their keyed hashes, never row by row;
- a batch the database refuses is retried one row at a time, so one bad row costs only itself;
- duplicates inside the file are caught with a compact table of 64-bit keys, not a set of strings;
- only the first rejections are kept in full (counts by reason are always complete).

Importing the same file again changes nothing: every row is compared with what is stored and
counted as added, updated, unchanged or rejected.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

from sqlalchemy import DateTime, String, bindparam, func, insert, literal, select, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from app import clock, view_cache
from app.audit import log as audit
from app.errors import AppError
from app.extensions import db, get_redis
from app.i18n import _l, to_text
from app.registry.feed import FeedFileError, open_feed
from app.registry.identifiers import identifier_hash, identifier_hashes
from app.registry.models import (
    ContributionRecord,
    Employer,
    IdentityDocument,
    InsuranceEnrolment,
    Person,
    SocialSecurityAccount,
    SocialSecurityCard,
    WorkPermit,
)
from app.registry.rows import (
    ABSENT,
    ContributionRow,
    ContributionValidator,
    PersonRow,
    Problem,
    reason_for,
    validate_person,
)

__all__ = ["FeedFileError", "ImportAborted", "ImportReport", "import_file"]

PEOPLE_BATCH = 1000
CONTRIBUTIONS_BATCH = 5000
MAX_REJECTIONS_KEPT = 1000
#: SQLite page cache for import connections (KiB): the hash indexes are random-access, and the
#: default 2 MB cache makes every insert fetch pages; 32 MB stays well inside the memory budget.
SQLITE_CACHE_KIB = 32 * 1024

_P = Person.__table__
_D = IdentityDocument.__table__
_E = Employer.__table__
_W = WorkPermit.__table__
_A = SocialSecurityAccount.__table__
_C = SocialSecurityCard.__table__
_N = InsuranceEnrolment.__table__
_R = ContributionRecord.__table__

_UNKNOWN_COLUMNS = _l("We ignored the columns that are not part of the feed.")


class ImportAborted(AppError):
    """The database became unavailable mid-import; the batches written so far stay written."""

    code = "registry.database_unavailable"
    status = 503
    message = _l("The database stopped answering during the import. Run the same file again: "
                 "the report shows the rows you already imported as unchanged.")


@dataclass
class ImportReport:
    """What one import run did: counts, the kept rejections and the reasons."""

    file: str
    kind: str = ""
    format: str = ""
    encoding: str = ""
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejections: list[dict] = field(default_factory=list)
    rejected_by_reason: Counter = field(default_factory=Counter)
    warnings: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, line: int, problems: list[Problem]) -> None:
        """Count a rejected row and keep its problems (up to MAX_REJECTIONS_KEPT)."""
        self.rejected += 1
        for problem in problems:
            self.rejected_by_reason[problem.code] += 1
            if len(self.rejections) < MAX_REJECTIONS_KEPT:
                self.rejections.append({
                    "line": line, "column": problem.column, "code": problem.code,
                    "reason": _render(reason_for(problem.code), problem.variables),
                })

    def count(self, outcome: str) -> None:
        """Count one row as added, updated or unchanged."""
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def rejections_truncated(self) -> bool:
        """True when more problems were found than kept."""
        return sum(self.rejected_by_reason.values()) > len(self.rejections)

    def to_dict(self) -> dict:
        """The report as JSON-ready data."""
        return {
            "file": self.file, "kind": self.kind, "format": self.format, "encoding": self.encoding,
            "rows": self.rows, "added": self.added, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected,
            "rejected_by_reason": dict(sorted(self.rejected_by_reason.items())),
            "rejections": self.rejections, "rejections_truncated": self.rejections_truncated,
            "warnings": self.warnings, "seconds": round(self.seconds, 3),
        }


def _render(message, variables: dict | None) -> str:
    """A lazy message as text in the active locale, placeholders filled (never raising)."""
    text = to_text(message)
    if not variables:
        return text
    try:
        return text % variables
    except (KeyError, ValueError, TypeError):
        return text


def import_file(path: str | Path, kind: str | None = None, *, encoding: str = "auto",
                batch_size: int | None = None, actor_type: str = "system", actor_id: str | None = None,
                today: date | None = None, progress=None) -> ImportReport:
    """Import a people or contributions feed; FeedFileError if the file as a whole is unusable.

    `progress(rows_read)` is called after each batch when given. One audit row records the run.
    """
    started = time.perf_counter()
    feed = open_feed(path, kind, encoding)
    report = ImportReport(file=Path(path).name, kind=feed.kind, format=feed.format, encoding=feed.encoding)
    if feed.unknown_columns:
        report.warnings.append({"code": "registry.unknown_columns", "columns": list(feed.unknown_columns),
                                "message": to_text(_UNKNOWN_COLUMNS)})
    today = today or clock.today()
    importer_class = PeopleImporter if feed.kind == "people" else ContributionImporter
    importer = importer_class(report, today, batch_size, progress)
    try:
        for raw in feed.rows:
            report.rows += 1
            if raw.values is None:
                report.reject(raw.line, [Problem(None, raw.error, raw.detail)])
            else:
                importer.add(raw.line, raw.values)
        importer.flush()
    except OperationalError as error:
        raise ImportAborted(details={"rows_read": report.rows, "added": report.added,
                                     "updated": report.updated}) from error
    finally:
        feed.close()
    report.seconds = time.perf_counter() - started
    audit.record(
        "registry.import", actor_type=actor_type, actor_id=actor_id, entity="registry",
        details={"file": report.file, "kind": report.kind, "encoding": report.encoding,
                 "rows": report.rows, "added": report.added, "updated": report.updated,
                 "unchanged": report.unchanged, "rejected": report.rejected},
    )
    db.session.commit()
    if report.added or report.updated:
        # Cached card screens show registry data: after a change they must be rendered again.
        view_cache.forget_everyone(get_redis())
    return report


class SeenKeys:
    """A set of 64-bit keys in one flat array (open addressing): 16 bytes a key, not ~100."""

    def __init__(self, capacity: int = 1 << 14):
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._count = 0

    def add(self, key) -> bool:
        """Add a hashable key; False if an equal key (by 64-bit hash) was already there."""
        value = (hash(key) & 0xFFFFFFFFFFFFFFFF) or 1
        slots, mask = self._slots, self._mask
        index = value & mask
        while True:
            current = slots[index]
            if current == 0:
                slots[index] = value
                self._count += 1
                if self._count * 2 > mask:
                    self._grow()
                return True
            if current == value:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        """Double the table and re-place every key."""
        old = self._slots
        capacity = len(old) * 2
        self._slots = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        slots, mask = self._slots, self._mask
        for value in old:
            if value:
                index = value & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = value


class _Importer:
    """Batching, transactions and the one-row-at-a-time retry shared by both kinds."""

    default_batch = 1000

    def __init__(self, report: ImportReport, today: date, batch_size: int | None, progress):
        self.report = report
        self.today = today
        self.batch_size = batch_size or self.default_batch
        self.progress = progress
        self.batch: list = []
        self.seen = SeenKeys()

    def validate(self, line: int, values: dict):
        """A typed row or a list of problems."""
        raise NotImplementedError

    def apply(self, conn, rows: list) -> list:
        """Write a batch in `conn`'s transaction; one outcome per row (str or list of problems)."""
        raise NotImplementedError

    def forget(self) -> None:
        """Drop caches that may hold ids from a rolled-back transaction."""

    def add(self, line: int, values: dict) -> None:
        """Validate one row and queue it; write when the batch is full."""
        result = self.validate(line, values)
        if isinstance(result, list):
            self.report.reject(line, result)
            return
        self.batch.append(result)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Write the queued rows: the whole batch at once, or row by row if the batch fails."""
        rows, self.batch = self.batch, []
        if not rows:
            return
        try:
            with db.engine.begin() as conn:
                _tune(conn)
                outcomes = self.apply(conn, rows)
        except (IntegrityError, DataError):
            self.forget()
            outcomes = [self._apply_alone(row) for row in rows]
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, str):
                self.report.count(outcome)
            else:
                self.report.reject(row.line, outcome)
        if self.progress is not None:
            self.progress(self.report.rows)

    def _apply_alone(self, row):
        """One row in its own transaction; a database refusal rejects only this row."""
        try:
            with db.engine.begin() as conn:
                return self.apply(conn, [row])[0]
        except (IntegrityError, DataError):
            self.forget()
            return [Problem(None, "row.database")]


def _tune(conn) -> None:
    """Per-connection settings for bulk work."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _stamped_insert(conn, table, now):
    """INSERT for `table` with created_at/updated_at set once for the whole statement.

    Row dicts leave the timestamps out: converting the same instant for every row of a bulk
    insert costs more than the rest of a narrow row.
    """
    naive = now.astimezone(UTC).replace(tzinfo=None)
    if conn.dialect.name == "sqlite":
        # The text SQLAlchemy itself stores for a DateTime on SQLite.
        stamp = literal(naive.strftime("%Y-%m-%d %H:%M:%S.%f"), String())
    else:
        stamp = literal(naive, DateTime())
    return insert(table).values(created_at=stamp, updated_at=stamp)


def _insert_ids(conn, table, rows: list[dict], now) -> list[int]:
    """Insert rows and return their new ids in order (one statement where the database allows)."""
    if not rows:
        return []
    statement = _stamped_insert(conn, table, now)
    if conn.dialect.name == "sqlite":
        # SQLite gives a new row max(rowid) + 1 and, once this transaction has written, no one
        # else can insert until it commits: the first id fixes all the others. SQLAlchemy would
        # otherwise send one INSERT … RETURNING per row here.
        first = conn.execute(statement.returning(table.c.id), rows[0]).scalar_one()
        if len(rows) > 1:
            conn.execute(statement, rows[1:])
        last = first + len(rows) - 1
        if conn.execute(select(func.max(table.c.id))).scalar_one() != last:
            raise RuntimeError(f"{table.name}: ids were not assigned consecutively")
        return list(range(first, last + 1))
    if getattr(conn.dialect, "insert_executemany_returning_sort_by_parameter_order", False):
        result = conn.execute(statement.returning(table.c.id, sort_by_parameter_order=True), rows)
        return [row[0] for row in result]
    return [conn.execute(statement, row).inserted_primary_key[0] for row in rows]


def _insert_many(conn, table, rows: list[dict], now) -> None:
    """A bulk insert (executemany), grouped by key set so every statement has one shape."""
    for group in _by_keys(rows):
        conn.execute(_stamped_insert(conn, table, now), group)


def _update_many(conn, table, rows: list[dict]) -> None:
    """Bulk updates by id (`b_id`), grouped by the set of columns each row changes."""
    for group in _by_keys(rows):
        conn.execute(update(table).where(table.c.id == bindparam("b_id")), group)


def _end_earlier_permits(conn, current: list[dict], now) -> None:
    """A person's permits other than the one their row names, still valid, are cancelled.

    The feed carries each person's current permit; a permit replaced by another is no longer in
    force (the history keeps it, and verifying with its number says it was cancelled).
    """
    if current:
        conn.execute(
            update(_W)
            .where(_W.c.person_id == bindparam("b_person"), _W.c.permit_number_hash != bindparam("b_hash"),
                   _W.c.status == "valid")
            .values(status="cancelled", updated_at=now),
            current,
        )


def _by_keys(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by their exact key set."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return list(groups.values())


@dataclass
class _PeopleWrites:
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


class PeopleImporter(_Importer):
    """People rows: person, passport history, employer, permit, account, card and enrolments."""

    default_batch = PEOPLE_BATCH

    def __init__(self, *args):
        super().__init__(*args)
        # An employer's names come from the first row that mentions it, so a re-run is stable.
        self.employer_names: dict[str, tuple[str, object]] = {}
        self.insurance_cache: dict = {}

    def validate(self, line: int, values: dict):
        """Validate, catch repeats of the same SSN in this file, compute the look-up hashes."""
        row = validate_person(line, values, self.today, self.insurance_cache)
        if isinstance(row, list):
            return row
        if not self.seen.add(row.ssn):
            return [Problem("ssn", "row.duplicate")]
        self.employer_names.setdefault(row.employer_uscc, (row.employer_name_zh, row.employer_name_en))
        ssn, permit, passport = (identifier_hashes("ssn", row.ssn), identifier_hashes("permit", row.permit_number),
                                 identifier_hashes("passport", row.passport_number))
        pr_id = identifier_hashes("pr_id", row.pr_id) if row.pr_id else ()
        row.hashes = _PersonHashes(
            ssn=ssn[0], permit=permit[0], passport=passport[0],
            phone=identifier_hash("phone", row.phone) if row.phone else None,
            pr_id=pr_id[0] if pr_id else None,
            alias={old: new for candidates in (ssn, permit, passport, pr_id) for old in candidates
                   for new in candidates[:1]},
        )
        return row

    def apply(self, conn, rows: list[PersonRow]) -> list:
        """Upsert a batch of people rows."""
        now = clock.now()
        writes = _PeopleWrites()
        found = _PeopleLookup(conn, rows)
        conflicts = self._conflicts(rows, found)
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
            changed = self._diff(row, account, permit, found, employer_ids, writes, now)
            outcomes.append("updated" if changed or row.line in employer_changed else "unchanged")
        self._insert_new(conn, new_rows, employer_ids, writes, now)
        _update_many(conn, _E, writes.employer_updates)
        _update_many(conn, _P, writes.person_updates)
        _update_many(conn, _D, writes.doc_updates)
        _insert_many(conn, _D, writes.doc_inserts, now)
        _update_many(conn, _W, writes.permit_updates)
        _insert_many(conn, _W, writes.permit_inserts, now)
        _end_earlier_permits(conn, writes.permits_current, now)
        _update_many(conn, _C, writes.card_updates)
        _insert_many(conn, _C, writes.card_inserts, now)
        _update_many(conn, _N, writes.enrol_updates)
        _insert_many(conn, _N, writes.enrol_inserts, now)
        return outcomes

    @staticmethod
    def _conflicts(rows: list[PersonRow], found) -> list[Problem | None]:
        """Per row: a permit number or PR ID that belongs to another person (stored or earlier in the batch)."""
        permit_claims: dict[str, str] = {}
        pr_claims: dict[str, str] = {}
        problems: list[Problem | None] = []
        for row in rows:
            h = row.hashes
            account = found.accounts.get(h.ssn)
            owner = account.person_id if account is not None else None
            permit = found.permits.get(h.permit)
            if (permit is not None and permit.person_id != owner) or (
                permit is None and permit_claims.get(h.permit, h.ssn) != h.ssn
            ):
                problems.append(Problem("permit_number", "row.permit_conflict"))
                continue
            if h.pr_id is not None:
                pr_owner = found.pr_owners.get(h.pr_id)
                if (pr_owner is not None and pr_owner != owner) or (
                    pr_owner is None and pr_claims.get(h.pr_id, h.ssn) != h.ssn
                ):
                    problems.append(Problem("pr_id", "row.pr_id_conflict"))
                    continue
                pr_claims[h.pr_id] = h.ssn
            permit_claims[h.permit] = h.ssn
            problems.append(None)
        return problems

    def _employers(self, conn, rows, writes: _PeopleWrites, now) -> tuple[dict[str, int], set[int]]:
        """Ids of the batch's employers (new ones inserted); lines whose employer names changed."""
        if not rows:
            return {}, set()
        usccs = {row.employer_uscc for row in rows}
        existing = {
            found.uscc: found
            for found in conn.execute(
                select(_E.c.id, _E.c.uscc, _E.c.name_zh, _E.c.name_en).where(_E.c.uscc.in_(usccs))
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
                new.append({"uscc": uscc, "name_zh": name_zh, "name_en": name_en or None,
                            "city_code": row.work_city_code, "address": row.work_address})
                continue
            want_en = current.name_en if name_en is ABSENT else name_en
            if (current.name_zh, current.name_en) != (name_zh, want_en):
                writes.employer_updates.append({"b_id": current.id, "name_zh": name_zh, "name_en": want_en})
                changed_lines.add(row.line)
        for values, new_id in zip(new, _insert_ids(conn, _E, new, now), strict=True):
            ids[values["uscc"]] = new_id
        return ids, changed_lines

    def _insert_new(self, conn, rows: list[PersonRow], employer_ids, writes: _PeopleWrites, now) -> None:
        """Insert new people and their account, passport, permit, card and enrolments."""
        if not rows:
            return
        person_ids = _insert_ids(conn, _P, [_person_values(row, now) for row in rows], now)
        account_ids = _insert_ids(conn, _A, [
            {"person_id": pid, "ssn": row.ssn, "ssn_hash": row.hashes.ssn, "status": "active"}
            for row, pid in zip(rows, person_ids, strict=True)
        ], now)
        for row, pid, aid in zip(rows, person_ids, account_ids, strict=True):
            writes.doc_inserts.append(_passport_values(row, pid, now))
            writes.permit_inserts.append(_permit_values(row, pid, employer_ids, now))
            writes.card_inserts.append({
                "account_id": aid, "card_number": row.card_number or None, "status": row.card_status,
                "issuing_city_code": row.work_city_code, "last_status_change_at": now,
            })
            for enrolment in row.enrolments:
                writes.enrol_inserts.append(_enrolment_values(row, enrolment, aid, now))

    def _diff(self, row: PersonRow, account, permit, found, employer_ids, writes: _PeopleWrites,
              now) -> bool:
        """Queue the updates an existing person needs; True if anything differs."""
        changed = False
        person = found.people[account.person_id]
        want = _person_values(row, now, for_update=True)
        if any(getattr(person, key) != value for key, value in want.items()
               if key not in ("phone", "pr_id", "updated_at")):
            writes.person_updates.append({"b_id": person.id, **want})
            changed = True
        changed |= _diff_passport(row, person.id, found.docs.get(person.id, []), writes, now)
        if permit is None:
            writes.permit_inserts.append(_permit_values(row, person.id, employer_ids, now))
            writes.permits_current.append({"b_person": person.id, "b_hash": row.hashes.permit})
            changed = True
        else:
            want = _permit_values(row, person.id, employer_ids, now, for_update=True)
            if any(getattr(permit, key) != value for key, value in want.items()):
                writes.permit_updates.append({"b_id": permit.id, **want})
                # The hash the permit holds: mid-rotation it may still be the previous key's.
                writes.permits_current.append({"b_person": person.id, "b_hash": permit.permit_number_hash})
                changed = True
        card = found.cards.get(account.id)
        if card is None:
            writes.card_inserts.append({
                "account_id": account.id, "card_number": row.card_number or None,
                "status": row.card_status, "issuing_city_code": row.work_city_code,
                "last_status_change_at": now,
            })
            changed = True
        else:
            want = {"status": row.card_status}
            if row.card_number is not ABSENT:
                want["card_number"] = row.card_number
            if any(getattr(card, key) != value for key, value in want.items()):
                if card.status != row.card_status:
                    want["last_status_change_at"] = now
                writes.card_updates.append({"b_id": card.id, **want})
                changed = True
        for enrolment in row.enrolments:
            current = found.enrolments.get((account.id, enrolment.insurance_type))
            if current is None:
                writes.enrol_inserts.append(_enrolment_values(row, enrolment, account.id, now))
                changed = True
                continue
            want = _enrolment_values(row, enrolment, account.id, now, for_update=True)
            if want["start_period"] is None:
                del want["start_period"]
            if any(getattr(current, key) != value for key, value in want.items()):
                writes.enrol_updates.append({"b_id": current.id, **want})
                changed = True
        return changed


@dataclass(slots=True)
class _PersonHashes:
    """The keyed look-up hashes of a people row's identifiers."""

    ssn: str
    permit: str
    passport: str
    phone: str | None
    pr_id: str | None
    #: Every configured key's hash of the row's ssn, permit, passport and PR ID -> the current key's.
    alias: dict[str, str]


class _PeopleLookup:
    """What a people batch finds in the database: accounts, permits, PR owners, people, docs, cards, enrolments."""

    def __init__(self, conn, rows: list[PersonRow]):
        # Found rows are keyed by the current key's hash, whichever key's hash they hold (a rotation).
        alias = {old: new for row in rows for old, new in row.hashes.alias.items()}
        ssn_hashes = [old for old, new in alias.items() if new in {row.hashes.ssn for row in rows}]
        self.accounts = {
            alias[found.ssn_hash]: found
            for found in conn.execute(
                select(_A.c.id, _A.c.person_id, _A.c.ssn_hash).where(_A.c.ssn_hash.in_(ssn_hashes))
            )
        }
        permit_hashes = {row.hashes.permit for row in rows}
        self.permits = {
            alias[found.permit_number_hash]: found
            for found in conn.execute(
                select(_W.c.id, _W.c.person_id, _W.c.permit_number_hash, _W.c.category, _W.c.employer_id,
                       _W.c.position, _W.c.work_address, _W.c.work_city_code, _W.c.valid_from,
                       _W.c.valid_to, _W.c.status, _W.c.entry_date)
                .where(_W.c.permit_number_hash.in_([old for old, new in alias.items() if new in permit_hashes]))
            )
        }
        pr_ids = {row.hashes.pr_id for row in rows if row.hashes.pr_id}
        pr_hashes = [old for old, new in alias.items() if new in pr_ids]
        self.pr_owners = {
            alias[found.pr_id_hash]: found.id
            for found in conn.execute(select(_P.c.id, _P.c.pr_id_hash).where(_P.c.pr_id_hash.in_(pr_hashes)))
        } if pr_hashes else {}
        person_ids = [account.person_id for account in self.accounts.values()]
        account_ids = [account.id for account in self.accounts.values()]
        self.people = {}
        self.docs: dict[int, list] = defaultdict(list)
        self.cards = {}
        self.enrolments = {}
        if not person_ids:
            return
        self.people = {
            found.id: found
            for found in conn.execute(
                select(_P.c.id, _P.c.passport_name, _P.c.name_canonical, _P.c.family_name,
                       _P.c.given_names, _P.c.nationality, _P.c.date_of_birth, _P.c.sex,
                       _P.c.phone_hash, _P.c.pr_id_hash)
                .where(_P.c.id.in_(person_ids))
            )
        }
        for found in conn.execute(
            select(_D.c.id, _D.c.person_id, _D.c.number_hash, _D.c.is_current, _D.c.expires_on)
            .where(_D.c.person_id.in_(person_ids), _D.c.type == "passport").order_by(_D.c.id)
        ):
            self.docs[found.person_id].append(found)
        self.cards = {
            found.account_id: found
            for found in conn.execute(
                select(_C.c.id, _C.c.account_id, _C.c.card_number, _C.c.status)
                .where(_C.c.account_id.in_(account_ids))
            )
        }
        self.enrolments = {
            (found.account_id, found.insurance_type): found
            for found in conn.execute(
                select(_N.c.id, _N.c.account_id, _N.c.insurance_type, _N.c.status, _N.c.start_period,
                       _N.c.exemption_country, _N.c.exemption_certificate, _N.c.exemption_valid_to)
                .where(_N.c.account_id.in_(account_ids))
            )
        }


def _person_values(row: PersonRow, now, for_update: bool = False) -> dict:
    """The people-table values a row asks for (optional columns only when the file has them)."""
    values = {
        "passport_name": row.passport_name, "name_canonical": row.name_canonical,
        "family_name": row.family_name, "given_names": row.given_names,
        "nationality": row.nationality, "date_of_birth": row.date_of_birth,
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


def _passport_values(row: PersonRow, person_id: int, now) -> dict:
    """A new current passport document."""
    return {
        "person_id": person_id, "type": "passport", "number": row.passport_number,
        "number_hash": row.hashes.passport, "issuing_country": row.nationality,
        "expires_on": row.passport_expires_on or None, "is_current": True, "superseded_at": None,
    }


def _diff_passport(row: PersonRow, person_id: int, docs: list, writes: _PeopleWrites, now) -> bool:
    """Keep the passport history: a new number is a renewal (new current row, old ones kept)."""
    match = next((doc for doc in docs if row.hashes.alias.get(doc.number_hash) == row.hashes.passport), None)
    changed = False
    for doc in docs:
        if doc.is_current and doc is not match:
            writes.doc_updates.append({"b_id": doc.id, "is_current": False, "superseded_at": now})
            changed = True
    if match is None:
        writes.doc_inserts.append(_passport_values(row, person_id, now))
        return True
    want = {"is_current": True}
    if row.passport_expires_on is not ABSENT:
        want["expires_on"] = row.passport_expires_on
    if any(getattr(match, key) != value for key, value in want.items()):
        if not match.is_current:
            want["superseded_at"] = None
        writes.doc_updates.append({"b_id": match.id, **want})
        changed = True
    return changed


def _permit_values(row: PersonRow, person_id: int, employer_ids, now, for_update: bool = False) -> dict:
    """The work-permit values a row asks for."""
    values = {
        "category": row.permit_category, "employer_id": employer_ids[row.employer_uscc],
        "position": row.position, "work_address": row.work_address,
        "work_city_code": row.work_city_code, "valid_from": row.permit_valid_from,
        "valid_to": row.permit_valid_to, "status": row.permit_status,
    }
    if row.entry_date is not ABSENT or not for_update:
        values["entry_date"] = row.entry_date or None
    if not for_update:
        values.update({"person_id": person_id, "permit_number": row.permit_number,
                       "permit_number_hash": row.hashes.permit})
    return values


def _enrolment_values(row: PersonRow, enrolment, account_id: int, now, for_update: bool = False) -> dict:
    """An enrolment's values; exemption details only on exempt enrolments."""
    exempt = enrolment.status == "exempt"
    values = {
        "status": enrolment.status, "start_period": enrolment.start_period,
        "exemption_country": row.exemption_country if exempt else None,
        "exemption_certificate": row.exemption_certificate if exempt else None,
        "exemption_valid_to": row.exemption_valid_to if exempt else None,
    }
    if not for_update:
        values.update({"account_id": account_id, "insurance_type": enrolment.insurance_type})
    return values


class ContributionImporter(_Importer):
    """Contribution rows: one per account, insurance, period and employer."""

    default_batch = CONTRIBUTIONS_BATCH
    _CACHE_LIMIT = 200_000

    def __init__(self, *args):
        super().__init__(*args)
        self.validator = ContributionValidator(self.today)
        self.accounts: dict[str, int | None] = {}
        self.employers: dict[str, int | None] = {}

    def validate(self, line: int, values: dict):
        """Validate and catch repeats of the same record in this file."""
        row = self.validator.validate(line, values)
        if isinstance(row, list):
            return row
        if not self.seen.add((row.ssn, row.insurance_type, row.period, row.employer_uscc)):
            return [Problem(None, "row.duplicate")]
        return row

    def _resolve(self, conn, rows: list[ContributionRow]) -> None:
        """Fill the SSN → account and USCC → employer caches for this batch's unknowns."""
        if len(self.accounts) > self._CACHE_LIMIT:
            self.accounts.clear()
        missing = {row.ssn for row in rows if row.ssn not in self.accounts}
        if missing:
            by_hash = {digest: ssn for ssn in missing for digest in identifier_hashes("ssn", ssn)}
            for found in conn.execute(select(_A.c.id, _A.c.ssn_hash).where(_A.c.ssn_hash.in_(by_hash))):
                self.accounts[by_hash.pop(found.ssn_hash)] = found.id
            self.accounts.update(dict.fromkeys(set(by_hash.values()) - set(self.accounts)))
        missing = {row.employer_uscc for row in rows if row.employer_uscc not in self.employers}
        if missing:
            for found in conn.execute(select(_E.c.id, _E.c.uscc).where(_E.c.uscc.in_(missing))):
                self.employers[found.uscc] = found.id
                missing.discard(found.uscc)
            self.employers.update(dict.fromkeys(missing))

    def apply(self, conn, rows: list[ContributionRow]) -> list:
        """Upsert a batch of contribution rows."""
        self._resolve(conn, rows)
        now = clock.now()
        accounts, employers = self.accounts, self.employers
        known = [row for row in rows if accounts[row.ssn] and employers[row.employer_uscc]]
        existing = {}
        if known:
            periods = [row.period for row in known]
            query = (
                select(_R.c.id, _R.c.account_id, _R.c.insurance_type, _R.c.period, _R.c.employer_id,
                       _R.c.base, _R.c.employer_amount, _R.c.employee_amount, _R.c.status, _R.c.paid_on)
                .where(_R.c.account_id.in_({accounts[row.ssn] for row in known}),
                       _R.c.period >= min(periods), _R.c.period <= max(periods))
            )
            existing = {
                (found.account_id, found.insurance_type, found.period, found.employer_id): found
                for found in conn.execute(query)
            }
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
            current = existing.get((account_id, row.insurance_type, row.period, employer_id))
            if current is None:
                inserts.append({
                    "account_id": account_id, "insurance_type": row.insurance_type, "period": row.period,
                    "base": row.base, "employer_amount": row.employer_amount,
                    "employee_amount": row.employee_amount, "currency": "CNY", "status": row.status,
                    "employer_id": employer_id, "paid_on": row.paid_on or None,
                })
                outcomes.append("added")
                continue
            paid_on = current.paid_on if row.paid_on is ABSENT else row.paid_on
            if (current.base, current.employer_amount, current.employee_amount, current.status,
                    current.paid_on) == (row.base, row.employer_amount, row.employee_amount, row.status,
                                         paid_on):
                outcomes.append("unchanged")
                continue
            updates.append({"b_id": current.id, "base": row.base, "employer_amount": row.employer_amount,
                            "employee_amount": row.employee_amount, "status": row.status,
                            "paid_on": paid_on, "updated_at": now})
            outcomes.append("updated")
        if inserts:
            conn.execute(_stamped_insert(conn, _R, now), inserts)
        if updates:
            conn.execute(update(_R).where(_R.c.id == bindparam("b_id")), updates)
        return outcomes
