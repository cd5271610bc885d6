"""Console accounts: when the latest counted sign-in try began

The failed-login count is kept per account in the database and forgotten a day after the latest
try, exactly as the count of a username that is no account is forgotten in Redis.

Revision ID: e4c9a1b7d052
Revises: d2a8f5c71e3b
Create Date: 2026-12-06 22:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e4c9a1b7d052'
down_revision = 'd2a8f5c71e3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failed_login_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('admin_users', schema=None) as batch_op:
        batch_op.drop_column('last_failed_login_at')
