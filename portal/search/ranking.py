"""The page of a search, ranked from the bitsets of its clauses instead of a walk over every posting.

A plan is a list of units, one per word, each a few clauses (`engine.build`, plan.py). Each scored clause — a
term in a field, the terms of a word together, a phrase, a prefix — weighs `boost × idf` of its terms
(Whoosh's BM25F with no length normalisation, a term counted once: what a short catalogue entry needs), and a
document scores the sum of the clauses it matches. Documents with the same clauses have the same score, so the
matches are split into groups by score with one `&` per clause and group, and the page is read from the best
groups: the work grows with the number of clauses and groups, not with the number of matches. Equal scores
keep the index order, as Whoosh's collector does.
"""

from portal.search.docsets import DocSets, first_bits
from portal.search.plan import Plan

# Groups whose best possible score cannot reach the page are dropped once there are more than this.
PRUNE_ABOVE = 8


def ranked(docsets: DocSets, plan: Plan, allowed: int | None, offset: int, limit: int,
           by_year: bool = False) -> tuple[list[int], int, int]:
    """The document numbers of the page `offset:offset+limit` of `plan`'s matches, best first (newest first
    when `by_year`), the number of matches, and how many of them match every unit (full matches).

    Full matches come first. Then the partial ones (Elasticsearch's `minimum_should_match: 1`), in tiers
    by the rarity of the units they hold: the sum of the idf of each unit matched, so a document with the
    rare word of "国产 光刻机" ranks above one with only the common word; within a tier, by score."""
    unit_bits = [docsets.bits(unit) for unit in plan.units]
    full = any_ = unit_bits[0]
    for bits in unit_bits[1:]:
        full &= bits
        any_ |= bits
    if allowed is not None:
        full &= allowed
        any_ &= allowed
    total, full_total = any_.bit_count(), full.bit_count()
    if not total or offset >= total:
        return [], total, full_total
    weighted = []
    for clause in plan.scored():
        weight = docsets.weight(clause)
        if weight > 0:
            weighted.append((weight, docsets.bits(clause)))
    weighted.sort(key=lambda pair: pair[0], reverse=True)
    tiers = _tiers(docsets, any_, unit_bits)
    if not by_year:
        return _page(_groups(tiers, weighted, offset + limit), offset, limit), total, full_total
    # By year: the full matches newest first, then the partial ones newest first.
    top = max(tiers)
    segments = [{top: tiers[top]}, {tier: docs for tier, docs in tiers.items() if tier != top}]
    found: list[int] = []
    for segment in segments:
        for _year, docs in docsets.years():
            part = {tier: bits & docs for tier, bits in segment.items() if bits & docs}
            if not part:
                continue
            count = sum(bits.bit_count() for bits in part.values())
            if offset >= count:
                offset -= count
                continue
            found += _page(_groups(part, weighted, offset + limit - len(found)), offset, limit - len(found))
            offset = 0
            if len(found) >= limit:
                return found, total, full_total
    return found, total, full_total


def _tiers(docsets: DocSets, matches: int, unit_bits: list[int]) -> dict[int, int]:
    """Split the matches by the units they hold: {tier: bitset}, the higher tier the rarer what it holds;
    the full matches are the highest tier."""
    if len(unit_bits) == 1:
        return {0: matches}
    weights = [docsets.idf_of(bits) for bits in unit_bits]
    split = {0.0: matches}
    for weight, bits in zip(weights, unit_bits, strict=True):
        following: dict[float, int] = {}
        for coverage, docs in split.items():
            both = docs & bits
            if both:
                key = round(coverage + weight, 9)
                following[key] = following.get(key, 0) | both
            rest = docs & ~bits
            if rest:
                following[coverage] = following.get(coverage, 0) | rest
        split = following
    return {rank: split[coverage] for rank, coverage in enumerate(sorted(split))}


def _groups(tiers: dict[int, int], weighted: list[tuple[float, int]], wanted: int) -> list[tuple[tuple, int]]:
    """Split each tier by score: [((tier, score), bitset)], best first, enough to fill the first `wanted`."""
    groups = {(tier, 0.0): docs for tier, docs in tiers.items() if docs}
    matches = 0
    for docs in groups.values():
        matches |= docs
    left = sum(weight for weight, _bits in weighted)
    if len(groups) > PRUNE_ABOVE:
        groups = _prune(groups, left, wanted)
    for weight, bits in weighted:
        left -= weight
        if not bits & matches:
            continue
        split: dict[tuple, int] = {}
        for (tier, score), docs in groups.items():
            both = docs & bits
            if both:
                key = (tier, round(score + weight, 9))
                split[key] = split.get(key, 0) | both
                docs ^= both
            if docs:
                split[(tier, score)] = split.get((tier, score), 0) | docs
        groups = split
        if len(groups) > PRUNE_ABOVE:
            groups = _prune(groups, left, wanted)
    return sorted(groups.items(), key=lambda item: item[0], reverse=True)


def _prune(groups: dict[tuple, int], left: float, wanted: int) -> dict[tuple, int]:
    """Drop the groups that end below the page whatever the remaining clauses add: once the best
    groups hold `wanted` documents at `floor` or more, a group below `floor - left` (in its tier) cannot
    reach it, nor can a group of a lower tier."""
    seen = 0
    floor = None
    for key in sorted(groups, reverse=True):
        seen += groups[key].bit_count()
        if seen >= wanted:
            floor = key
            break
    if floor is None:
        return groups
    # Scores are rounded to 9 places; `left` is a running difference of floats.
    return {(tier, score): docs for (tier, score), docs in groups.items()
            if tier > floor[0] or (tier == floor[0] and score + left >= floor[1] - 1e-6)}


def _page(groups: list[tuple[tuple, int]], offset: int, limit: int) -> list[int]:
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


def useful_expansions(docsets, plan: Plan, allowed: int | None) -> tuple[str, ...]:
    """The expansions that found documents the words typed did not (either backend's bitsets)."""
    added = {c for e in plan.expansions for c in e.clauses}
    own: dict[str, int] = {}
    for unit in plan.units:
        bits = 0
        for clause in unit.clauses:
            if clause not in added:
                bits |= docsets.bits(clause)
        own[unit.text] = own.get(unit.text, 0) | bits
    every = -1
    for bits in own.values():
        every &= bits
    useful = []
    for expansion in plan.expansions:
        bits = 0
        for clause in expansion.clauses:
            bits |= docsets.bits(clause)
        if allowed is not None:
            bits &= allowed
        # A whole long compound has no unit of its own: its words together are what was typed.
        if bits & ~own.get(expansion.word, every):
            useful.append(expansion.to)
    return tuple(dict.fromkeys(useful))
