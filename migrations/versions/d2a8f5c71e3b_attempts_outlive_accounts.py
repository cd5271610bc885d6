"""Verification attempts outlive the account: WeChat subject, optional user

Attempts are the security record of identity checks and stay for their retention period after
the account is deleted: the account link (user_id) is emptied and the keyed hash of the WeChat
identity (wechat_subject) says whose attempts they were. Rows written before this revision get
their subject when their account is deleted.

Revision ID: d2a8f5c71e3b
Revises: b7d41e2c9a10
Create Date: 2026-12-06 21:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd2a8f5c71e3b'
down_revision = 'b7d41e2c9a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('verification_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_subject', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_verification_attempts_wechat_subject'), ['wechat_subject'],
                              unique=False)
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Records of deleted accounts cannot go back under a NOT NULL user_id.
    op.execute("DELETE FROM verification_attempts WHERE user_id IS NULL")
    with op.batch_alter_table('verification_attempts', schema=None) as batch_op:
        batch_op.alter_column('user_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_verification_attempts_wechat_subject'))
        batch_op.drop_column('wechat_subject')
