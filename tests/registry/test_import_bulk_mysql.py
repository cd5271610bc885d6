"""The MariaDB statements of the bulk write path, as sent: values quoted by the driver, chunked, ids checked.

These run on every pass, against a cursor that records what it is given (the real-backend pass
runs the same code on MariaDB itself, through tests/registry/test_import_bulk.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pymysql
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Date, DateTime, Integer, LargeBinary, MetaData, Numeric, String, Table
from sqlalchemy.dialects.mysql import pymysql as mysql_pymysql
from sqlalchemy.exc import IntegrityError

from app.registry.importer import bulk

TABLE = Table(
    "things",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("born", Date),
    Column("seen", DateTime),
    Column("amount", Numeric(10, 2)),
    Column("digest", LargeBinary(32)),
    Column("count", Integer),
)


class Cursor:
    """Records statements; answers LAST_INSERT_ID and the auto-increment settings like MariaDB."""

    def __init__(self, driver):
        self.driver = driver
        self.answer: tuple = ()

    def execute(self, statement, params=None):
        self.driver.statements.append(statement)
        if self.driver.fail_on and self.driver.fail_on in statement:
            raise pymysql.err.IntegrityError(1062, "Duplicate entry")
        if statement.startswith("SELECT @@innodb_autoinc_lock_mode"):
            self.answer = self.driver.autoinc
        elif statement == "SELECT LAST_INSERT_ID()":
            self.answer = (self.driver.next_id - self.driver.last_rows,)
        elif statement.startswith("INSERT"):
            rows = statement.count("), (") + 1
            self.driver.last_rows = rows
            self.driver.next_id += rows
            return rows
        return 0

    def fetchone(self):
        return self.answer

    def close(self):
        pass


class Driver:
    """A PyMySQL-like connection: its `escape` is PyMySQL's own conversion, quotes doubled as the server wants."""

    def __init__(self, autoinc=(1, 1)):
        self.statements: list[str] = []
        self.autoinc = autoinc
        self.next_id = 100
        self.last_rows = 0
        self.fail_on = None

    def cursor(self):
        return Cursor(self)

    def escape(self, value):
        if isinstance(value, str):
            return "'" + pymysql.converters.escape_string(value) + "'"
        return pymysql.converters.escape_item(value, "utf8mb4")


def connection(driver: Driver):
    """What the bulk functions use of a SQLAlchemy connection on MariaDB."""
    dialect = mysql_pymysql.dialect()
    dialect.loaded_dbapi = pymysql
    return SimpleNamespace(dialect=dialect, connection=SimpleNamespace(dbapi_connection=driver), info={})


def test_every_kind_of_value_is_written_as_a_mariadb_literal():
    driver = Driver()
    rows = [
        {
            "name": "O'Brien \\ Siobhán",
            "born": date(1990, 2, 3),
            "seen": datetime(2026, 12, 7, 8, 30, 1, tzinfo=UTC).replace(
                tzinfo=None
            ),  # as UTCDateTime sends it
            "amount": Decimal("3200.50"),
            "digest": bytes.fromhex("00ff10"),
            "count": 7,
        },
        {"name": None, "born": None, "seen": None, "amount": None, "digest": None, "count": True},
    ]
    bulk.insert_rows(connection(driver), TABLE, rows)
    [statement] = driver.statements
    assert statement.startswith("INSERT INTO things (name, born, seen, amount, digest, count) VALUES (")
    assert "'O\\'Brien \\\\ Siobhán'" in statement  # the quote and the backslash escaped by the driver
    assert "'1990-02-03'" in statement and "'2026-12-07 08:30:01'" in statement
    assert "3200.50" in statement and "X'00ff10'" in statement and ", 7)" in statement
    assert "(NULL, NULL, NULL, NULL, NULL, 1)" in statement


