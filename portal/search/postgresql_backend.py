"""The PostgreSQL backend (SEARCH_BACKEND=postgresql): documents in one table, a weighted tsvector with a GIN
index, written in the same transaction as the change — no index per node, nothing to keep in step.

Text is analysed here, in Python, by the same analyzers as the Whoosh index (jieba words with their
positions, bigrams, word pairs), and stored as lexemes named by their field ("name:红外", "name_bi:热像",
"sector=special_imaging"), so a plan's leaf is a tsquery of the very terms Whoosh would look up:
a Term is a lexeme, Terms an `&`, a Phrase `<->`, a Prefix `:*`. Each lexeme carries its field's weight
class (weight ≥ 6 → A, ≥ 3 → B, ≥ 1.5 → C, else D).

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

import json
import math
import sys
import threading
from array import array
from collections import Counter, OrderedDict, deque
from contextlib import contextmanager
from dataclasses import replace
from itertools import repeat

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, select, text
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.search import plan as p
from portal.search import ranking, registry, sources
from portal.search.analysis import _bigram_tokens, clean, exact_form, segment, word_pairs
from portal.search.backends import Found
from portal.search.models import SearchDocument
from portal.search.registry import BIGRAMS, EXACT, FACET, NUMBER, PAIRS, STORED, WORDS, Match, Range

MAX_POSITION = 16383  # PostgreSQL's largest tsvector position
MAX_POSITIONS = 255  # positions kept per lexeme (PostgreSQL keeps 256)
MAX_LEXEME_BYTES = 2000  # PostgreSQL refuses lexemes over 2046 bytes
MAX_ENTRIES = 2048  # bitsets kept per kind and version (12.5 kB each at 100 000 documents)
MAX_ANSWERS = 1024  # remembered answers (matchmaking) per kind and version
STALE_RETRIES = 3  # searches restarted because a change committed meanwhile; then read without keeping

# The version of the documents: a token (the writing transaction's id) set by every transaction that
# writes documents, under the row's lock, so two transactions never commit the same one.
VERSION = "documents"
VERSION_SQL = "SELECT version FROM search_versions WHERE name = 'documents'"
WROTE = "search_documents_written"  # session.info: this transaction wrote documents
PACKED = "string_agg(int4send(object_id), ''::bytea)"
COLUMNS = ("kind", "object_id", "tsv", "stored", "numbers")
UPSERT = text("INSERT INTO search_documents (kind, object_id, tsv, stored, numbers) "
              "VALUES (:kind, :object_id, CAST(:tsv AS tsvector), CAST(:stored AS json), CAST(:numbers AS json)) "
              "ON CONFLICT (kind, object_id) DO UPDATE SET tsv = excluded.tsv, stored = excluded.stored, "
              "numbers = excluded.numbers")


def _weight_class(weight: float) -> str:
    return "A" if weight >= 6 else "B" if weight >= 3 else "C" if weight >= 1.5 else "D"


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _positional(f: registry.Field) -> bool:
    """Whether a query may look for the field's terms in place (a Phrase: words of a phrase field, bigrams);
    the other lexemes are stored without positions, so without a weight class either."""
    return f.kind == BIGRAMS or (f.kind == WORDS and f.phrase)


def lexemes(doctype: registry.DocumentType, document: dict) -> dict[str, list[str]]:
    """{lexeme: [position and weight class, as in a tsvector]} of a document, as the Whoosh schema would
    index it; no positions for a lexeme no phrase looks up."""
    out: dict[str, list[str]] = {}
    pairs_of = {f.pairs: f.name for f in doctype.fields if f.pairs}
    for f in doctype.fields:
        source = f.of if f.kind in (BIGRAMS, EXACT) and f.of else pairs_of.get(f.name) if f.kind == PAIRS else f.name
        value = document.get(f.name, document.get(source) if source else None)
        if value is None or f.kind == STORED:
            continue
        if f.name == "id":
            out[f"id:{value}"] = []
            continue
        if f.kind in (FACET, NUMBER):  # a value to filter on: a Match is one lexeme
            out[f"{f.name}={value}"] = []
            continue
        if f.kind == WORDS:
            tokens = ((word.lower(), pos) for word, pos, _s, _e in segment(str(value)))
        elif f.kind == BIGRAMS:
            tokens = ((gram, pos) for gram, pos, _s, _e in _bigram_tokens(clean(str(value))))
        elif f.kind == PAIRS:
            tokens = ((pair, pos) for pair, pos, _s, _e in word_pairs(str(value)))
        elif f.kind == EXACT:
            tokens = iter([(exact_form(str(value)) or "-", 0)])
        else:
            continue
        prefix = f"{f.name}:"
        if not _positional(f):
            for term, _pos in tokens:
                out.setdefault(prefix + term, [])
            continue
        weight = _weight_class(f.weight).replace("D", "")
        for term, pos in tokens:
            places = out.get(prefix + term)
            if places is None:
                places = out[prefix + term] = []
            if len(places) < MAX_POSITIONS:
                places.append(f"{min(pos + 1, MAX_POSITION)}{weight}")
    # A run of letters that long is no word anyone searches for (and PostgreSQL refuses such a lexeme).
    for lexeme in [x for x in out if len(x) > MAX_LEXEME_BYTES // 4
                   and len(x.encode("utf-8", "replace")) > MAX_LEXEME_BYTES]:
        del out[lexeme]
    return out


def tsvector_literal(found: dict[str, list[str]]) -> str:
    """The tsvector's text (PostgreSQL sorts the lexemes and their positions, and drops repeated ones)."""
    return " ".join(_quote(lexeme) + (":" + ",".join(places) if places else "") for lexeme, places in found.items())


