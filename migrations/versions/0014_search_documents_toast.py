"""search documents: vectors kept out of the rows (toast_tuple_target 128), so GIN matches read few pages;
a short list of pending GIN entries (256 kB), which every search reads whole

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11 09:00:00.000000

Rows written before this revision keep their vectors inline until they are written again:
`flask --app wsgi reindex` (or the next change of each document) moves them.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 128)")
        op.execute("ALTER INDEX ix_search_documents_tsv SET (gin_pending_list_limit = 256)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_search_documents_tsv RESET (gin_pending_list_limit)")
        op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
