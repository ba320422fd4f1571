"""audit chain: each audit record carries its place in the chain, the previous digest and its own

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 18:40:00.000000

"""
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

# The backfill must hash exactly as `audit-verify` checks, so it uses the chain's own pure functions.
from portal.audit.chain import FIELDS, GENESIS, record_digest

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

audit_records = sa.table(
    'audit_records',
    sa.column('id', sa.Integer()),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.Integer()),
    sa.column('details', sa.JSON()),
    sa.column('ip', sa.String()),
    sa.column('user_agent', sa.String()),
    sa.column('seq', sa.Integer()),
    sa.column('prev_digest', sa.String()),
    sa.column('digest', sa.String()),
)


def upgrade():
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_records_seq'), ['seq'])
    _chain_existing_records()


def _chain_existing_records():
    """Seal the records already there in the order they were written, so an upgraded database verifies."""
    bind = op.get_bind()
    columns = [audit_records.c[name] for name in FIELDS if name not in ('seq', 'prev_digest')]
    rows = bind.execute(sa.select(*columns).order_by(audit_records.c.id)).mappings().all()
    previous, updates = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        sealed = SimpleNamespace(**row, seq=seq, prev_digest=previous)
        previous = record_digest(sealed)
        updates.append({'row_id': row['id'], 'new_seq': seq, 'new_prev': sealed.prev_digest, 'new_digest': previous})
    if updates:
        bind.execute(
            audit_records.update().where(audit_records.c.id == sa.bindparam('row_id'))
            .values(seq=sa.bindparam('new_seq'), prev_digest=sa.bindparam('new_prev'),
                    digest=sa.bindparam('new_digest')),
            updates,
        )


def downgrade():
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_records_seq'), type_='unique')
        batch_op.drop_column('digest')
        batch_op.drop_column('prev_digest')
        batch_op.drop_column('seq')
