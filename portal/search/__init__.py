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

The backend (SEARCH_BACKEND, backends.py) stores documents and answers plans; everything else is here.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import DatabaseError, IntegrityError

from portal import cluster
from portal.extensions import db
from portal.search import database_fallback, engine, postgresql_backend, postgresql_writer, registry, thesaurus
from portal.search.backends import NotReady, applies_in_requests
from portal.search.models import SearchChange, SearchVersion, SynonymTable, ThesaurusEntry
from portal.search.registry import DatabaseText, DocumentType, Field, Match, Range  # noqa: F401 -- for the domains
from portal.search.synonyms import table_for
from portal.search.whoosh_backend import WhooshBackend
from portal.util import clock
from portal.web.paging import Page

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 3600.0  # seconds between two clean-ups of the change log by one process
COUNT_CAP = 1000
SORTS = ("relevance", "year")
_last_prune = [float("-inf")]
_backends = {"whoosh": WhooshBackend(), "postgresql": postgresql_backend.PostgresBackend()}


def register(doctype: DocumentType) -> None:
    """Make a domain's documents searchable (called from the domain's set-up)."""
    registry.register(doctype)


def backend():
    name = current_app.config.get("SEARCH_BACKEND", "whoosh")
    try:
        return _backends[name]
    except KeyError:
        raise RuntimeError(f"SEARCH_BACKEND {name!r} is not available (known: {', '.join(_backends)})") from None


def record_change(kind: str, object_id: int) -> None:
    """Note in the current transaction that the object's search projection must be refreshed."""
    registry.get(kind)  # an unknown kind is a programming error: raise now, not in the worker
    db.session.add(SearchChange(kind=kind, object_id=object_id, created_at=clock.now()))
    postgresql_writer.note_change(kind, object_id)  # written before this transaction commits, if in use
    if has_request_context():
        g.search_changed = True


def apply_pending(timeout: float | None = None) -> int:
    """Apply logged changes to this node's index; return how many were applied (0 when another process
    holds it)."""
    return backend().sync(timeout=timeout)


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


# --- thesaurus ----------------------------------------------------------------------------------

_providers: dict[str, Callable[[], list[thesaurus.Entry]]] = {}
_merged: list = [None, thesaurus.EMPTY]
_merged_lock = threading.Lock()
THESAURUS = "thesaurus"


def use_thesaurus(name: str, provider: Callable[[], list[thesaurus.Entry]]) -> None:
    """Add a domain's shipped thesaurus (called at set-up; `provider()` is read once per version)."""
    _providers[name] = provider


def _version() -> int:
    if has_request_context() and "search_thesaurus_version" in g:
        return g.search_thesaurus_version
    version = db.session.scalar(select(SearchVersion.version).where(SearchVersion.name == THESAURUS)) or 0
    if has_request_context():
        g.search_thesaurus_version = version
    return version


def current_thesaurus() -> thesaurus.Thesaurus:
    """The shipped entries, the synonym tables (shipped and the administrators') and the administrators'
    entries, merged; re-read when the shipped file changes or the database version moves (an entry added or
    the synonym table saved on any node)."""
    version = _version()
    synonyms = table_for(_synonym_text(version))
    stamp = (synonyms, version, tuple(_providers.items()))
    if _merged[0] == stamp:
        return _merged[1]
    with _merged_lock:
        entries = thesaurus.from_synonyms(synonyms)
        for name, provider in _providers.items():
            try:
                entries += provider()
            except (OSError, thesaurus.ThesaurusError):
                log.exception("thesaurus %s could not be read; searching without it", name)
        for row in db.session.scalars(select(ThesaurusEntry).order_by(ThesaurusEntry.id)):
            if row.kind in thesaurus.BOOSTS and row.expansions:
                entries.append(thesaurus.Entry(row.term, tuple(row.expansions), row.kind, row.source))
        _merged[:] = [stamp, thesaurus.Thesaurus(entries)]
        return _merged[1]


_synonyms_read: list = [None, ""]  # [the thesaurus version it was read at, the administrators' synonym text]


def _synonym_text(version: int) -> str:
    """The administrators' synonym table, read from the database once per thesaurus version."""
    if _synonyms_read[0] != version:
        row = synonym_table()
        _synonyms_read[:] = [version, row.text if row is not None else ""]
    return _synonyms_read[1]


def forget_cached_thesaurus() -> None:
    """Drop this process's merged thesaurus and synonym text (a test whose rows were rolled back reuses a
    version number another test's rows had)."""
    _merged[:] = [None, thesaurus.EMPTY]
    _synonyms_read[:] = [None, ""]


