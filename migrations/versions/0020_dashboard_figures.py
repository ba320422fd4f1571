"""dashboard figures counted ahead by the worker

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dashboard_figures',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('valid_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_dashboard_figures')),
    )


def downgrade():
    op.drop_table('dashboard_figures')
