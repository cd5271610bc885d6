"""PII key rotations: the record `flask pii rotate-key` and `pii retire-key` keep

Revision ID: f1b3c8d0a4e6
Revises: e4c9a1b7d052
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f1b3c8d0a4e6'
down_revision = 'e4c9a1b7d052'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pii_key_rotations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('from_key_id', sa.String(length=16), nullable=False),
        sa.Column('to_key_id', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('values_reencrypted', sa.Integer(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('from_key_id', 'to_key_id'),
    )


def downgrade():
    op.drop_table('pii_key_rotations')
