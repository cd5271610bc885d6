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
from tests.conftest import TEST_DATABASE_URL


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
    insert = text(
        "INSERT INTO users (openid, status, created_at, updated_at) "
        "VALUES (:openid, 'active', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
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


def test_versions_written_before_the_upgrade_count_as_published(fresh_database_url):
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": fresh_database_url})
    with app.app_context():
        upgrade(revision="e4c9a1b7d052")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO notices (category, priority, audience, source_locale, source_title, source_url,"
                    " source_date, status, version, created_at, updated_at) VALUES ('deadline', 'normal', '{}', 'en',"
                    " 'Source', 'https://example.org', '2026-01-02', 'published', 2, '2026-01-03 04:05:06',"
                    " '2026-01-03 04:05:06')"
                )
            )
            for number in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO notice_versions (notice_id, version, snapshot, created_at) "
                        "VALUES (1, :n, '{}', :at)"
                    ),
                    {"n": number, "at": f"2026-01-0{3 + number} 00:00:00"},
                )
        upgrade()
        with db.engine.begin() as conn:
            rows = conn.execute(
                text("SELECT version, state, published_at, created_at FROM notice_versions ORDER BY version")
            ).all()
            assert [(r[0], r[1]) for r in rows] == [(1, "published"), (2, "published")]
            assert all(str(r[2]) == str(r[3]) for r in rows)
            conn.execute(
                text(
                    "INSERT INTO notice_versions (notice_id, version, snapshot, created_at, state) "
                    "VALUES (1, 3, '{}', '2026-01-07 00:00:00', 'draft')"
                )
            )
        downgrade(revision="e4c9a1b7d052")
        with db.engine.begin() as conn:
            # A draft never reached a reader: the schema before the revision has no place for it.
            assert conn.execute(
                text("SELECT version FROM notice_versions ORDER BY version")
            ).scalars().all() == [1, 2]
        downgrade(revision="base")
        db.engine.dispose()


def test_registry_hashes_become_bytes_and_come_back_as_the_same_hex(fresh_database_url):
    ssn_hash, permit_hash = "ab" * 32, "0f" * 31 + "e1"
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": fresh_database_url})
    with app.app_context():
        upgrade(revision="f3b8d6a1c2e9")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO people (id, passport_name, name_canonical, nationality, date_of_birth,"
                    " phone_hash, created_at, updated_at) VALUES (1, 'KIM, Min', 'KIM Min', 'KOR',"
                    " '1990-01-02', NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO social_security_accounts (person_id, ssn, ssn_hash, status, created_at,"
                    " updated_at) VALUES (1, 'x', :hash, 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"hash": ssn_hash},
            )
            conn.execute(
                text(
                    "INSERT INTO employers (id, uscc, name_zh, city_code, created_at, updated_at) VALUES"
                    " (1, '913100000000000001', '公司', '310000', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO work_permits (person_id, permit_number, permit_number_hash, category,"
                    " employer_id, position, work_address, work_city_code, valid_from, valid_to, status,"
                    " created_at, updated_at) VALUES (1, 'x', :hash, 'A', 1, 'Engineer', 'Shanghai',"
                    " '310000', '2024-01-01', '2026-12-31', 'valid', '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00')"
                ),
                {"hash": permit_hash},
            )
        upgrade()
        with db.engine.begin() as conn:
            stored = conn.execute(text("SELECT ssn_hash FROM social_security_accounts")).scalar_one()
            assert bytes(stored) == bytes.fromhex(ssn_hash)
            assert conn.execute(text("SELECT phone_hash FROM people")).scalar_one() is None
        from app.registry.models import SocialSecurityAccount, WorkPermit

        found = db.session.scalar(
            db.select(SocialSecurityAccount.ssn_hash).where(SocialSecurityAccount.ssn_hash == ssn_hash)
        )
        assert found == ssn_hash
        assert db.session.scalar(db.select(WorkPermit.permit_number_hash)) == permit_hash
        db.session.remove()
        downgrade(revision="f3b8d6a1c2e9")
        with db.engine.begin() as conn:
            assert (
                conn.execute(text("SELECT ssn_hash FROM social_security_accounts")).scalar_one() == ssn_hash
            )
            assert (
                conn.execute(text("SELECT permit_number_hash FROM work_permits")).scalar_one() == permit_hash
            )
        downgrade(revision="base")
        db.engine.dispose()
