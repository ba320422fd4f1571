"""sector follows

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 17:06:27.872997

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sector_follows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('sector', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_sector_follows_organization_id_organizations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sector_follows')),
        sa.UniqueConstraint('organization_id', 'sector', name=op.f('uq_sector_follows_organization_id')),
    )
    with op.batch_alter_table('sector_follows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sector_follows_sector'), ['sector'], unique=False)


def downgrade():
    with op.batch_alter_table('sector_follows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sector_follows_sector'))
    op.drop_table('sector_follows')
