"""search documents: vectors kept out of the rows (toast_tuple_target 128), so GIN matches read few pages;
a short list of pending GIN entries (256 kB), which every search reads whole; numbers as lexemes
(year=2023), so a filter on one is read through the index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11 09:00:00.000000

Every document is written again here: its numbers added to its vector, which moves to the TOAST table;
and the documents get a version (postgresql_backend.py keeps bitsets per version).
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
        op.execute("UPDATE search_documents SET tsv = tsv || array_to_tsvector(ARRAY("
                   "SELECT key || '=' || value FROM json_each_text(numbers) WHERE value IS NOT NULL))")
        # A version of the documents, so each process may keep what it read of them until the next change.
        op.execute("INSERT INTO search_versions (name, version) VALUES ('documents', txid_current() % 2147483647) "
                   "ON CONFLICT (name) DO UPDATE SET version = excluded.version")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_search_documents_tsv RESET (gin_pending_list_limit)")
        op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
