"""synonyms in the database: the administrators' synonym table, shared by every node (it was a file in each
node's instance folder; an existing file is imported when the portal starts, portal/catalogue/synonyms.py)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_synonyms',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_search_synonyms_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_synonyms')),
    )


def downgrade():
    op.drop_table('search_synonyms')
