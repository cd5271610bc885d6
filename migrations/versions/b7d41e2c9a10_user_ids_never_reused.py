"""User ids are never reused (SQLite AUTOINCREMENT)

SQLite gives a new row the highest id plus one, so deleting the newest account hands its id to the
next one, and a session token that outlived the deletion would name the new account. AUTOINCREMENT
keeps the highest id ever used. MariaDB (10.2.4+) and MySQL 8 keep their AUTO_INCREMENT counter
across restarts already, so nothing changes there.

Revision ID: b7d41e2c9a10
Revises: 9c19b0be4bb1
Create Date: 2026-12-06 21:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d41e2c9a10'
down_revision = '9c19b0be4bb1'
branch_labels = None
depends_on = None


def _rebuild_users(autoincrement: bool) -> None:
    """SQLite only: copy the table into one made with (or without) AUTOINCREMENT."""
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("users", recreate="always",
                              table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade():
    _rebuild_users(True)


def downgrade():
    _rebuild_users(False)
