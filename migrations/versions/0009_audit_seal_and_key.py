"""audit records of sealed bids stored sealed; HMAC digests with AUDIT_KEY from here on

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:30:00.000000

Records already in the chain keep their plain SHA-256 digests (digest_scheme 1, the server default) and verify
as before; every record written after this revision carries an HMAC digest (scheme 2), and a scheme-1 record
after the first scheme-2 one is a break.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_scheme', sa.SmallInteger(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('sealed_scenario_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_records_sealed_scenario_id'), ['sealed_scenario_id'],
                              unique=False)


def downgrade():
    # Records written since carry HMAC digests and may be sealed: a downgraded portal cannot verify or read them.
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_records_sealed_scenario_id'))
        batch_op.drop_column('sealed')
        batch_op.drop_column('sealed_scenario_id')
        batch_op.drop_column('digest_scheme')
