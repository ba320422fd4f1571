"""The PostgreSQL backend (SEARCH_BACKEND=postgresql): documents in one table, a weighted tsvector with a GIN
index, written in the same transaction as the change — no index per node, nothing to keep in step.

This module is the backend (what portal.search calls); documents are written by postgresql_writer.py and
read as bitsets by postgresql_reader.py. Text is analysed in Python, by the same analyzers as the Whoosh
index (jieba words with their positions, bigrams, word pairs), and stored as lexemes named by their field
("name:红外", "name_bi:热像", "sector=special_imaging"), so a plan's leaf is a tsquery of the very terms
Whoosh would look up: a Term is a lexeme, Terms an `&`, a Phrase `<->`, a Prefix `:*`. Each lexeme
carries its field's weight class (weight ≥ 6 → A, ≥ 3 → B, ≥ 1.5 → C, else D).

Searching reads, for each leaf and filter of the plan, which documents it matches — the object ids of
a GIN bitmap scan, packed into one bytea per leaf, all the leaves a search has not met in one statement —
as a bitset, and ranks the page from the bitsets with the Whoosh backend's code (ranking.py): the same
weights (boost × idf), tiers and ties (the lower id first), so the same pages. Nothing evaluates a
vector row by row: the vectors live in the TOAST table (toast_tuple_target 128), the rows stay small, and
sequential scans are off for these statements (`_index_scans`). A word in 60 000 of 100 000 documents
costs about 17 ms the first time.

The bitsets are kept per process and kind (`PgDocSets`) for one version of the documents: each
transaction that writes documents first sets a new version (its transaction id) in `search_versions`,
holding that row's lock until it ends, so versions change in commit order; every statement that reads
bitsets reads the version too, and a search whose bitsets turn out older than the version starts again.
A transaction that wrote documents itself reads fresh bitsets and keeps none. The price: transactions
that write documents commit one after the other (they take the row's lock just before they commit).

A filter on a facet or a number (`sector=security`, `year=2023`) is a lexeme too; a range and the sort
by year read the `numbers` of every document of the kind (≈50 ms at 100 000, once per version).

Not done: `related` (matchmaking) weighs the key terms of the text by frequency × idf, without Whoosh's
key-term model.
"""

from collections import Counter

from sqlalchemy import delete, func, select, text

from portal.extensions import db
from portal.search import plan as p
from portal.search import postgresql_writer as writer
from portal.search import ranking, registry, sources
from portal.search.analysis import segment
from portal.search.backends import Found
from portal.search.models import SearchDocument
from portal.search.postgresql_reader import PgDocSets, Stale, idf, idf_terms
from portal.search.postgresql_writer import VERSION_SQL, WROTE

STALE_RETRIES = 3  # searches restarted because a change committed meanwhile; then read without keeping


