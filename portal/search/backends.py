"""What the search facade asks of a backend, whichever it is (SEARCH_BACKEND: "whoosh" or "postgresql").

The facade owns everything backend-neutral: the document types (registry.py), the change log
(models.SearchChange), query parsing and the thesaurus (engine.py → plan.py). A backend stores
documents and answers plans:

- Whoosh (whoosh_backend.py): one index per node on disk, kept in step with the change log by each
  node (`sync`), ranked from cached bitsets;
- PostgreSQL (postgresql_backend.py): one table of documents (a weighted tsvector with a GIN index),
  written in the same transaction as the change, so every node shares it and `sync` has nothing to do.
  Each leaf of a plan (a term, prefix, phrase or filter) is one GIN lookup returning the matching ids as a
  bitset, kept per version of the documents; the page is ranked from the bitsets by ranking.py, the same
  code as Whoosh's, so both backends rank alike by construction.
"""

from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app

from portal.search.plan import Plan


def applies_in_requests() -> bool:
    """SEARCH_APPLY_IN_REQUESTS: whether searches and writing requests keep the index themselves (build it when
    missing, apply the log, upgrade an older format). Off in production, where the index worker does all of
    that and a request only reads; on in the tests, which create rows and search at once."""
    return bool(current_app.config.get("SEARCH_APPLY_IN_REQUESTS", False))


class NotReady(Exception):  # noqa: N818 -- a state, not a fault
    """This node has no index it can answer from (none built yet, or one that cannot be opened): the facade
    answers from the database instead (database_fallback.py)."""


@dataclass
class Found:
    """A page of hits: (id, stored fields) best first, all matches, and the matches of every unit."""

    hits: list[tuple[int, dict]] = field(default_factory=list)
    total: int = 0
    full_total: int = 0
    matched_expansions: tuple[str, ...] = ()  # expansions (Expansion.to) that found what the words did not


class Backend(Protocol):
    name: str
    per_node: bool  # whether each node keeps a copy of its own, which its worker must keep up (keeping.py)

    def index(self, kind: str, documents: list[dict]) -> None:
        """Add documents, replacing those with the same id."""

    def delete(self, kind: str, ids: list[int]) -> None:
        """Remove documents by id (absent ones are ignored)."""

    def search(self, kind: str, plan: Plan, conditions: list, offset: int, limit: int,
               sort: str = "relevance", expansions: bool = False) -> Found:
        """The page `offset:offset+limit` of the plan's matches that meet every condition (Match,
        Range): full matches first, then partial ones by the rarity of the units they hold; with
        `expansions`, also which of the plan's expansions found what the words typed did not."""

    def count(self, kind: str, plan: Plan, conditions: list) -> int:
        """How many documents match at least one unit of the plan and every condition."""

    def rebuild(self, progress=None, only_if_missing: bool = False) -> dict[str, int]:
        """Index every visible row of every registered type afresh; return rows read per kind."""

    def sync(self, timeout: float | None = None) -> int:
        """Apply the change log entries this backend has not seen; return how many."""

    def related(self, kind: str, text: str, limit: int, conditions: list) -> list[tuple[int, list[str]]]:
        """Documents sharing the key terms of `text`, with the terms that matched."""

    def remember(self, kind: str, key, compute):
        """`compute()`, kept until `kind`'s documents next change (or computed each time)."""

    # search, count, related and remember raise NotReady when there is nothing to answer from yet.

    def applied_up_to(self) -> int | None:
        """The change log id up to which this backend (this node's copy) has applied changes."""

    def position(self) -> dict:
        """Cheaply, for health checks: {"ready": whether searches can be answered now, "generation": what names
        the index being served, "cursor": the change log id applied up to (None: nothing to follow),
        "gaps": ids below it still looked for; with a copy per node also "epoch": the cluster epoch it was built at,
        and "current_format": whether it is of the current format}."""

    def status(self) -> dict:
        """Whether the index is built, its position in the change log and its document counts."""
