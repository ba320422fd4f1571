"""Searching the database itself while this node has no index to answer from (none built yet, or one that cannot
be opened): a web request never builds one, the index worker does, and until then a search answers at once.

A plain substring match over the columns a domain named (`DocumentType.database`, registry.DatabaseText):
documents holding every word typed, newest first; when none does, those holding any of the words (partial, as
the index answers). No ranking, no thesaurus, no stemming: the page says so (`Results.from_database`).

Each question reads the rows once (twice when nothing holds every word): the ids of the matches as far as the
count's cap, in the table's order, then those few put newest first (see `_matching`).
"""

from sqlalchemy import and_, func, or_, select

from portal.extensions import db
from portal.search import analysis, sources
from portal.search.registry import DocumentType, Linked

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


def _holding(columns: list, word: str, dialect: str):
    """The condition that one of the columns holds `word`, in any case of its Latin letters (% and _ are
    themselves)."""
    return or_(*(column.key.in_(select(column.id).where(_holds(column.column, word, dialect)))
                 if isinstance(column, Linked) else _holds(column, word, dialect) for column in columns))


def _holds(column, word: str, dialect: str):
    if dialect == "sqlite":
        # SQLite's LIKE ignores the case of ASCII letters, and finds an ASCII word as fast as instr(); it is slower
        # with Chinese characters (compared one by one), which instr() finds as bytes, with no wildcards to escape.
        if word.lower() != word.upper():
            return column.contains(word, autoescape=True)
        return func.instr(column, word) > 0
    return column.icontains(word, autoescape=True)


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
    columns, dialect = spec.columns(), db.session.get_bind().dialect.name
    base = spec.ids().where(*_conditions(doctype, filters))
    words = every
    ids, total = _matching(spec, base, and_(*(_holding(columns, w, dialect) for w in every)), offset + limit, cap)
    full_total = total
    if not total and len(some) > 1:
        words = some
        ids, total = _matching(spec, base, or_(*(_holding(columns, w, dialect) for w in some)), offset + limit, cap)
    return _hits(doctype, ids[offset:offset + limit]), total, full_total, words


def _matching(spec, base, condition, want: int, cap: int) -> tuple[list[int], int]:
    """The ids of the rows of `base` meeting `condition`, newest first (all of them, or the first `want` when there
    are more than `cap`), and how many there are (cap + 1: more than cap).

    The rows are read once, in the order of their ids (the table's: a scan without a sort, which stops at the cap
    for a common word); only over the cap is newest first read from the order's index, where matches are
    frequent enough to stop early."""
    key = base.selected_columns[0]
    found = list(db.session.scalars(base.where(condition).order_by(key.desc()).limit(cap + 1)))
    if len(found) > cap:
        return list(db.session.scalars(base.where(condition).order_by(*spec.order()).limit(want))), cap + 1
    if not found:
        return [], 0
    return list(db.session.scalars(base.where(key.in_(found)).order_by(*spec.order()))), len(found)


def _hits(doctype: DocumentType, ids: list[int]) -> list[tuple[int, dict]]:
    """The documents of `ids` in that order, as the index stores them (its stored fields only)."""
    stored = [f.name for f in doctype.fields if f.stored]
    documents = sources.documents(doctype.kind, ids)
    return [(i, {name: documents[i].get(name) for name in stored}) for i in ids if documents.get(i) is not None]

