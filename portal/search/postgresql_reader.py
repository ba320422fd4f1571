"""The PostgreSQL backend's reading side: which documents each plan leaf or filter matches, as bitsets read
through the GIN index and kept per process for one version of the documents (see postgresql_backend.py).
"""

import math
import sys
import threading
from array import array
from collections import OrderedDict, deque
from contextlib import contextmanager
from dataclasses import replace
from itertools import repeat

from sqlalchemy import text

from portal.extensions import db
from portal.search import plan as p
from portal.search.postgresql_writer import VERSION_SQL, quote
from portal.search.registry import Match, Range

MAX_ENTRIES = 2048  # bitsets kept per kind and version (12.5 kB each at 100 000 documents)
MAX_ANSWERS = 1024  # remembered answers (matchmaking) per kind and version
PACKED = "string_agg(int4send(object_id), ''::bytea)"


def tsquery(q) -> str:
    """The tsquery text of a plan leaf, a Unit or a Match on a facet."""
    if isinstance(q, p.Term):
        return quote(f"{q.field}:{q.text}")
    if isinstance(q, p.Terms):
        return "(" + " & ".join(quote(f"{q.field}:{t}") for t in q.texts) + ")"
    if isinstance(q, p.Phrase):
        return "(" + " <-> ".join(quote(f"{q.field}:{w}") for w in q.words) + ")"
    if isinstance(q, p.Prefix):
        return quote(f"{q.field}:{q.text}") + ":*"
    if isinstance(q, p.Unit):
        return "(" + " | ".join(tsquery(c) for c in q.clauses + q.also) + ")"
    if isinstance(q, Match):
        return quote(f"{q.field}={q.value}")
    raise TypeError(f"not a search clause: {q!r}")


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
        return q.boost * sum(idf(size, self.bits(t).bit_count()) for t in terms)

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


def idf_terms(clauses) -> list:
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


def idf(size: int, df: int) -> float:
    """Whoosh's idf: log(N / (df + 1)) + 1."""
    return math.log(size / (df + 1)) + 1 if size else 0.0
