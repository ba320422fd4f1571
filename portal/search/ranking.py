"""The page of a search, ranked from the bitsets of its clauses instead of a walk over every posting.

A query is a tree of word clauses (`engine.build`). Each scored clause — a term in a field, the terms
of a word together, a phrase, a prefix — weighs `boost × idf` of its terms (Whoosh's BM25F with no
length normalisation, a term counted once: what a short catalogue entry needs), and a document scores
the sum of the clauses it matches. Documents with the same clauses have the same score, so the matches
are split into groups by score with one `&` per clause and group, and the page is read from the best
groups: the work grows with the number of clauses and groups, not with the number of matches.
Equal scores keep the index order, as Whoosh's collector does.
"""

from whoosh import query as wq

from portal.search.docsets import DocSets, first_bits

# Groups whose best possible score cannot reach the page are dropped once there are more than this.
PRUNE_ABOVE = 8


def clauses(q) -> list:
    """The scored clauses of a query built by `engine.build`: every leaf, or a group of terms that must
    all match in one field (a word's parts) taken as one clause."""
    if isinstance(q, wq.AndMaybe):
        return clauses(q.a) + clauses(q.b)
    if isinstance(q, wq.And) and all(isinstance(sub, wq.Term) for sub in q.subqueries):
        return [q]
    if isinstance(q, wq.And | wq.Or):
        found = []
        for sub in q.subqueries:
            found += clauses(sub)
        return found
    return [q]


def ranked(docsets: DocSets, q, allowed: int | None, offset: int, limit: int,
           by_year: bool = False) -> tuple[list[int], int]:
    """The document numbers of the page `offset:offset+limit` of `q`'s matches, best first (newest first
    when `by_year`), and the number of matches. `allowed` narrows the matches (facet filters)."""
    matches = docsets.bits(q)
    if allowed is not None:
        matches &= allowed
    total = matches.bit_count()
    if not total or offset >= total:
        return [], total
    weighted = []
    for clause in clauses(q):
        weight = docsets.weight(clause)
        if weight > 0:
            weighted.append((weight, docsets.bits(clause)))
    weighted.sort(key=lambda pair: pair[0], reverse=True)
    if not by_year:
        return _page(_groups(matches, weighted, offset + limit), offset, limit), total
    found: list[int] = []
    for _year, docs in docsets.years():
        part = matches & docs
        if not part:
            continue
        count = part.bit_count()
        if offset >= count:
            offset -= count
            continue
        found += _page(_groups(part, weighted, offset + limit - len(found)), offset, limit - len(found))
        offset = 0
        if len(found) >= limit:
            break
    return found, total


def _groups(matches: int, weighted: list[tuple[float, int]], wanted: int) -> list[tuple[float, int]]:
    """Split `matches` by score: [(score, bitset)], best first, enough to fill the first `wanted`."""
    groups = {0.0: matches}
    left = sum(weight for weight, _bits in weighted)
    for weight, bits in weighted:
        left -= weight
        if not bits & matches:
            continue
        split: dict[float, int] = {}
        for score, docs in groups.items():
            both = docs & bits
            if both:
                key = round(score + weight, 9)
                split[key] = split.get(key, 0) | both
                docs ^= both
            if docs:
                split[score] = split.get(score, 0) | docs
        groups = split
        if len(groups) > PRUNE_ABOVE:
            groups = _prune(groups, left, wanted)
    return sorted(groups.items(), key=lambda item: item[0], reverse=True)


def _prune(groups: dict[float, int], left: float, wanted: int) -> dict[float, int]:
    """Drop the groups that end below the page whatever the remaining clauses add: once the best
    groups hold `wanted` documents at `floor` or more, a group below `floor - left` cannot reach it."""
    seen = 0
    floor = None
    for score in sorted(groups, reverse=True):
        seen += groups[score].bit_count()
        if seen >= wanted:
            floor = score
            break
    if floor is None:
        return groups
    # Scores are rounded to 9 places; `left` is a running difference of floats.
    return {score: docs for score, docs in groups.items() if score + left >= floor - 1e-6}


def _page(groups: list[tuple[float, int]], offset: int, limit: int) -> list[int]:
    found: list[int] = []
    for _score, docs in groups:
        count = docs.bit_count()
        if offset >= count:
            offset -= count
            continue
        found += first_bits(docs, offset + limit - len(found))[offset:]
        offset = 0
        if len(found) >= limit:
            break
    return found[:limit]
