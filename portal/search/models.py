from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class SearchChange(db.Model):
    """An object whose search projection must be brought up to date; written with the change itself."""

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    object_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ThesaurusEntry(db.Model):
    """An administrator's thesaurus entry: `term` also finds each of `expands` (one a line)."""

    __tablename__ = "search_thesaurus"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(50))
    expands: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def expansions(self) -> list[str]:
        return [w for w in self.expands.split("\n") if w]


class SynonymTable(db.Model):
    """The administrators' synonym table (同义词表), one row (`id` 1): the text as they typed it, checked by
    `synonyms.parse` before it is saved. Saving raises the "thesaurus" SearchVersion, so every node's next
    search uses it."""

    __tablename__ = "search_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SearchVersion(db.Model):
    """A counter raised by every change of what it names ("thesaurus"): each process compares it with the
    version it has cached, so every node sees an administrator's change at its next search."""

    __tablename__ = "search_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class SearchDocument(db.Model):
    """A searchable document of the PostgreSQL backend (postgresql_backend.py; empty with Whoosh): its
    lexemes in a weighted tsvector under a GIN index, the fields shown with a hit, its numbers."""

    __tablename__ = "search_documents"
    # Vectors over 128 bytes go to the TOAST table: the rows the GIN index points to stay small (≈90 a
    # page), so reading which documents match a word reads few pages (postgresql_backend.py). The index's
    # list of pending entries, which every search reads whole, is kept short (256 kB, not 4 MB).
    __table_args__ = (Index("ix_search_documents_tsv", "tsv", postgresql_using="gin",
                            postgresql_with={"gin_pending_list_limit": 256}),
                      {"postgresql_with": {"toast_tuple_target": 128}})

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    object_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    tsv: Mapped[str] = mapped_column(Text().with_variant(postgresql.TSVECTOR(), "postgresql"))
    stored: Mapped[dict] = mapped_column(JSON)
    numbers: Mapped[dict] = mapped_column(JSON)
