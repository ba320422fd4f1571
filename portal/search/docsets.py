"""Which documents a plan's clauses match, as bitsets (Python ints), cached per searcher (Whoosh backend).

A bitset per leaf of a plan (term, terms, phrase, prefix — plan.py) or filter, read from its postings
the first time the searcher meets it and kept for the life of the searcher, turns counting, facet filters and ranking
(ranking.py) into a few `&`, `|` and `bit_count()` on ints. The cache holds index data, not results:
a new query made of known words costs no posting reads, and it dies with the searcher, so it never
outlives an index change.
"""

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace

from whoosh import query as wq

from portal.search import plan as p
from portal.search.registry import Match, Range
from portal.search.whoosh_adapter import deleted_docs, set_all, set_posting_ids

MAX_ENTRIES = 2048
MAX_ANSWERS = 1024
_AS_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


class DocSets:
    """Bitsets of the leaves of queries (terms, phrases, prefixes) for one searcher."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._cache: OrderedDict = OrderedDict()
        self._weights: dict = {}
        self._years: list[tuple[int, int]] | None = None
        self._answers: OrderedDict = OrderedDict()
        self._deleted: dict[int, list[int]] = {}

    def remember(self, key, compute):
        """The answer to a question about this searcher's documents, computed once (e.g. the products
        related to a scenario's text); dropped with the searcher, so it never outlives an index change."""
        if key in self._answers:
            self._answers.move_to_end(key)
            return self._answers[key]
        answer = self._answers[key] = compute()
        while len(self._answers) > MAX_ANSWERS:
            self._answers.popitem(last=False)
        return answer

    def bits(self, q) -> int:
        """The documents `q` matches (a plan leaf, a Unit, a filter or a list of filters all required),
        as a bitset; boosts do not change it."""
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
        if isinstance(q, p.Terms):
            return self.bits([p.Term(q.field, text) for text in q.texts])
        return self._leaf(q)

    def _leaf(self, q) -> int:
        key = _unboosted(q)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if isinstance(q, p.Term | Match):
            result = self._term_bits(q.field, q.text if isinstance(q, p.Term) else q.value)
        else:
            result = self.from_docs(self.searcher.docs_for_query(to_whoosh(q)))
        self._cache[key] = result
        if len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return result

    def weight(self, q) -> float:
        """What matching `q` adds to a document's score: its boost times the idf of its terms (a term
        counted once, no length normalisation); a prefix scores its boost, as in Whoosh."""
        key = _unboosted(q)
        base = self._weights.get(key)
        if base is None:
            if isinstance(q, p.Term):
                base = self._idf(q.field, q.text)
            elif isinstance(q, p.Phrase):
                base = sum(self._idf(q.field, word) for word in q.words)
            elif isinstance(q, p.Terms):
                base = sum(self._idf(q.field, text) for text in q.texts)
            else:
                base = 1.0
            if len(self._weights) > MAX_ENTRIES:
                self._weights.clear()
            self._weights[key] = base
        return base * q.boost

    def idf_of(self, bits: int) -> float:
        """The rarity of what a bitset holds (BM25's idf of its document count)."""
        df = bits.bit_count()
        return math.log(1 + (self.size - df + 0.5) / (df + 0.5))

    def _idf(self, fieldname: str, text) -> float:
        # An index of an older format may lack a field the queries use: nothing matches there.
        return self.searcher.idf(fieldname, text) if fieldname in self.searcher.schema else 0.0

    def years(self) -> list[tuple[int, int]]:
        """[(year, documents of that year)], newest first; documents without a year come last."""
        if self._years is None:
            field = self.searcher.schema["year"]
            years = [field.from_bytes(token) for token in field.sortable_terms(self.searcher.reader(), "year")]
            found = [(year, self._leaf(p.Term("year", year))) for year in sorted(years, reverse=True)]
            every = 0
            for _year, docs in found:
                every |= docs
            found.append((0, ((1 << self.size) - 1) & ~every))
            self._years = found
        return self._years

    def _term_bits(self, fieldname: str, text) -> int:
        """The documents holding one term, read from its postings block by block: only the document
        numbers of a block are decoded, never its weights or positions, and they are set in C."""
        flags = bytearray(self.size)
        if fieldname in self.searcher.schema:
            for sub, offset in self.searcher.leaf_searchers():
                reader = sub.reader()
                if (fieldname, text) not in reader:
                    continue
                set_posting_ids(reader, fieldname, text, memoryview(flags)[offset:].__setitem__)
                for doc in self._deleted_in(offset, reader):
                    flags[offset + doc] = 0
        return _as_bits(flags)

    def _deleted_in(self, offset: int, reader) -> list[int]:
        if offset not in self._deleted:
            self._deleted[offset] = deleted_docs(reader)
        return self._deleted[offset]

    def from_docs(self, docnums: Iterable[int]) -> int:
        flags = bytearray(self.size)
        set_all(flags.__setitem__, docnums)
        return _as_bits(flags)


def _unboosted(q):
    return (type(q), replace(q, boost=1.0) if isinstance(q, p.Term | p.Terms | p.Phrase | p.Prefix) else q)


def to_whoosh(q):
    """The Whoosh query of a plan leaf or a filter."""
    if isinstance(q, p.Term | Match):
        return wq.Term(q.field, q.text if isinstance(q, p.Term) else q.value, boost=getattr(q, "boost", 1.0))
    if isinstance(q, p.Terms):
        return wq.And([wq.Term(q.field, text) for text in q.texts], boost=q.boost)
    if isinstance(q, p.Phrase):
        return wq.Phrase(q.field, list(q.words), boost=q.boost)
    if isinstance(q, p.Prefix):
        return wq.Prefix(q.field, q.text, boost=q.boost)
    if isinstance(q, Range):
        return wq.NumericRange(q.field, q.low, q.high)
    if isinstance(q, p.Unit):
        return wq.Or([to_whoosh(c) for c in q.clauses + q.also])
    raise TypeError(f"not a search clause: {q!r}")


def _as_bits(flags: bytearray) -> int:
    """One byte per document (0 or 1) as a bitset: document n is bit n."""
    return int(flags.translate(_AS_DIGITS)[::-1], 2) if flags else 0


def first_bits(bits: int, count: int) -> list[int]:
    """The `count` lowest document numbers of a bitset, in order."""
    if count > 64:
        return sorted(to_set(bits))[:count]
    out = []
    while bits and len(out) < count:
        low = bits & -bits
        out.append(low.bit_length() - 1)
        bits ^= low
    return out


def to_set(bits: int) -> set[int]:
    """The document numbers of a bitset."""
    out = set()
    data = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            for bit in range(8):
                if byte >> bit & 1:
                    out.add(base + bit)
    return out
