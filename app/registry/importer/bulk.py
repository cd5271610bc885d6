"""Driver-level bulk statements: values converted once per column, sent in few round trips.

SQLAlchemy's executemany builds a parameter dict per row and, on MariaDB, PyMySQL escapes each
dict again and sends UPDATEs one by one; on a million rows that is most of the import's time.
Here each column's SQLAlchemy bind processor (encryption, dates, binary hashes…) is applied
once per value, so what is stored is exactly what the ORM would store, and then:
- SQLite: `executemany` of one positional statement (the loop runs in C);
- MariaDB: multi-row `INSERT … VALUES (…),(…)` and `UPDATE … JOIN (SELECT … UNION ALL …)`
  statements of up to BATCH_BYTES each, values escaped by the connection's own escaper.
Both run inside the caller's transaction (the batch's all-or-nothing rule is unchanged).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.exc import DBAPIError

# Table and column names in these statements come from the models, never from a file; values
# are bound (SQLite) or escaped by the driver's own escaper (MariaDB).
# ruff: noqa: S608

#: Largest MariaDB statement sent at once (the server's default max_allowed_packet is 16 MB).
BATCH_BYTES = 4 * 1024 * 1024


def _column_converter(type_, dialect):
    """A function converting a list of a column's values to driver-ready ones (None: none needed).

    Types with `process_bind_values` (app.columns) convert the whole list in one call, then their
    underlying type's processor applies per value, as SQLAlchemy's bind processor would; other
    types use their bind processor per value. None stays None, as when the ORM binds it.
    """
    type_ = type_.dialect_impl(dialect)
    many = getattr(type_, "process_bind_values", None)
    if many is None:
        process = type_.bind_processor(dialect)
        if process is None:
            return None
        return lambda values: [None if value is None else process(value) for value in values]
    inner = type_.impl_instance.bind_processor(dialect)
    if inner is None:
        return lambda values: many(values, dialect)
    return lambda values: [None if value is None else inner(value) for value in many(values, dialect)]


def _converted_columns(
    conn, table, columns: tuple[str, ...], rows: list[dict], extra: dict | None = None
) -> list[list]:
    """Driver-ready values, one list per column in `columns` order then `extra`'s."""
    dialect = conn.dialect
    cells = []
    for name in columns:
        column = [row[name] for row in rows]
        convert = _column_converter(table.c[name].type, dialect)
        cells.append(column if convert is None else convert(column))
    for name, value in (extra or {}).items():
        convert = _column_converter(table.c[name].type, dialect)
        fixed = value if convert is None or value is None else convert([value])[0]
        cells.append([fixed] * len(rows))
    return cells


def _converted(
    conn, table, columns: tuple[str, ...], rows: list[dict], extra: dict | None = None
) -> list[tuple]:
    """The rows as tuples of driver-ready values, in `columns` order then `extra`'s (column by column)."""
    return list(zip(*_converted_columns(conn, table, columns, rows, extra), strict=True))


def _columns_and_values(
    conn, table, rows: list[dict], extra: dict | None
) -> tuple[tuple[str, ...], list[tuple]]:
    """The columns of rows with the same keys (then `extra`'s) and each row's driver-ready values."""
    columns = tuple(rows[0])
    return columns + tuple(extra or ()), _converted(conn, table, columns, rows, extra)


def _mysql_rows(conn, table, rows: list[dict], extra: dict | None) -> tuple[tuple[str, ...], list[str]]:
    """The columns of rows with the same keys (then `extra`'s) and each row as a `(…, …)` SQL tuple.

    `extra`'s values are the same in every row, so they are rendered once, as one shared ending.
    """
    driver = _driver(conn)
    columns = tuple(rows[0])
    cells = _mysql_cells(driver, _converted_columns(conn, table, columns, rows))
    ending = ")"
    if extra:
        (fixed,) = _mysql_cells(driver, _converted_columns(conn, table, tuple(extra), [extra]))
        ending = "".join(", " + cell for cell in fixed) + ")"
    return columns + tuple(extra or ()), ["(" + ", ".join(row) + ending for row in cells]


def _driver(conn):
    """The DBAPI connection under `conn` (same transaction)."""
    return conn.connection.dbapi_connection


