"""search thesaurus: administrators' entries and the version counter every node compares; the documents
of the PostgreSQL search backend (weighted tsvector, GIN index)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

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
    op.create_table(
        'search_documents',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('object_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
        sa.Column('stored', sa.JSON(), nullable=False),
        sa.Column('numbers', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'object_id', name=op.f('pk_search_documents')),
    )
    op.create_index('ix_search_documents_tsv', 'search_documents', ['tsv'], unique=False, postgresql_using='gin')


def downgrade():
    op.drop_index('ix_search_documents_tsv', table_name='search_documents', postgresql_using='gin')
    op.drop_table('search_documents')
    op.drop_table('search_versions')
    op.drop_table('search_thesaurus')
