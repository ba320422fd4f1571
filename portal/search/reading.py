"""Reading the index: a page of hits for a query, and the documents related to a text. A search never writes the
index: while this node has none, `query` answers from the database (database_fallback.py) and `related` finds
nothing."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from portal.search import database_fallback, engine, registry
from portal.search.backends import NotReady
from portal.search.choice import backend
from portal.search.registry import DocumentType
from portal.search.vocabulary import current_thesaurus
from portal.web.paging import Page

log = logging.getLogger("portal.search")

COUNT_CAP = 1000
SORTS = ("relevance", "year")


@dataclass
class Hit:
    id: int
    fields: dict


@dataclass
class Results(Page):
    """A page of hits (`exact` is False when `total` is the lower bound COUNT_CAP), and how to mark them.

    `full_total` counts the matches holding every word; `partial` is true when there are none and the
    page shows documents holding some of the words. `expansions` is [(word, [expansions that found
    something])] for the thesaurus words the query used. `from_database` is true when this node has no index
    yet and the database answered with a plain substring match, newest first (database_fallback.py)."""

    marks: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    full_total: int = 0
    partial: bool = False
    expansions: list[tuple[str, list[str]]] = field(default_factory=list)
    from_database: bool = False

    def highlight(self, text: str):
        return engine.highlight(text, self.marks)

    def snippet(self, text: str, width: int = 120):
        return engine.snippet(text, self.marks, width)


def query(
    kind: str, q: str, filters: dict | None = None, page: int = 1, per_page: int = 20, sort: str = "relevance"
) -> Results:
    """Search documents of `kind`; `filters` narrow by the type's filters, `sort` is relevance or year.
    Documents holding every word come first, then those holding some (ranked by the rarity of what they
    hold); the thesaurus adds expansions of the words, weighing less than the words typed."""
    doctype = registry.get(kind)
    words, plan, marks = engine.compile_query(q, current_thesaurus(), doctype)
    results = Results([], 0, page, per_page, marks=list(marks), words=[w.text for w in words])
    if plan is None:
        return results
    offset = (max(page, 1) - 1) * per_page
    try:
        found = backend().search(
            kind,
            plan,
            doctype.conditions(filters),
            offset,
            per_page,
            "year" if sort == "year" else "relevance",
            expansions=True,
        )
    except (NotReady, OSError) as error:
        log.info("searching the database: %s", error)
        return _from_database(doctype, words, filters, offset, results)
    results.items = [Hit(ident, fields) for ident, fields in found.hits]
    results.full_total = found.full_total
    results.partial = found.total > 0 and found.full_total == 0
    results.total, results.exact = (COUNT_CAP, False) if found.total > COUNT_CAP else (found.total, True)
    used: dict[str, list[str]] = {}
    for expansion in plan.expansions:
        if expansion.to in found.matched_expansions:
            used.setdefault(expansion.word, [])
            if expansion.to not in used[expansion.word]:
                used[expansion.word].append(expansion.to)
    results.expansions = list(used.items())
    return results


def _from_database(doctype: DocumentType, words: list, filters: dict | None, offset: int, results: Results) -> Results:
    """`results` filled from the database while this node has no index (database_fallback.py)."""
    hits, total, full_total, looked_for = database_fallback.search(
        doctype, [w.text for w in words], filters, offset, results.per_page, COUNT_CAP
    )
    results.from_database = True
    results.items = [Hit(ident, fields) for ident, fields in hits]
    results.full_total = min(full_total, COUNT_CAP)
    results.partial = total > 0 and full_total == 0
    results.total, results.exact = (COUNT_CAP, False) if total > COUNT_CAP else (total, True)
    results.marks = looked_for
    return results


def related(
    kind: str,
    text: str,
    limit: int = 5,
    filters: dict | None = None,
    keep_while: Callable[[list[tuple[int, list[str]]]], bool] | None = None,
) -> list[tuple[int, list[str]]]:
    """Documents of `kind` whose text shares the key terms of `text`, with the terms that matched (the
    longest forms only). The same question of the same index is answered once.

    Filters may depend on the clock (open scenarios): such an answer is kept only when the caller says how long
    it holds, `keep_while(answer)` being asked before each reuse (e.g. every scenario of it is still open: as
    time passes the filter only lets fewer documents through, and the best of them stay the best while none of
    them has left).

    Nothing while this node has no index: the key terms of a text are the index's (their rarity in it), and a
    substring scan of every document for each of them would cost a page more than the few suggestions it
    shows are worth."""
    doctype = registry.get(kind)
    conditions = doctype.conditions(filters)
    chosen = backend()

    def compute():
        return [(ident, _reasons(terms)) for ident, terms in chosen.related(kind, text, limit, conditions)]

    try:
        if not conditions:
            return chosen.remember(kind, ("related", text, limit), compute)
        if keep_while is None:
            return compute()
        kept = chosen.remember(kind, ("related", text, limit, tuple(sorted(filters))), dict)
        if "answer" not in kept or not keep_while(kept["answer"]):
            kept["answer"] = compute()
        return kept["answer"]
    except (NotReady, OSError) as error:
        log.info("no related %s documents: %s", kind, error)
        return []


def _reasons(terms: list[str]) -> list[str]:
    """The matched terms worth showing: the longest forms only (变电站, not also 变电 and 电站)."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term in longer for longer in kept):
            kept.append(term)
    return sorted(kept, key=terms.index)[:4]
