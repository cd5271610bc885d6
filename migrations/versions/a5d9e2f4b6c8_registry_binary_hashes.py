"""Registry look-up hashes as 32 raw bytes instead of 64 hex characters

Revision ID: a5d9e2f4b6c8
Revises: f3b8d6a1c2e9
Create Date: 2026-12-07 07:10:00

Each hash column is rebuilt beside the old one (the hex decoded into it), then takes its name,
nullability and index back. Down converts the bytes to lower-case hex again, as written before.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'a5d9e2f4b6c8'
down_revision = 'f3b8d6a1c2e9'
branch_labels = None
depends_on = None

#: (table, column, nullable, unique): unique columns have a uq_ constraint, the others an ix_ index.
HASHES = (
    ('people', 'phone_hash', True, False),
    ('people', 'pr_id_hash', True, True),
    ('identity_documents', 'number_hash', False, False),
    ('work_permits', 'permit_number_hash', False, True),
    ('social_security_accounts', 'ssn_hash', False, True),
)

#: 32 bytes: BINARY(32) on MariaDB, a BLOB on SQLite (as app.columns.HashBytes).
HASH_BYTES = sa.LargeBinary(length=32).with_variant(sa.BINARY(length=32), 'mysql')

#: SQLite rows converted per statement when the conversion runs in Python.
CHUNK = 5000


def upgrade():
    for table, column, nullable, unique in HASHES:
        _rebuild(table, column, nullable, unique, sa.String(length=64), HASH_BYTES, _to_bytes)


def downgrade():
    for table, column, nullable, unique in HASHES:
        _rebuild(table, column, nullable, unique, HASH_BYTES, sa.String(length=64), _to_hex)


def _to_bytes(conn, table, source, target):
    """Fill `target` with the bytes the hex in `source` stands for."""
    if conn.dialect.name == 'sqlite':
        _convert_in_python(conn, table, source, target, bytes.fromhex)
    else:
        op.execute(f'UPDATE {table} SET {target} = UNHEX({source})')


def _to_hex(conn, table, source, target):
    """Fill `target` with the lower-case hex of the bytes in `source`."""
    op.execute(f'UPDATE {table} SET {target} = LOWER(HEX({source})) WHERE {source} IS NOT NULL')


def _convert_in_python(conn, table, source, target, convert):
    """SQLite 3.40 has no UNHEX(): convert chunk by chunk, by id."""
    last = 0
    while True:
        rows = conn.execute(
            sa.text(
                f'SELECT id, {source} FROM {table} WHERE id > :last AND {source} IS NOT NULL '
                f'ORDER BY id LIMIT {CHUNK}'
            ),
            {'last': last},
        ).all()
        if not rows:
            return
        conn.execute(
            sa.text(f'UPDATE {table} SET {target} = :value WHERE id = :id'),
            [{'id': row_id, 'value': convert(value)} for row_id, value in rows],
        )
        last = rows[-1][0]


def _rebuild(table, column, nullable, unique, old_type, new_type, convert):
    """Replace `column` by a `new_type` column holding the converted values, same name and index."""
    conn = op.get_bind()
    temporary = f'{column}_new'
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(temporary, new_type, nullable=True))
    convert(conn, table, column, temporary)
    with op.batch_alter_table(table) as batch:
        if unique:
            batch.drop_constraint(f'uq_{table}_{column}', type_='unique')
        else:
            batch.drop_index(f'ix_{table}_{column}')
        batch.drop_column(column)
    with op.batch_alter_table(table) as batch:
        batch.alter_column(
            temporary, new_column_name=column, existing_type=new_type, nullable=nullable
        )
    with op.batch_alter_table(table) as batch:
        if unique:
            batch.create_unique_constraint(f'uq_{table}_{column}', [column])
        else:
            batch.create_index(f'ix_{table}_{column}', [column], unique=False)
