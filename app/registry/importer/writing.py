"""Bulk Core statements: stamped inserts (returning new ids where needed) and updates by id."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC

from sqlalchemy import DateTime, String, bindparam, func, insert, literal, select, update

from app.registry.importer.tables import PERMITS

#: SQLite page cache for import connections (KiB): the hash indexes are random-access, and the
#: default 2 MB cache makes every insert fetch pages; 32 MB stays well inside the memory budget.
SQLITE_CACHE_KIB = 32 * 1024


def tune_connection(conn) -> None:
    """Per-connection settings for bulk work."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def stamped_insert(conn, table, now):
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


def insert_returning_ids(conn, table, rows: list[dict], now) -> list[int]:
    """Insert rows and return their new ids in order (one statement where the database allows)."""
    if not rows:
        return []
    statement = stamped_insert(conn, table, now)
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


def insert_many(conn, table, rows: list[dict], now) -> None:
    """A bulk insert (executemany), grouped by key set so every statement has one shape."""
    for group in _by_keys(rows):
        conn.execute(stamped_insert(conn, table, now), group)


def update_many(conn, table, rows: list[dict]) -> None:
    """Bulk updates by id (`b_id`), grouped by the set of columns each row changes."""
    for group in _by_keys(rows):
        conn.execute(update(table).where(table.c.id == bindparam("b_id")), group)


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
    """Rows grouped by their exact key set."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    return list(groups.values())