def test_large_inserts_are_split_under_the_statement_limit(monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_BYTES", 200)
    driver = Driver()
    bulk.insert_rows(connection(driver), TABLE, [{"name": f"person {n:03d}", "count": n} for n in range(30)])
    assert len(driver.statements) > 1
    assert all(len(statement) < 400 for statement in driver.statements)
    assert sum(statement.count("'person ") for statement in driver.statements) == 30


def test_new_ids_come_from_one_insert_when_the_server_numbers_them_in_a_row():
    driver = Driver(autoinc=(1, 1))
    conn = connection(driver)
    ids = bulk.insert_rows_returning_ids(
        conn, TABLE, [{"name": "a"}, {"name": "b"}, {"name": "c"}], {"count": 0}
    )
    assert ids == [100, 101, 102]
    assert [s.split()[0] for s in driver.statements] == ["SELECT", "INSERT", "SELECT"]
    assert driver.statements[1].endswith("('a', 0), ('b', 0), ('c', 0)")
    bulk.insert_rows_returning_ids(conn, TABLE, [{"name": "d"}])
    assert sum("@@innodb_autoinc_lock_mode" in s for s in driver.statements) == 1  # asked once per connection


def test_values_shared_by_every_row_are_rendered_once(monkeypatch):
    """The stamps every row of a batch shares cost one rendering, not one per row."""
    rendered = []
    literal_of = bulk._mysql_literal

    def counting(driver):
        literal = literal_of(driver)

        def count(value):
            rendered.append(value)
            return literal(value)

        return count

    monkeypatch.setattr(bulk, "_mysql_literal", counting)
    driver = Driver()
    seen = datetime(2026, 12, 7, 8, 30, 1, tzinfo=UTC).replace(tzinfo=None)  # as UTCDateTime sends it
    bulk.insert_rows(connection(driver), TABLE, [{"name": f"n{n}"} for n in range(50)], {"seen": seen})
    [statement] = driver.statements
    assert statement.count("'2026-12-07 08:30:01')") == 50
    assert rendered.count(seen) == 1


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
            st.one_of(st.none(), st.binary(max_size=40)),
            st.one_of(st.none(), st.integers(), st.booleans(), st.dates()),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_columns_of_one_kind_are_rendered_as_each_value_on_its_own(rows):
    """Whole-column shortcuts (numbers, bytes) give what rendering every value alone gives."""
    driver = _pymysql_connection(False)
    literal = bulk._mysql_literal(driver)
    columns = [list(column) for column in zip(*rows, strict=True)]
    assert bulk._mysql_cells(driver, columns) == [tuple(map(literal, row)) for row in rows]


def test_new_ids_are_taken_one_insert_at_a_time_when_the_server_interleaves_them():
    driver = Driver(autoinc=(2, 1))
    ids = bulk.insert_rows_returning_ids(connection(driver), TABLE, [{"name": "a"}, {"name": "b"}])
    assert ids == [100, 101]
    assert sum(s.startswith("INSERT") for s in driver.statements) == 2


def test_updates_are_one_join_per_shape_of_change():
    driver = Driver()
    rows = [
        {"b_id": 5, "name": "Kim", "count": 2},
        {"b_id": 6, "name": "Lee's", "count": 3},
        {"b_id": 7, "count": 9},
    ]
    bulk.update_rows(connection(driver), TABLE, rows)
    assert len(driver.statements) == 2
    names, counts = driver.statements
    assert names == (
        "UPDATE things t JOIN (SELECT 5 AS b_id, 'Kim' AS name, 2 AS count UNION ALL SELECT 6, 'Lee\\'s', 3) v "
        "ON t.id = v.b_id SET t.name = v.name, t.count = v.count"
    )
    assert (
        counts
        == "UPDATE things t JOIN (SELECT 7 AS b_id, 9 AS count) v ON t.id = v.b_id SET t.count = v.count"
    )


def test_large_updates_are_split(monkeypatch):
    monkeypatch.setattr(bulk, "BATCH_BYTES", 100)
    driver = Driver()
    bulk.update_rows(connection(driver), TABLE, [{"b_id": n, "name": f"name {n:04d}"} for n in range(20)])
    assert len(driver.statements) > 1
    assert sum(s.count("'name ") for s in driver.statements) == 20


def test_a_refused_statement_is_raised_as_sqlalchemys_error():
    """So the batch's row-by-row retry sees an IntegrityError, as with the ORM."""
    driver = Driver()
    driver.fail_on = "INSERT"
    with pytest.raises(IntegrityError):
        bulk.insert_rows(connection(driver), TABLE, [{"name": "x"}])


def _pymysql_connection(no_backslash_escapes: bool):
    """A PyMySQL connection (never connected) in either of the server's escaping modes."""
    driver = pymysql.connections.Connection(defer_connect=True)
    driver.server_status = (
        pymysql.constants.SERVER_STATUS.SERVER_STATUS_NO_BACKSLASH_ESCAPES if no_backslash_escapes else 0
    )
    return driver


@pytest.mark.parametrize("no_backslash_escapes", [False, True])
@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=5))
def test_strings_are_quoted_exactly_as_the_connection_escapes_them(no_backslash_escapes, values):
    driver = _pymysql_connection(no_backslash_escapes)
    assert bulk._mysql_quote_table(driver) is not None
    cells = bulk._mysql_cells(driver, [values])
    assert [cell for (cell,) in cells] == [
        "NULL" if value is None else driver.escape(value) for value in values
    ]


def test_an_escaper_that_is_not_one_character_at_a_time_is_used_as_it_is():
    driver = Driver()
    driver.escape = lambda value: "'" + value.replace("''", "?") + "'" if isinstance(value, str) else "0"
    assert bulk._mysql_quote_table(driver) is None
    assert bulk._mysql_cells(driver, [["a''b", None]]) == [("'a?b'",), ("NULL",)]
