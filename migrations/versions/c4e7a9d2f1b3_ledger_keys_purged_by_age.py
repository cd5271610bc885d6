"""Subscription ledger keys found by age: the retention purge deletes old accepts and receipts

`flask privacy purge` deletes subscription_grants and subscription_receipts older than the
retention period every day; an index on their time keeps that from reading the whole table.

Revision ID: c4e7a9d2f1b3
Revises: a5d9e2f4b6c8
Create Date: 2026-12-07 17:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c4e7a9d2f1b3'
down_revision = 'a5d9e2f4b6c8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscription_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_grants_accepted_at'), ['accepted_at'], unique=False)
    with op.batch_alter_table('subscription_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_receipts_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('subscription_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_receipts_received_at'))
    with op.batch_alter_table('subscription_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscription_grants_accepted_at'))
