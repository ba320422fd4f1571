"""storage markers: the id in the marker file of the upload folder the rows belong to

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-12 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'storage_markers',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_storage_markers')),
    )


def downgrade():
    op.drop_table('storage_markers')