SYNONYM_TABLE_ID = 1  # the one row


def synonym_table() -> SynonymTable | None:
    """The administrators' synonym table (its text, when and by whom it was saved); None before the first save."""
    return db.session.get(SynonymTable, SYNONYM_TABLE_ID)


def save_synonym_table(text: str, by_id: int | None) -> SynonymTable:
    """Replace the administrators' synonym table (the caller has checked it with `synonyms.parse`, audits and
    commits); every node's next search uses it."""
    row = synonym_table()
    if row is None:
        row = create_synonym_table(text, by_id)
        if row is not None:
            return row
        row = synonym_table()  # stored by another transaction meanwhile: this save replaces it
    row.text, row.updated_at, row.updated_by_id = text, clock.now(), by_id
    _bump(THESAURUS)
    db.session.flush()
    return row


def create_synonym_table(text: str, by_id: int | None) -> SynonymTable | None:
    """Store the first synonym table; None when another transaction stored one first (the caller audits and
    commits)."""
    try:
        with db.session.begin_nested():
            row = SynonymTable(id=SYNONYM_TABLE_ID, text=text, updated_at=clock.now(), updated_by_id=by_id)
            db.session.add(row)
    except IntegrityError:
        return None
    _bump(THESAURUS)
    db.session.flush()
    return row


def thesaurus_version() -> int:
    """The "thesaurus" counter now (0 when it is not there, as in a database not yet migrated)."""
    try:
        with db.session.begin_nested():
            return db.session.scalar(select(SearchVersion.version).where(SearchVersion.name == THESAURUS)) or 0
    except DatabaseError:
        return 0


def move_thesaurus_version_past(version: int) -> None:
    """Set the "thesaurus" counter above both `version` and its value now: after a restore replaced the
    database, a node that had read the thesaurus at any version up to `version` reads it afresh."""
    target = max(version, thesaurus_version()) + 1
    if not db.session.execute(update(SearchVersion).where(SearchVersion.name == THESAURUS)
                              .values(version=target)).rowcount:
        db.session.add(SearchVersion(name=THESAURUS, version=target))
    db.session.flush()


def thesaurus_entries() -> list[ThesaurusEntry]:
    return list(db.session.scalars(select(ThesaurusEntry).order_by(ThesaurusEntry.term, ThesaurusEntry.id)))


def add_thesaurus_entry(term: str, expands: list[str], kind: str, source: str = "") -> ThesaurusEntry:
    """Add an administrator's entry (ThesaurusError when it is unusable); the caller audits and commits."""
    entry = thesaurus.check(term, expands, kind)
    row = ThesaurusEntry(term=entry.term, expands="\n".join(entry.expands), kind=entry.kind,
                         source=(source or "").strip()[:200], created_at=clock.now())
    db.session.add(row)
    _bump(THESAURUS)
    db.session.flush()
    return row


def delete_thesaurus_entry(entry_id: int) -> ThesaurusEntry | None:
    """Remove an administrator's entry; None when there is no such entry."""
    row = db.session.get(ThesaurusEntry, entry_id)
    if row is not None:
        db.session.delete(row)
        _bump(THESAURUS)
        db.session.flush()
    return row


def _bump(name: str) -> None:
    raised = db.session.execute(update(SearchVersion).where(SearchVersion.name == name)
                                .values(version=SearchVersion.version + 1)).rowcount
    if not raised:
        db.session.add(SearchVersion(name=name, version=1))
    if has_request_context():
        g.pop("search_thesaurus_version", None)


# --- reading ------------------------------------------------------------------------------------

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


def query(kind: str, q: str, filters: dict | None = None, page: int = 1, per_page: int = 20,
          sort: str = "relevance") -> Results:
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
        found = backend().search(kind, plan, doctype.conditions(filters), offset, per_page,
                                 "year" if sort == "year" else "relevance", expansions=True)
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


def _from_database(doctype: DocumentType, words: list, filters: dict | None, offset: int,
                   results: Results) -> Results:
    """`results` filled from the database while this node has no index (database_fallback.py)."""
    hits, total, full_total, looked_for = database_fallback.search(
        doctype, [w.text for w in words], filters, offset, results.per_page, COUNT_CAP)
    results.from_database = True
    results.items = [Hit(ident, fields) for ident, fields in hits]
    results.full_total = min(full_total, COUNT_CAP)
    results.partial = total > 0 and full_total == 0
    results.total, results.exact = (COUNT_CAP, False) if total > COUNT_CAP else (total, True)
    results.marks = looked_for
    return results


