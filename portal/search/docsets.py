"""Which documents a query matches, as bitsets (Python ints), cached per searcher.

A bitset per leaf of a query (term, phrase, prefix), read from its postings the first time the
searcher meets it and kept for the life of the searcher, turns counting, facet filters and ranking
(ranking.py) into a few `&`, `|` and `bit_count()` on ints. The cache holds index data, not results:
a new query made of known words costs no posting reads, and it dies with the searcher, so it never
outlives an index change.
"""

from collections import OrderedDict
from collections.abc import Iterable
from itertools import accumulate, repeat

from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher

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
        """The documents `q` matches, as a bitset; boosts and optional clauses do not change it."""
        if isinstance(q, wq.And):
            result = -1
            for sub in q.subqueries:
                result &= self.bits(sub)
                if not result:
                    break
            return result if result != -1 else 0
        if isinstance(q, wq.Or):
            result = 0
            for sub in q.subqueries:
                result |= self.bits(sub)
            return result
        if isinstance(q, wq.AndMaybe):
            return self.bits(q.a)
        return self._leaf(q)

    def _leaf(self, q) -> int:
        key = (type(q), q.with_boost(1.0)) if hasattr(q, "with_boost") else (type(q), q)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        result = self._term_bits(q) if type(q) is wq.Term else self.from_docs(self.searcher.docs_for_query(q))
        self._cache[key] = result
        if len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return result

    def weight(self, q) -> float:
        """What matching `q` adds to a document's score: its boost times the idf of its terms (a term
        counted once, no length normalisation); a prefix scores its boost, as in Whoosh."""
        key = (type(q), q.with_boost(1.0))
        base = self._weights.get(key)
        if base is None:
            if isinstance(q, wq.Term):
                base = self._idf(q.fieldname, q.text)
            elif isinstance(q, wq.Phrase):
                base = sum(self._idf(q.fieldname, word) for word in q.words)
            elif isinstance(q, wq.And) and all(isinstance(sub, wq.Term) for sub in q.subqueries):
                base = sum(self._idf(sub.fieldname, sub.text) for sub in q.subqueries)
            else:
                base = 1.0
            if len(self._weights) > MAX_ENTRIES:
                self._weights.clear()
            self._weights[key] = base
        return base * q.boost

    def _idf(self, fieldname: str, text) -> float:
        # An index of an older format may lack a field the queries use: nothing matches there.
        return self.searcher.idf(fieldname, text) if fieldname in self.searcher.schema else 0.0

    def years(self) -> list[tuple[int, int]]:
        """[(year, documents of that year)], newest first; documents without a year come last."""
        if self._years is None:
            field = self.searcher.schema["year"]
            years = [field.from_bytes(token) for token in field.sortable_terms(self.searcher.reader(), "year")]
            found = [(year, self._leaf(wq.Term("year", year))) for year in sorted(years, reverse=True)]
            every = 0
            for _year, docs in found:
                every |= docs
            found.append((0, ((1 << self.size) - 1) & ~every))
            self._years = found
        return self._years

    def _term_bits(self, q: wq.Term) -> int:
        """The documents holding one term, read from its postings block by block: only the document
        numbers of a block are decoded, never its weights or positions, and they are set in C."""
        flags = bytearray(self.size)
        for sub, offset in self.searcher.leaf_searchers():
            reader = sub.reader()
            if (q.fieldname, q.text) not in reader:
                continue
            matcher = reader.postings(q.fieldname, q.text)
            if isinstance(matcher, FilterMatcher):
                matcher = matcher.child  # skips deleted documents one by one: they are cleared below instead
            put = memoryview(flags)[offset:].__setitem__
            if isinstance(matcher, W3LeafMatcher):
                _set_block_ids(matcher, put)
            else:
                _set_all(put, matcher.all_ids())
            for doc in self._deleted_in(offset, reader):
                flags[offset + doc] = 0
        return _as_bits(flags)

    def _deleted_in(self, offset: int, reader) -> list[int]:
        if offset not in self._deleted:
            self._deleted[offset] = sorted(reader.deleted_docs_set) if reader.has_deletions() else []
        return self._deleted[offset]

    def from_docs(self, docnums: Iterable[int]) -> int:
        flags = bytearray(self.size)
        _set_all(flags.__setitem__, docnums)
        return _as_bits(flags)


def _set_block_ids(matcher: W3LeafMatcher, put) -> None:
    """Set the document numbers of every posting block of `matcher` from its current block on.

    Reads Whoosh 3's block layout (whoosh-reloaded 2.7.5): a block's data is (ids, weights, values),
    ids delta-encoded unless they are bytes; the block header tells where the next block starts."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        ids = matcher._data[0]
        _set_all(put, ids if matcher._byteids else accumulate(ids))
        matcher._next_block()


def _set_all(put, docnums: Iterable[int]) -> None:
    for _ in map(put, docnums, repeat(1)):
        pass


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
