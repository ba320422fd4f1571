"""policy settings: review rules the platform admin sets, overriding the configuration

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policy_settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                                name=op.f('fk_policy_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_policy_settings')),
    )


def downgrade():
    op.drop_table('policy_settings')
