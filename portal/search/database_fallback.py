"""Searching the database itself while this node has no index to answer from (none built yet, or one that cannot
be opened): a web request never builds one, the index worker does, and until then a search answers at once.

A plain substring match over the columns a domain named (`DocumentType.database`, registry.DatabaseText):
documents holding every word typed, newest first; when none does, those holding any of the words (partial, as
the index answers). No ranking, no thesaurus, no stemming: the page says so (`Results.from_database`).

Each question is one scan of the matching rows for the page and one for the count, capped like the index's.
"""

from sqlalchemy import and_, func, or_, select

from portal.extensions import db
from portal.search import analysis, sources
from portal.search.registry import DocumentType

MAX_PARTS = 16  # words looked for when none of the documents holds them all
MAX_WORD_CHARS = 100


def words_of(typed: list[str]) -> tuple[list[str], list[str]]:
    """The words every document must hold (as typed, quoted phrases whole), and the words any of which a partial
    match holds: those, and the dictionary words of the longer ones (消毒设备 → 消毒, 设备)."""
    every = list(dict.fromkeys(w.strip()[:MAX_WORD_CHARS] for w in typed if w.strip()))
    some = list(every)
    for word in every:
        if len(word) > 2:
            some += [part for part in analysis.base_words(word) if len(part) > 1]
    return every, list(dict.fromkeys(some))[:MAX_PARTS]


def _holding(columns: list, word: str):
    """The condition that one of the columns holds `word` (any case; % and _ mean themselves)."""
    return or_(*(column.icontains(word, autoescape=True) for column in columns))


def _conditions(doctype: DocumentType, filters: dict | None) -> list:
    found = []
    for name, value in sorted((filters or {}).items()):
        make = doctype.database.filters.get(name)
        if make is not None and value not in (None, ""):
            condition = make(value)
            if condition is not None:
                found.append(condition)
    return found


def search(doctype: DocumentType, typed: list[str], filters: dict | None, offset: int, limit: int,
           cap: int) -> tuple[list[tuple[int, dict]], int, int, list[str]]:
    """The page `offset:offset+limit` of the matches, newest first, as (id, stored fields); how many match (at
    most `cap + 1`: more is "over the cap"); how many hold every word; and the words looked for."""
    spec = doctype.database
    every, some = words_of(typed)
    if spec is None or not every:
        return [], 0, 0, every
    columns = spec.columns()
    base = spec.ids().where(*_conditions(doctype, filters))
    words = every
    matching = base.where(and_(*(_holding(columns, word) for word in every)))
    total = full_total = _count(matching, cap)
    if not total and len(some) > 1:
        words = some
        matching = base.where(or_(*(_holding(columns, word) for word in some)))
        total = _count(matching, cap)
    ids = list(db.session.scalars(matching.order_by(*spec.order()).limit(limit).offset(offset))) if total else []
    return _hits(doctype, ids), total, full_total, words


def _count(stmt, cap: int) -> int:
    """How many rows `stmt` reads, counting no further than cap + 1."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).limit(cap + 1).subquery()))


def _hits(doctype: DocumentType, ids: list[int]) -> list[tuple[int, dict]]:
    """The documents of `ids` in that order, as the index stores them (its stored fields only)."""
    stored = [f.name for f in doctype.fields if f.stored]
    documents = sources.documents(doctype.kind, ids)
    return [(i, {name: documents[i].get(name) for name in stored}) for i in ids if documents.get(i) is not None]

