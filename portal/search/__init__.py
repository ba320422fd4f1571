"""Search: the one door to full-text search. A leaf: it imports no domain, and nothing outside it imports
Whoosh.

Domains register at set-up what they make searchable (`register(DocumentType)`, registry.py) and the
thesaurus words they ship (`use_thesaurus(provider)`). Then:

- `record_change(kind, object_id)` — inside the transaction that changes the object;
- `apply_pending()` — bring this node's index up to date from the change log (keeping.py says when: the
  node's worker keeps it up, rebuilding it when applying the log is not enough);
- `query(...)`, `related(...)` — read (never writing the index: while this node has none, `query` answers
  from the database, database_fallback.py, and `related` finds nothing);
- `rebuild()` — build a fresh index from the database and switch to it;
- `add_thesaurus_entry`, `delete_thesaurus_entry`, `thesaurus_entries` — the administrators' thesaurus;
- `synonym_table`, `save_synonym_table`, `create_synonym_table` — the administrators' synonym table (同义词表),
  in the database.

The backend (SEARCH_BACKEND, backends.py, chosen in choice.py) stores documents and answers plans. Here: registering
and the change log; reading.py reads (`query`, `related`), upkeep.py keeps the index in step with the log (applying,
pruning, status and health), vocabulary.py keeps the thesaurus and synonym tables. Their public names are all
re-exported here: callers write `search.x`.
"""

from collections.abc import Callable

from flask import Flask, g, has_request_context

from portal import cluster
from portal.extensions import db
from portal.search import postgresql_writer, registry
from portal.search.backends import NotReady, applies_in_requests  # noqa: F401 -- part of the facade
from portal.search.choice import backend
from portal.search.models import SearchChange
from portal.search.reading import COUNT_CAP, SORTS, Hit, Results, _reasons, query, related  # noqa: F401
from portal.search.registry import DatabaseText, DocumentType, Field, Match, Range  # noqa: F401 -- for the domains
from portal.search.upkeep import (  # noqa: F401
    LAG_CAP,
    PRUNE_INTERVAL,
    apply_after_commit,
    apply_pending,
    health,
    prune_log,
    prune_log_now_and_then,
    status,
)
from portal.search.vocabulary import (  # noqa: F401
    SYNONYM_TABLE_ID,
    THESAURUS,
    _providers,
    add_thesaurus_entry,
    create_synonym_table,
    current_thesaurus,
    delete_thesaurus_entry,
    forget_cached_thesaurus,
    move_thesaurus_version_past,
    save_synonym_table,
    synonym_table,
    thesaurus_entries,
    thesaurus_version,
    use_thesaurus,
)
from portal.util import clock


def register(doctype: DocumentType) -> None:
    """Make a domain's documents searchable (called from the domain's set-up)."""
    registry.register(doctype)


def record_change(kind: str, object_id: int) -> None:
    """Note in the current transaction that the object's search projection must be refreshed."""
    registry.get(kind)  # an unknown kind is a programming error: raise now, not in the worker
    db.session.add(SearchChange(kind=kind, object_id=object_id, created_at=clock.now()))
    postgresql_writer.note_change(kind, object_id)  # written before this transaction commits, if in use
    if has_request_context():
        g.search_changed = True


def request_rebuild() -> bool:
    """Have every node's index rebuilt from the database. With an index per node kept by its worker, this raises
    the cluster epoch and returns False at once: each node's worker sees it moved and rebuilds, searches keep
    answering meanwhile. Otherwise (the tests, the PostgreSQL backend) it rebuilds here and returns True.
    The caller commits."""
    if backend().per_node and not applies_in_requests():
        cluster.raise_value(cluster.EPOCH, cluster.epoch() + 1)
        return False
    rebuild()
    return True


def rebuild(progress: Callable[[str, int, int], None] | None = None, only_if_missing: bool = False) -> dict[str, int]:
    """Index every visible row of every registered type afresh, then switch to it."""
    return backend().rebuild(progress, only_if_missing=only_if_missing)


def init_app(app: Flask) -> None:
    from portal.search.cli import reindex_command
    from portal.web import unit_of_work

    app.config.setdefault("SEARCH_BACKEND", "whoosh")
    app.cli.add_command(reindex_command)
    unit_of_work.after_commit(app, apply_after_commit)
