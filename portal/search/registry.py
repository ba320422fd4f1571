"""What domains tell search at set-up: their document types (fields, weights, rows, visibility).

Search is a leaf: it imports no domain. A domain describes its documents with the classes here and calls
`portal.search.register(DocumentType(...))` from its `init_app`; the backends build their schema from
the fields, and the query planner (engine.py) reads the weights and roles from them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Kinds of fields. WORDS: jieba words (and their parts); BIGRAMS: character pairs of a short text;
# EXACT: the whole text, lower-cased, spaces removed (model numbers); PAIRS: consecutive word pairs of a
# long text (what a phrase over it looks up); FACET: an exact value to filter on; NUMBER: an integer to
# filter, compare and sort on; STORED: kept for display only.
WORDS, BIGRAMS, EXACT, PAIRS, FACET, NUMBER, STORED = "words", "bigrams", "exact", "pairs", "facet", "number", "stored"


@dataclass(frozen=True)
class Field:
    """One field of a document type. `weight` is what a match in it adds (boost × idf).

    - `phrase`: WORDS keep positions, so a quoted phrase is matched in place;
    - `pairs`: for a WORDS field without positions, the PAIRS field a phrase over it is looked up in;
    - `of`: for BIGRAMS and EXACT, the WORDS field whose text they index (a two-character word is one
      bigram: it is then matched in the bigram field with both weights, the words field skipped);
    - `expanded`: thesaurus expansions of a query word are matched in this field (a few fields only:
      every extra clause is scored for every candidate);
    - `title`: the field a document is named by (matchmaking weighs it double)."""

    name: str
    kind: str
    weight: float = 0.0
    stored: bool = False
    phrase: bool = True
    pairs: str | None = None
    of: str | None = None
    expanded: bool = False
    title: bool = False
    ranged: bool = False  # NUMBER: compared by range (Range), not only matched


@dataclass(frozen=True)
class Match:
    """A filter: documents whose FACET or NUMBER field holds `value`."""

    field: str
    value: Any


@dataclass(frozen=True)
class Range:
    """A filter: documents whose NUMBER field lies in [low, high] (None: unbounded)."""

    field: str
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class Linked:
    """A text column of another table, reached from the row through `key` (a foreign key to that table's `id`)."""

    key: Any
    id: Any
    column: Any


@dataclass(frozen=True)
class DatabaseText:
    """How the database answers a search of a document type while this node has no index to answer from
    (database_fallback.py): a plain substring match of the typed words, newest first, no ranking.

    - `ids()`: a SELECT of the ids of the public rows (those `rows()` reads and `visible` keeps), no join;
    - `columns()`: the columns a typed word is looked for in (one of them must hold it): the rows' own, or
      Linked (another table's, such as the company's name);
    - `order()`: the ORDER BY of the matches, newest first;
    - `filters`: for each filter name of the type, the SQL condition for the value given (None: ignored)."""

    ids: Callable[[], Any]
    columns: Callable[[], list]
    order: Callable[[], list]
    filters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentType:
    """A kind of searchable document, given by the domain that owns its rows.

    - `rows()`: a SELECT of the rows to index (every row a rebuild reads; an update reads it narrowed
      to the changed ids, so a row that left it is removed from the index);
    - `visible(row)`: whether a row read by `rows()` is public (only those are indexed);
    - `document(row)`: the row as {field: value}, "id" included;
    - `filters`: the filter names a query may use, each turned into a condition (Match or Range) from
      the value given, or None to ignore it;
    - `database`: how the database answers while there is no index (DatabaseText); None: it answers nothing."""

    kind: str
    index: str
    fields: tuple[Field, ...]
    rows: Callable[[], Any]
    document: Callable[[Any], dict]
    label: Any = ""  # what the reindex command shows (a lazy gettext string)
    visible: Callable[[Any], bool] = lambda row: True
    filters: dict[str, Callable[[Any], Match | Range | None]] = field(default_factory=dict)
    database: DatabaseText | None = None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def of_kind(self, *kinds: str) -> list[Field]:
        return [f for f in self.fields if f.kind in kinds]

    @property
    def title(self) -> Field:
        return next(f for f in self.fields if f.title)

    def conditions(self, filters: dict | None) -> list:
        found = []
        for name, value in sorted((filters or {}).items()):
            make = self.filters.get(name)
            if make is not None and value not in (None, ""):
                condition = make(value)
                if condition is not None:
                    found.append(condition)
        return found


def facet(name: str) -> Callable[[Any], Match]:
    return lambda value: Match(name, str(value))


def number(name: str) -> Callable[[Any], Match]:
    return lambda value: Match(name, int(value))


_types: dict[str, DocumentType] = {}


def register(doctype: DocumentType) -> None:
    """Add (or replace, on a second set-up) a document type."""
    ids = [f for f in doctype.fields if f.name == "id"]
    if not ids:
        raise ValueError(f"document type {doctype.kind!r} has no id field")
    _types[doctype.kind] = doctype


def get(kind: str) -> DocumentType:
    try:
        return _types[kind]
    except KeyError:
        raise ValueError(f"unknown search kind {kind!r}") from None


def kinds() -> list[str]:
    return list(_types)


def types() -> list[DocumentType]:
    return list(_types.values())


def by_index(index: str) -> DocumentType:
    return next(t for t in _types.values() if t.index == index)
