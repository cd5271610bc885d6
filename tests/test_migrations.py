"""Migrations build the models' schema on a fresh database and come down cleanly."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db

from .conftest import TEST_DATABASE_URL


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database: a new SQLite file, or a new schema on the real server."""
    if not TEST_DATABASE_URL:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite3")
        return
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database=""))
    with server.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


def test_upgrade_matches_models_and_downgrade_empties(fresh_database_url):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": fresh_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            differences = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_user_ids_are_never_reused_after_the_upgrade(fresh_database_url):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": fresh_database_url})
    insert = text("INSERT INTO users (openid, status, created_at, updated_at) "
                  "VALUES (:openid, 'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    with app.app_context():
        upgrade(revision="9c19b0be4bb1")
        with db.engine.begin() as conn:
            conn.execute(insert, {"openid": "o-before-the-upgrade"})
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT openid FROM users")).scalars().all() == ["o-before-the-upgrade"]
            conn.execute(insert, {"openid": "o-newest"})
            newest = conn.execute(text("SELECT id FROM users WHERE openid = 'o-newest'")).scalar()
            conn.execute(text("DELETE FROM users WHERE id = :id"), {"id": newest})
            conn.execute(insert, {"openid": "o-next"})
            following = conn.execute(text("SELECT id FROM users WHERE openid = 'o-next'")).scalar()
        assert following > newest
        downgrade(revision="base")
        db.engine.dispose()
