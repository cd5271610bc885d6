"""Subscribe messages' delivery reports, each counted once by its MsgID

A subscribe_msg_sent_event item is recorded under a hash of the MsgID of the message it reports
on (unique), so a report WeChat sends again after the callback's de-duplication window has
passed does not count the delivery twice in the ledger.

Revision ID: f3b8d2c4a917
Revises: f1b3c8d0a4e6
Create Date: 2026-12-07 00:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f3b8d2c4a917'
down_revision = 'f1b3c8d0a4e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('subscription_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=128), nullable=False),
    sa.Column('receipt_key', sa.String(length=64), nullable=False),
    sa.Column('error_code', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_subscription_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscription_receipts')),
    sa.UniqueConstraint('receipt_key', name=op.f('uq_subscription_receipts_receipt_key'))
    )
    with op.batch_alter_table('subscription_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscription_receipts_user_id'), ['user_id'], unique=False)


def downgrade():
    # The table's indexes go with it (MySQL will not drop the user_id index its foreign key needs).
    op.drop_table('subscription_receipts')
