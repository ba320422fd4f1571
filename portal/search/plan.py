"""A search as a backend reads it: clauses to match and score, independent of Whoosh or PostgreSQL.

A scored clause is a leaf — a term in a field, terms that must all be in one field (a word's parts),
a phrase, a prefix — and weighs `boost × idf` of its terms (a prefix: its boost). A `Unit` is one thing
the user asked for (a word, a phrase, a part of a long compound): it matches when any of its clauses
does. A document matching every unit is a full match; one matching some is a partial match, ranked by
the rarity of the units it holds (see ranking.py).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    field: str
    text: str | int
    boost: float = 1.0


@dataclass(frozen=True)
class Terms:
    """All of `texts` in one field (the parts of a word), scored as one clause."""

    field: str
    texts: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    words: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Prefix:
    field: str
    text: str
    boost: float = 1.0


Leaf = Term | Terms | Phrase | Prefix


@dataclass(frozen=True)
class Unit:
    """What one query word asks for: `clauses` (scored), or `also` (matches it too, scored elsewhere)."""

    text: str
    clauses: tuple[Leaf, ...]
    also: tuple[Leaf, ...] = ()


@dataclass(frozen=True)
class Expansion:
    """A thesaurus expansion applied to a query word, and the clauses it added."""

    word: str
    to: str
    kind: str
    clauses: tuple[Leaf, ...]


@dataclass(frozen=True)
class Plan:
    units: tuple[Unit, ...]
    bonus: tuple[Leaf, ...] = ()  # scored when matched, never required
    expansions: tuple[Expansion, ...] = field(default=())

    def scored(self) -> list[Leaf]:
        found = [clause for unit in self.units for clause in unit.clauses]
        return found + list(self.bonus)


def leaves(plan: Plan) -> list[Leaf]:
    """Every leaf a backend must be able to match for `plan`."""
    found = plan.scored()
    for unit in plan.units:
        found += unit.also
    return list(dict.fromkeys(found))