def _rows(kind: str, documents: list[dict]):
    """The documents as rows of search_documents (COLUMNS), vectors and JSON as text."""
    doctype = registry.get(kind)
    numbers = [f.name for f in doctype.fields if f.kind == NUMBER]
    stored = [f.name for f in doctype.fields if f.stored or f.kind == STORED]
    for document in documents:
        ident = int(document["id"])
        yield (kind, ident, tsvector_literal(lexemes(doctype, document)),
               json.dumps({name: document.get(name) for name in stored if name in document} | {"id": str(ident)},
                          ensure_ascii=False, default=str),
               json.dumps({name: document.get(name) for name in numbers if document.get(name) is not None},
                          default=str))


def tsquery(q) -> str:
    """The tsquery text of a plan leaf, a Unit or a Match on a facet."""
    if isinstance(q, p.Term):
        return _quote(f"{q.field}:{q.text}")
    if isinstance(q, p.Terms):
        return "(" + " & ".join(_quote(f"{q.field}:{t}") for t in q.texts) + ")"
    if isinstance(q, p.Phrase):
        return "(" + " <-> ".join(_quote(f"{q.field}:{w}") for w in q.words) + ")"
    if isinstance(q, p.Prefix):
        return _quote(f"{q.field}:{q.text}") + ":*"
    if isinstance(q, p.Unit):
        return "(" + " | ".join(tsquery(c) for c in q.clauses + q.also) + ")"
    if isinstance(q, Match):
        return _quote(f"{q.field}={q.value}")
    raise TypeError(f"not a search clause: {q!r}")


