"""Notice versions: draft, published, superseded or discarded

An edit of a published notice is kept as a draft version until a publisher publishes it; readers
keep the published text meanwhile. Every version written before this revision went out when it was
made, so it is `published` at its creation time.

Revision ID: f3b8d6a1c2e9
Revises: f3b8d2c4a917
Create Date: 2026-12-07 00:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f3b8d6a1c2e9'
down_revision = 'f3b8d2c4a917'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=False,
                                      server_default='published'))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('published_by_admin_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notice_versions_published_by_admin_id_admin_users'),
                                    'admin_users', ['published_by_admin_id'], ['id'])
    op.execute("UPDATE notice_versions SET published_at = created_at")


def downgrade():
    # Drafts never reached a reader; the old schema only knew versions that went out.
    op.execute("DELETE FROM notice_versions WHERE state <> 'published'")
    with op.batch_alter_table('notice_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notice_versions_published_by_admin_id_admin_users'),
                                 type_='foreignkey')
        batch_op.drop_column('published_by_admin_id')
        batch_op.drop_column('published_at')
        batch_op.drop_column('state')