@contextmanager
def _cursor(conn):
    """A DBAPI cursor in `conn`'s transaction; driver errors raised as SQLAlchemy's (IntegrityError…)."""
    dbapi = conn.dialect.loaded_dbapi
    cursor = _driver(conn).cursor()
    try:
        yield cursor
    except dbapi.Error as error:
        raise DBAPIError.instance(None, None, error, dbapi.Error) from error
    finally:
        cursor.close()


def _mysql_literal(driver):
    """A fast SQL literal function for MariaDB values (strings through the connection's escaper)."""
    escape = driver.escape  # the connection's own: honours the server's NO_BACKSLASH_ESCAPES

    def literal(value) -> str:
        if value is None:
            return "NULL"
        kind = type(value)
        if kind is str:
            return escape(value)
        if kind is int:
            return str(value)
        if kind is bool:
            return "1" if value else "0"
        if kind is bytes:
            return "X'" + value.hex() + "'"
        if kind is Decimal:
            return str(value)
        if kind is date:
            return "'" + value.isoformat() + "'"
        if kind is datetime:
            return "'" + value.isoformat(" ") + "'"
        return escape(value)

    return literal


def _mysql_quote_table(driver) -> dict[int, str] | None:
    """The connection's string escaping as a str.translate table, or None when it is not one.

    Learnt from the connection's own escape() one character at a time (backslash escapes, or
    doubled quotes under NO_BACKSLASH_ESCAPES), then checked on a string of every ASCII character
    and a few others; when the check fails, strings go through escape() one by one.
    """
    escape = driver.escape
    table = {code: escape(chr(code))[1:-1] for code in range(128)}
    probe = "".join(map(chr, range(128))) + "é中\u2028\U0001f600 '' \\\\ \"\" \\'"
    return table if escape(probe) == "'" + probe.translate(table) + "'" else None


def _mysql_cells(driver, columns: list[list]) -> list[tuple[str, ...]]:
    """Each row's values as SQL literals, rendered a column at a time.

    A column of one kind (whole numbers, bytes, or strings escaped by one translate) is rendered
    without asking each value its type; any other goes through `_mysql_literal` value by value.
    """
    literal = _mysql_literal(driver)
    table = _mysql_quote_table(driver)
    rendered = []
    for column in columns:
        kinds = set(map(type, column)) - {type(None)}
        if kinds == {int}:
            rendered.append(["NULL" if value is None else str(value) for value in column])
        elif kinds == {bytes}:
            rendered.append(["NULL" if value is None else "X'" + value.hex() + "'" for value in column])
        elif table is not None and kinds <= {str}:
            rendered.append(
                ["NULL" if value is None else "'" + value.translate(table) + "'" for value in column]
            )
        else:
            rendered.append(list(map(literal, column)))
    return list(zip(*rendered, strict=True))


def _mysql_chunks(prefix: str, parts: list[str], joiner: str):
    """Statements of `prefix` + parts joined by `joiner`, each under BATCH_BYTES."""
    chunk: list[str] = []
    size = 0
    for part in parts:
        if chunk and size + len(part) > BATCH_BYTES:
            yield prefix + joiner.join(chunk)
            chunk, size = [], 0
        chunk.append(part)
        size += len(part) + len(joiner)
    if chunk:
        yield prefix + joiner.join(chunk)


def insert_rows(conn, table, rows: list[dict], extra: dict | None = None) -> None:
    """INSERT rows that all have the same keys; `extra` columns get one value for every row."""
    if not rows:
        return
    with _cursor(conn) as cursor:
        if conn.dialect.name == "sqlite":
            columns, values = _columns_and_values(conn, table, rows, extra)
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", values)
            return
        columns, parts = _mysql_rows(conn, table, rows, extra)
        names = ", ".join(columns)
        for statement in _mysql_chunks(f"INSERT INTO {table.name} ({names}) VALUES ", parts, ", "):
            cursor.execute(statement)