class PostgresBackend:
    name = "postgresql"
    per_node = False  # one table every node shares, restored with the database: nothing for a node to keep up

    # --- writing: in the caller's transaction ------------------------------------------------------

    def __init__(self):
        self._cache: dict[tuple[str, str], PgDocSets] = {}

    def index(self, kind: str, documents: list[dict]) -> None:
        writer.index(kind, documents)

    def delete(self, kind: str, ids: list[int]) -> None:
        writer.delete_documents(kind, ids)

    def apply(self, changes: dict[str, set[int]]) -> None:
        writer.apply(changes)

    def sync(self, timeout: float | None = None) -> int:
        return 0  # every change is written by the transaction that made it (see install())

    def rebuild(self, progress=None, only_if_missing: bool = False) -> dict[str, int]:
        if only_if_missing and db.session.scalar(select(func.count()).select_from(SearchDocument)):
            return {}
        counts = {}
        writer.new_version()
        for doctype in registry.types():
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == doctype.kind))
            total, done, batch = sources.count(doctype.kind), 0, []
            for document in sources.every_document(doctype.kind):
                done += 1
                if document is not None:
                    batch.append(document)
                if len(batch) >= 500:
                    writer.copy(doctype.kind, batch)
                    batch = []
                if progress and (done % 1000 == 0 or done == total):
                    progress(doctype.kind, done, total)
            writer.copy(doctype.kind, batch)
            counts[doctype.kind] = done
        # The new entries into the GIN index proper (a search reads its list of pending entries whole),
        # and statistics of the new vectors, so the planner knows how many documents each word is in.
        db.session.execute(text("SELECT gin_clean_pending_list('ix_search_documents_tsv')"))
        db.session.execute(text("ANALYZE search_documents"))
        return counts

    # --- reading ----------------------------------------------------------------------------------

    def docsets(self, kind: str, attempt: int = 0) -> "PgDocSets":
        """The bitsets of `kind`'s documents as of the version this transaction sees: kept by this process
        until the next change, or fresh (and never kept) in a transaction that writes documents itself
        or when no version is recorded."""
        version = db.session.scalar(text(VERSION_SQL))
        if version is None or db.session.info.get(WROTE) or attempt >= STALE_RETRIES:
            return PgDocSets(kind, None)
        key = (db.engine.url.render_as_string(hide_password=True), kind)
        found = self._cache.get(key)
        if found is None or found.version != version:
            found = self._cache[key] = PgDocSets(kind, version)
        return found

    def _ranked(self, kind: str, work):
        """`work(docsets)`, again with fresh bitsets when a change commits while it reads them."""
        attempt = 0
        while True:
            docsets = self.docsets(kind, attempt)
            try:
                return work(docsets)
            except Stale:
                self._cache.pop((db.engine.url.render_as_string(hide_password=True), kind), None)
                attempt += 1

    def search(self, kind: str, plan: p.Plan, conditions: list, offset: int, limit: int,
               sort: str = "relevance", expansions: bool = False) -> Found:
        def work(docsets: PgDocSets) -> Found:
            docsets.prefetch(list(conditions) + p.leaves(plan) + idf_terms(plan.scored()))
            allowed = docsets.bits(list(conditions)) if conditions else None
            ids, total, full_total = ranking.ranked(docsets, plan, allowed, offset, limit, by_year=sort == "year")
            found = Found(docsets.stored(ids), total, full_total)
            if expansions and plan.expansions and total:
                found.matched_expansions = ranking.useful_expansions(docsets, plan, allowed)
            return found

        return self._ranked(kind, work)

    def count(self, kind: str, plan: p.Plan, conditions: list) -> int:
        return self.search(kind, plan, conditions, 0, 0).total

    def related(self, kind: str, text_: str, limit: int, conditions: list) -> list[tuple[int, list[str]]]:
        """The documents sharing the key terms of `text_` (frequency in it × idf in the bodies), each
        weighing double in the title; ranked from bitsets as searches are."""
        doctype = registry.get(kind)
        words = Counter(w.lower() for w, _p, _s, _e in segment(text_[:5000]) if len(w) > 1)
        if not words:
            return []
        candidates = [w for w, _n in words.most_common(60)]
        fields = ((doctype.title.name, 2.0), ("body", 1.0), ("tags", 1.0))

        def work(docsets: PgDocSets) -> list[tuple[int, list[str]]]:
            if not docsets.size:
                return []
            body = [p.Term("body", w) for w in candidates]
            docsets.prefetch(body + list(conditions))
            keys = sorted(((w, words[w] * idf(docsets.size, docsets.bits(t).bit_count()))
                           for w, t in zip(candidates, body, strict=True) if docsets.bits(t)),
                          key=lambda pair: -pair[1])[:12]
            if not keys:
                return []
            docsets.prefetch([p.Term(f, w) for w, _x in keys for f, _b in fields])
            allowed = docsets.bits(list(conditions)) if conditions else -1
            weighted, per_key, matches = [], [], 0
            for word, weight in keys:
                either = 0
                for field, boost in fields:
                    bits = docsets.bits(p.Term(field, word)) & allowed
                    weighted.append((boost * weight, bits))
                    either |= bits
                per_key.append(either)
                matches |= either
            if not matches:
                return []
            weighted.sort(key=lambda pair: pair[0], reverse=True)
            ids = ranking._page(ranking._groups({0: matches}, weighted, limit), 0, limit)
            return [(ident, [w for (w, _x), bits in zip(keys, per_key, strict=True) if bits >> ident & 1])
                    for ident in ids]

        return self._ranked(kind, work)

    def remember(self, kind: str, key, compute):
        """`compute()` once per version of `kind`'s documents in this process (each time in a transaction
        that writes documents itself)."""
        return self._ranked(kind, lambda docsets: docsets.remember(key, compute))

    def applied_up_to(self) -> int | None:
        from portal.search.models import SearchChange

        return db.session.scalar(select(func.max(SearchChange.id))) or 0

    def position(self) -> dict:
        """Every node shares the documents, written by the transaction that changed them: nothing to catch up
        with, and the search answers as soon as the database does. The generation is the documents' version."""
        version = db.session.scalar(text(VERSION_SQL))
        return {"ready": True, "generation": version, "cursor": None, "gaps": ()}

    def status(self) -> dict:
        counts = dict(db.session.execute(select(SearchDocument.kind, func.count())
                                         .group_by(SearchDocument.kind)).all())
        return {"built": bool(counts), "cursor": self.applied_up_to(), "built_at": None,
                "documents": {t.index: counts.get(t.kind, 0) for t in registry.types()}}
