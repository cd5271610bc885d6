"""Bulk writes for the importers: stamped inserts (returning new ids where needed) and updates by id."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import bindparam, update

from app.registry.importer import bulk
from app.registry.importer.tables import PERMITS

#: SQLite page cache for import connections (KiB): the hash indexes are random-access, and the
#: default 2 MB cache makes every insert fetch pages; 16 MB is as fast here as 32 MB was and keeps
#: a million-row import under its 200 MB budget.
SQLITE_CACHE_KIB = 16 * 1024


def tune_connection(conn) -> None:
    """Per-connection settings for bulk work."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _stamps(now) -> dict:
    """created_at and updated_at for every row of a bulk insert (converted once, not per row)."""
    return {"created_at": now, "updated_at": now}


def insert_returning_ids(conn, table, rows: list[dict], now) -> list[int]:
    """Insert rows (all with the same keys) and return their new ids in order."""
    return bulk.insert_rows_returning_ids(conn, table, rows, _stamps(now))


def insert_many(conn, table, rows: list[dict], now) -> None:
    """A bulk insert, grouped by key set so every statement has one shape."""
    for group in _by_keys(rows):
        bulk.insert_rows(conn, table, group, _stamps(now))


def update_many(conn, table, rows: list[dict]) -> None:
    """Bulk updates by id (`b_id`), grouped by the set of columns each row changes."""
    bulk.update_rows(conn, table, rows)


def end_earlier_permits(conn, current: list[dict], now) -> None:
    """A person's permits other than the one their row names, still valid, are cancelled.

    The feed carries each person's current permit; a permit replaced by another is no longer in
    force (the history keeps it, and verifying with its number says it was cancelled).
    """
    if current:
        conn.execute(
            update(PERMITS)
            .where(
                PERMITS.c.person_id == bindparam("b_person"),
                PERMITS.c.permit_number_hash != bindparam("b_hash"),
                PERMITS.c.status == "valid",
            )
            .values(status="cancelled", updated_at=now),
            current,
        )


def _by_keys(rows: list[dict]) -> list[list[dict]]:
    """Rows grouped by their exact key set (one group, found without sorting, when all share it)."""
    if not rows:
        return []
    first = rows[0].keys()
    if all(row.keys() == first for row in rows):
        return [rows]
    groups: dict[frozenset, list[dict]] = defaultdict(list)
    for row in rows:
        groups[frozenset(row)].append(row)
    return list(groups.values())
