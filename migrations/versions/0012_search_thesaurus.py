"""search thesaurus: administrators' entries and the version counter every node compares

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_thesaurus',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=50), nullable=False),
        sa.Column('expands', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_thesaurus')),
    )
    versions = op.create_table(
        'search_versions',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_search_versions')),
    )
    op.bulk_insert(versions, [{'name': 'thesaurus', 'version': 0}])


def downgrade():
    op.drop_table('search_versions')
    op.drop_table('search_thesaurus')