class PostgresBackend:
    name = "postgresql"
    per_node = False  # one table every node shares, restored with the database: nothing for a node to keep up

    # --- writing: in the caller's transaction ------------------------------------------------------

    def __init__(self):
        self._cache: dict[tuple[str, str], PgDocSets] = {}

    def index(self, kind: str, documents: list[dict]) -> None:
        if not documents:
            return
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in _rows(kind, documents)]
        new_version()
        db.session.execute(UPSERT, rows)

    def _copy(self, kind: str, documents: list[dict]) -> None:
        """Add documents of a kind just emptied by this transaction (a rebuild), through COPY."""
        new_version()
        with db.session.connection().connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY search_documents ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in _rows(kind, documents):
                copy.write_row(row)

    def delete(self, kind: str, ids: list[int]) -> None:
        if ids:
            new_version()
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == kind,
                                                            SearchDocument.object_id.in_(list(ids))))

    def apply(self, changes: dict[str, set[int]]) -> None:
        for kind, ids in changes.items():
            if kind not in registry.kinds():
                continue
            documents = sources.documents(kind, ids)
            self.delete(kind, [i for i, d in documents.items() if d is None])
            self.index(kind, [d for d in documents.values() if d is not None])

    def sync(self, timeout: float | None = None) -> int:
        return 0  # every change is written by the transaction that made it (see install())

    def rebuild(self, progress=None, only_if_missing: bool = False) -> dict[str, int]:
        if only_if_missing and db.session.scalar(select(func.count()).select_from(SearchDocument)):
            return {}
        counts = {}
        new_version()
        for doctype in registry.types():
            db.session.execute(delete(SearchDocument).where(SearchDocument.kind == doctype.kind))
            total, done, batch = sources.count(doctype.kind), 0, []
            for document in sources.every_document(doctype.kind):
                done += 1
                if document is not None:
                    batch.append(document)
                if len(batch) >= 500:
                    self._copy(doctype.kind, batch)
                    batch = []
                if progress and (done % 1000 == 0 or done == total):
                    progress(doctype.kind, done, total)
            self._copy(doctype.kind, batch)
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
            docsets.prefetch(list(conditions) + p.leaves(plan) + _idf_terms(plan.scored()))
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
            keys = sorted(((w, words[w] * _idf(docsets.size, docsets.bits(t).bit_count()))
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


class Stale(Exception):  # noqa: N818 -- a signal, not an error
    """The documents changed while a search read their bitsets."""


class PgDocSets:
    """Which documents of one kind each plan leaf or filter matches, as bitsets (bit n: object id n),
    read through the GIN index — one statement for every leaf a search has not met yet — and kept for
    the life of a version of the documents. The same interface as the Whoosh backend's DocSets, so the
    page is ranked by the same code (ranking.py).

    Every statement also reads the version: when it is no longer the one the bitsets were read at,
    `Stale` is raised and the search starts again with fresh ones."""

    def __init__(self, kind: str, version: int | None):
        self.kind = kind
        self.version = version
        self._cache: OrderedDict = OrderedDict()
        self._answers: OrderedDict = OrderedDict()
        self._size: int | None = None
        self._years: list[tuple[int, int]] | None = None
        self._lock = threading.Lock()

    # what ranking.py asks

    @property
    def size(self) -> int:
        if self._size is None:
            version, self._size = db.session.execute(
                text(f"SELECT ({VERSION_SQL}), count(*) FROM search_documents WHERE kind = :kind"),  # noqa: S608 -- constant text  # nosec B608
                {"kind": self.kind}).one()
            self._check(version)
        return self._size

    def bits(self, q) -> int:
        """The documents `q` matches (a plan leaf, a Unit, a filter, or a list of filters all required)."""
        if isinstance(q, list | tuple):
            result = -1
            for sub in q:
                result &= self.bits(sub)
                if not result:
                    break
            return result if result != -1 else 0
        if isinstance(q, p.Unit):
            result = 0
            for sub in q.clauses + q.also:
                result |= self.bits(sub)
            return result
        key = _unboosted(q)
        while True:
            with self._lock:
                found = self._cache.get(key)
                if found is not None:
                    self._cache.move_to_end(key)
                    return found
            self.prefetch([q])

    def weight(self, q) -> float:
        """boost × the idf of the clause's terms (a term counted once); a prefix weighs its boost."""
        terms = _leaf_terms(q)
        if not terms:
            return q.boost
        size = self.size
        return q.boost * sum(_idf(size, self.bits(t).bit_count()) for t in terms)

    def idf_of(self, bits: int) -> float:
        df = bits.bit_count()
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def years(self) -> list[tuple[int, int]]:
        """[(year, documents of that year)], newest first; documents without a year last (year 0)."""
        if self._years is None:
            rows = db.session.execute(text(
                f"SELECT ({VERSION_SQL}), (numbers ->> 'year')::bigint AS year, "  # noqa: S608 -- constant text  # nosec B608
                f"{PACKED} FROM search_documents WHERE kind = :kind GROUP BY 2"), {"kind": self.kind}).all()
            for row in rows:
                self._check(row[0])
            found = sorted(((row[1], _to_bits(row[2])) for row in rows if row[1] is not None), reverse=True)
            found.append((0, next((_to_bits(row[2]) for row in rows if row[1] is None), 0)))
            self._years = found
        return self._years

    def remember(self, key, compute):
        if self.version is None:
            return compute()
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        answer = compute()
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > MAX_ANSWERS:
                self._answers.popitem(last=False)
        return answer

    # reading

    def prefetch(self, leaves: list) -> None:
        """Read the bitsets of the leaves (and filters) not yet known, in one statement."""
        wanted, combined = {}, []
        for leaf in leaves:
            if isinstance(leaf, p.Unit):
                for sub in leaf.clauses + leaf.also:
                    wanted.setdefault(_unboosted(sub), sub)
            elif isinstance(leaf, p.Terms):
                # A word's parts all in one field: the & of its terms' bitsets, each read once.
                combined.append(leaf)
                for t in leaf.texts:
                    wanted.setdefault(_unboosted(p.Term(leaf.field, t)), p.Term(leaf.field, t))
            else:
                wanted.setdefault(_unboosted(leaf), leaf)
        with self._lock:
            missing = [(key, leaf) for key, leaf in wanted.items() if key not in self._cache]
        for start in range(0, len(missing), 50):
            chunk = missing[start:start + 50]
            params, columns = {"kind": self.kind}, []
            for n, (_key, leaf) in enumerate(chunk):
                condition = self._condition(leaf, n, params)
                # `kind || ''`: never the primary key's index, whose every entry of the kind would be checked.
                columns.append(f"(SELECT {PACKED} FROM search_documents WHERE kind || '' = :kind AND {condition})")  # noqa: S608 -- placeholders only  # nosec B608
            if self._size is None:  # the number of documents, for the idf, with the first bitsets
                columns.append("(SELECT count(*) FROM search_documents WHERE kind = :kind)")
            with _index_scans():
                row = db.session.execute(text(f"SELECT ({VERSION_SQL}), {', '.join(columns)}"), params).one()  # noqa: S608 -- placeholders only; values are bound
            self._check(row[0])
            if len(row) > len(chunk) + 1:
                self._size = row[-1]
                row = row[:-1]
            found = [(key, _to_bits(packed)) for (key, _leaf), packed in zip(chunk, row[1:], strict=True)]
            self._keep(found)
        self._keep([(_unboosted(leaf), self.bits([p.Term(leaf.field, t) for t in leaf.texts])) for leaf in combined])

    def _keep(self, found: list[tuple]) -> None:
        with self._lock:
            for key, bits in found:
                self._cache[key] = bits
                self._cache.move_to_end(key)
            while len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)

    def _condition(self, leaf, n: int, params: dict) -> str:
        if isinstance(leaf, Range):  # read from every document's numbers: a few, with a range (scenarios)
            params[f"f{n}"] = leaf.field
            found = [f"numbers ->> :f{n} IS NOT NULL"]
            if leaf.low is not None:
                found.append(f"(numbers ->> :f{n})::bigint >= :low{n}")
                params[f"low{n}"] = leaf.low
            if leaf.high is not None:
                found.append(f"(numbers ->> :f{n})::bigint <= :high{n}")
                params[f"high{n}"] = leaf.high
            return " AND ".join(found)
        params[f"q{n}"] = tsquery(leaf)
        return f"tsv @@ CAST(:q{n} AS tsquery)"

    def stored(self, ids: list[int]) -> list[tuple[int, dict]]:
        """The stored fields of the documents, in the order given."""
        if not ids:
            return []
        rows = db.session.execute(text(f"SELECT ({VERSION_SQL}) AS version, object_id, stored "  # noqa: S608 -- constant text  # nosec B608
                                       "FROM search_documents WHERE kind = :kind AND object_id = ANY(:ids)"),
                                  {"kind": self.kind, "ids": list(ids)}).all()
        for row in rows:
            self._check(row.version)
        found = {row.object_id: dict(row.stored) for row in rows}
        if len(found) != len(set(ids)):
            self._check(object())  # a document left between the statements
        return [(ident, found[ident]) for ident in ids if ident in found]

    def _check(self, version) -> None:
        if self.version is not None and version != self.version:
            raise Stale


@contextmanager
def _index_scans():
    """No sequential scan for the statement run inside: the planner prices `tsv @@ q` on each row at a
    few operator calls, but each call reads and decompresses the document's vector from the TOAST table,
    so a scan of the GIN index is always cheaper (100 000 documents, a word in 60 000 of them: 660 ms
    scanned, 17 ms through the index)."""
    before = db.session.scalar(text("SELECT current_setting('enable_seqscan') || "
                                    "left(set_config('enable_seqscan', 'off', true), 0)"))
    yield  # after an error the transaction is rolled back, and the setting with it
    db.session.execute(text("SELECT set_config('enable_seqscan', :before, true)"), {"before": before})


def _unboosted(q):
    return (type(q), replace(q, boost=1.0) if isinstance(q, p.Term | p.Terms | p.Phrase | p.Prefix) else q)


def _leaf_terms(q) -> list:
    """The terms whose idf a clause sums, as Term leaves."""
    if isinstance(q, p.Term):
        return [p.Term(q.field, q.text)]
    if isinstance(q, p.Terms):
        return [p.Term(q.field, t) for t in q.texts]
    if isinstance(q, p.Phrase):
        return [p.Term(q.field, w) for w in q.words]
    return []


def _idf_terms(clauses) -> list:
    return [t for c in clauses for t in _leaf_terms(c)]


def _to_bits(packed: bytes | None) -> int:
    """Big-endian 4-byte object ids (int4send) as a bitset."""
    if not packed:
        return 0
    ids = array("i")
    ids.frombytes(packed)
    if sys.byteorder == "little":
        ids.byteswap()
    flags = bytearray(max(ids) + 1)
    deque(map(flags.__setitem__, ids, repeat(1)), maxlen=0)
    return int(flags.translate(_AS_DIGITS)[::-1], 2)


_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


def _idf(size: int, df: int) -> float:
    """Whoosh's idf: log(N / (df + 1)) + 1."""
    return math.log(size / (df + 1)) + 1 if size else 0.0


def new_version() -> None:
    """Give the documents a new version, once per transaction, before it writes any: the row stays locked
    until the transaction ends, so versions are set in commit order, and a process keeps its bitsets
    only for a version no transaction can still change."""
    if db.session.info.get(WROTE):
        return
    db.session.info[WROTE] = True
    db.session.execute(text("INSERT INTO search_versions (name, version) VALUES (:name, txid_current() % 2147483647) "
                            "ON CONFLICT (name) DO UPDATE SET version = excluded.version"), {"name": VERSION})


def note_change(kind: str, object_id: int) -> None:
    """Remember, in the session, a change to write before the transaction commits."""
    db.session.info.setdefault("search_changes", set()).add((kind, object_id))


@event.listens_for(Session, "before_commit")
def _write_changes(session):
    changes = session.info.pop("search_changes", None)
    if not changes or not has_app_context() or current_app.config.get("SEARCH_BACKEND") != "postgresql":
        return
    wanted: dict[str, set[int]] = {}
    for kind, object_id in changes:
        wanted.setdefault(kind, set()).add(object_id)
    session.flush()
    PostgresBackend().apply(wanted)
    session.flush()


@event.listens_for(Session, "after_commit")
def _written(session):
    session.info.pop(WROTE, None)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session, _previous):
    session.info.pop(WROTE, None)  # the version may have been set in it: set it again (same value) if needed


@event.listens_for(Session, "after_rollback")
def _forget_changes(session):
    session.info.pop("search_changes", None)
    session.info.pop(WROTE, None)
