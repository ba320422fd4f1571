"""Which documents a query matches, as bitsets (Python ints), cached per searcher.

Scoring needs Whoosh's matchers, but counting and facet filters only need the set of matching
documents. Walking a query's matchers again to count costs as much as the search; a bitset per
term, kept for the life of the searcher, turns the count into a few `&` and `|` on ints.
"""

from collections import OrderedDict

from whoosh import query as wq

MAX_ENTRIES = 2048


class DocSets:
    """Bitsets of the leaves of queries (terms, phrases, prefixes) for one searcher."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.size = searcher.doc_count_all()
        self._cache: OrderedDict = OrderedDict()
        self._filters: OrderedDict = OrderedDict()

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
        result = self.from_docs(self.searcher.docs_for_query(q))
        self._cache[key] = result
        if len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return result

    def filter_set(self, bits: int) -> set[int]:
        """The set of documents of `bits`, as Whoosh's `filter=` takes it; the same facets recur."""
        found = self._filters.get(bits)
        if found is None:
            found = self._filters[bits] = to_set(bits)  # Whoosh takes a set (never a frozenset) and only reads it
            if len(self._filters) > 64:
                self._filters.popitem(last=False)
        else:
            self._filters.move_to_end(bits)
        return found

    def from_docs(self, docnums) -> int:
        buf = bytearray((self.size >> 3) + 1)
        for doc in docnums:
            buf[doc >> 3] |= 1 << (doc & 7)
        return int.from_bytes(buf, "little")


def to_set(bits: int) -> set[int]:
    """The document numbers of a bitset (for Whoosh's `filter=`)."""
    out = set()
    data = bits.to_bytes((bits.bit_length() >> 3) + 1, "little")
    for index, byte in enumerate(data):
        if byte:
            base = index << 3
            for bit in range(8):
                if byte >> bit & 1:
                    out.add(base + bit)
    return out