def insert_rows_returning_ids(conn, table, rows: list[dict], extra: dict | None = None) -> list[int]:
    """INSERT rows and return their new ids in order.

    SQLite: while this transaction writes no one else can insert, so ids are max(id) + 1 onward.
    MariaDB: one multi-row INSERT gets consecutive ids from its first one when
    innodb_autoinc_lock_mode is 0 or 1 and auto_increment_increment is 1 (checked; otherwise
    rows are inserted one at a time).
    """
    if not rows:
        return []
    with _cursor(conn) as cursor:
        if conn.dialect.name == "sqlite":
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table.name}")
            first = cursor.fetchone()[0] + 1
            insert_rows(conn, table, rows, extra)
            cursor.execute(f"SELECT max(id), count(*) FROM {table.name} WHERE id >= ?", (first,))
            last, count = cursor.fetchone()
            if count != len(rows) or last != first + len(rows) - 1:
                raise RuntimeError(f"{table.name}: ids were not assigned consecutively")
            return list(range(first, first + len(rows)))
        ids: list[int] = []
        if not _consecutive_ids(conn, cursor):
            for row in rows:
                insert_rows(conn, table, [row], extra)
                ids.append(_last_id(cursor))
            return ids
        columns, parts = _mysql_rows(conn, table, rows, extra)
        prefix = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        for statement in _mysql_chunks(prefix, parts, ", "):
            count = cursor.execute(statement)
            first = _last_id(cursor)
            ids.extend(range(first, first + count))
        if len(ids) != len(rows):
            raise RuntimeError(f"{table.name}: inserted {len(ids)} rows of {len(rows)}")
        return ids


def _last_id(cursor) -> int:
    """The first id the cursor's last INSERT generated (MariaDB's LAST_INSERT_ID)."""
    cursor.execute("SELECT LAST_INSERT_ID()")
    return int(cursor.fetchone()[0])


def _consecutive_ids(conn, cursor) -> bool:
    """True when a multi-row INSERT on this MariaDB server gets consecutive ids."""
    known = conn.info.get("bulk_consecutive_ids")
    if known is None:
        cursor.execute("SELECT @@innodb_autoinc_lock_mode, @@auto_increment_increment")
        mode, increment = cursor.fetchone()
        known = int(mode) in (0, 1) and int(increment) == 1
        conn.info["bulk_consecutive_ids"] = known
    return known


def update_rows(conn, table, rows: list[dict], key: str = "b_id") -> None:
    """UPDATE rows by id (`rows[i][key]`), each row setting its other keys; rows grouped by key set."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    for columns, group in groups.items():
        _update_group(conn, table, [name for name in columns if name != key], group, key)


def _update_group(conn, table, columns: list[str], rows: list[dict], key: str) -> None:
    """One UPDATE shape: SQLite executemany, MariaDB UPDATE … JOIN of a UNION of literal rows."""
    values = _converted_columns(conn, table, tuple(columns), rows)
    ids = [row[key] for row in rows]
    with _cursor(conn) as cursor:
        if conn.dialect.name == "sqlite":
            sets = ", ".join(f"{name} = ?" for name in columns)
            cursor.executemany(
                f"UPDATE {table.name} SET {sets} WHERE id = ?", list(zip(*values, ids, strict=True))
            )
            return
        names = ["b_id", *columns]
        literals = _mysql_cells(_driver(conn), values)
        rows_sql = [[str(int(row_id)), *row] for row, row_id in zip(literals, ids, strict=True)]
        sets = ", ".join(f"t.{name} = v.{name}" for name in columns)
        chunk: list[list[str]] = []
        size = 0
        for cells in rows_sql:
            chunk.append(cells)
            size += sum(map(len, cells)) + 16
            if size > BATCH_BYTES:
                _send_update(cursor, table, names, chunk, sets)
                chunk, size = [], 0
        if chunk:
            _send_update(cursor, table, names, chunk, sets)


def _send_update(cursor, table, names: list[str], rows: list[list[str]], sets: str) -> None:
    """One MariaDB UPDATE … JOIN over literal rows (the first SELECT names the columns)."""
    first = "SELECT " + ", ".join(f"{cell} AS {name}" for cell, name in zip(rows[0], names, strict=True))
    rest = ["SELECT " + ", ".join(cells) for cells in rows[1:]]
    derived = " UNION ALL ".join([first, *rest])
    cursor.execute(f"UPDATE {table.name} t JOIN ({derived}) v ON t.id = v.b_id SET {sets}")