def related(kind: str, text: str, limit: int = 5, filters: dict | None = None,
            keep_while: Callable[[list[tuple[int, list[str]]]], bool] | None = None) -> list[tuple[int, list[str]]]:
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


# --- keeping up ---------------------------------------------------------------------------------

def apply_after_commit() -> None:
    """Bring the index up to date once a request that changed indexed objects has committed — only with
    SEARCH_APPLY_IN_REQUESTS (the tests); otherwise the index worker applies the log and a request does nothing."""
    if g.pop("search_changed", False) and applies_in_requests():
        try:
            apply_pending(timeout=current_app.config["SEARCH_REQUEST_TIMEOUT"])
        except (TimeoutError, OSError) as error:
            # The change stays in the log; the next search or writer applies it.
            log.warning("search index not updated after request: %s", error)


def prune_log() -> int:
    """Delete the change-log rows no node still needs that are older than SEARCH_LOG_KEEP_DAYS; return how many.

    A node needs the rows its own index has not applied. The live nodes (portal/cluster: their worker reported
    within NODE_LIVE_SECONDS) say how far theirs has got, and only rows at or below the slowest of them go
    (nodes whose index was built at another epoch are rebuilding and need none). With no live node reporting
    a position, this node's own position is the limit (none yet: nothing goes). The highest id pruned is kept
    (cluster "search_pruned_up_to"): a node that was not counted (stopped for a while) and is below it has
    missed changes, and its worker rebuilds its index (keeping.py) — a rebuild reads the objects themselves.
    The newest row always stays, so the log's ids keep growing (SQLite would hand out the ids of deleted rows
    again). Run by the worker at most hourly; the caller commits."""
    floor = _prune_floor()
    if floor is None:
        return 0
    horizon = clock.now() - timedelta(days=current_app.config["SEARCH_LOG_KEEP_DAYS"])
    newest = db.session.scalar(select(func.max(SearchChange.id))) or 0
    prunable = (SearchChange.id <= floor, SearchChange.id < newest, SearchChange.created_at < horizon)
    highest = db.session.scalar(select(func.max(SearchChange.id)).where(*prunable))
    if highest is None:
        return 0
    deleted = db.session.execute(delete(SearchChange).where(*prunable, SearchChange.id <= highest)).rowcount
    cluster.raise_value(cluster.SEARCH_PRUNED, highest)
    return deleted


def _prune_floor() -> int | None:
    """The change id every live node's index has applied (see prune_log), or None when rows may not go."""
    epoch = cluster.epoch()
    positions = [node.search_cursor for node in cluster.live_nodes()
                 if node.search_cursor is not None and (node.epoch or 0) == epoch]
    return min(positions) if positions else backend().applied_up_to()


def prune_log_now_and_then() -> None:
    """`prune_log()` at most once per PRUNE_INTERVAL in this process (the worker prunes on its own clock)."""
    now = time.monotonic()
    if now - _last_prune[0] < PRUNE_INTERVAL:
        return
    _last_prune[0] = now
    deleted = prune_log()
    if deleted:
        log.info("removed %d applied search changes from the log", deleted)


def status() -> dict:
    """How far this node's index is behind the change log (for the admin page and the CLI)."""
    newest = db.session.scalar(select(func.max(SearchChange.id))) or 0
    return {**backend().status(), "newest": newest}


LAG_CAP = 100_000  # a health check counts no further


def health() -> dict:
    """This node's search for /healthz and /readyz, cheaply: never builds, opens or brings up to date an index.

    {"backend", "ready": whether searches are answered from an index now, "generation": the index served,
    "lag": committed changes in the log the index has not applied (at most LAG_CAP; None while there is no
    index)}. The database is asked only for the lag (and, with the PostgreSQL backend, the version)."""
    chosen = backend()
    position = chosen.position()
    lag = 0
    if position["cursor"] is None:
        lag = None if not position["ready"] else 0
    else:
        pending = SearchChange.id > position["cursor"]
        if position["gaps"]:
            pending = or_(pending, SearchChange.id.in_(list(position["gaps"])))
        lag = db.session.scalar(select(func.count()).select_from(
            select(SearchChange.id).where(pending).limit(LAG_CAP).subquery()))
    return {"backend": chosen.name, "ready": position["ready"], "generation": position["generation"], "lag": lag}


def init_app(app: Flask) -> None:
    from portal.search.cli import reindex_command
    from portal.web import unit_of_work

    app.config.setdefault("SEARCH_BACKEND", "whoosh")
    app.cli.add_command(reindex_command)
    unit_of_work.after_commit(app, apply_after_commit)
