"""a batch's cap on standing proposals per enterprise (default 3)

Revision ID: 0027_caps
Revises: 0026_capab
Create Date: 2026-12-07 17:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_caps'
down_revision = '0026_capab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_cap', sa.Integer(), server_default='3', nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_batches_proposal_cap_positive'), 'proposal_cap >= 1')


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_batches_proposal_cap_positive'), type_='check')
        batch_op.drop_column('proposal_cap')
