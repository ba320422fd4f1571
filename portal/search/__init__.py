"""Search: the one door to the full-text index. Nothing outside this package imports Whoosh.

- `record_change(kind, object_id)` — inside the transaction that changes the object;
- `apply_pending()` — after commit: bring the index up to date from the change log;
- `query(...)`, `related_products(...)`, `related_scenarios(...)` — read;
- `rebuild()` — build a fresh index from the database and switch to it.

The database is the source of truth: the change log row commits or rolls back with the change,
and applying it re-reads the object, so applying twice, late or out of order is harmless.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, has_request_context
from flask_babel import force_locale
from sqlalchemy import delete, func, or_, select
from whoosh import query as wq
from whoosh.writing import LockError

from portal.extensions import db
from portal.search import engine, ranking, store
from portal.search.models import SearchChange
from portal.search.schema import PRODUCTS, SCENARIOS, product_document, scenario_document
from portal.search.synonyms import table_for
from portal.util import clock
from portal.web.paging import Page

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)

PRODUCT, SCENARIO = "product", "scenario"
_INDEX_OF = {PRODUCT: PRODUCTS, SCENARIO: SCENARIOS}
BATCH = 500
MAX_GAPS = 1000
PRUNE_INTERVAL = 3600.0  # seconds between two clean-ups of the change log by one process
_readers = store.Readers()
_last_prune = [float("-inf")]


def record_change(kind: str, object_id: int) -> None:
    """Note in the current transaction that the object's search projection must be refreshed."""
    if kind not in _INDEX_OF:
        raise ValueError(f"unknown search kind {kind!r}")
    db.session.add(SearchChange(kind=kind, object_id=object_id, created_at=clock.now()))
    if has_request_context():
        g.search_changed = True


def _root() -> Path:
    return Path(current_app.config["SEARCH_INDEX_DIR"])


def _generation() -> Path:
    """The generation to search. None yet: build it now. One of an older format: keep answering from it
    (phrases in long texts find nothing there) while its successor is built in the background."""
    root = _root()
    path = store.generation_dir(root)
    if path is not None:
        return path
    served = store.served_dir(root)
    if served is None:
        rebuild(only_if_missing=True)
        return store.generation_dir(root)
    _upgrade_in_background()
    return served


_upgrading = threading.Lock()


def _upgrade_in_background() -> threading.Thread | None:
    """Rebuild an index of an older format in a thread of this process (one at a time; another process
    already at it holds the rebuild lock, and this one then finds the new generation and stops)."""
    if not _upgrading.acquire(blocking=False):
        return None
    app = current_app._get_current_object()

    def work():
        try:
            with app.app_context():
                try:
                    rebuild(only_if_missing=True)
                    log.info("search index rebuilt in the current format")
                finally:
                    db.session.remove()
        except Exception:  # a background thread has no one else to tell
            log.exception("search index upgrade failed; `flask --app wsgi reindex` rebuilds it")
        finally:
            _upgrading.release()

    thread = threading.Thread(target=work, name="search-index-upgrade", daemon=True)
    thread.start()
    return thread


def apply_pending(timeout: float | None = None, path: Path | None = None) -> int:
    """Apply logged changes to the index; return how many were applied (0 when another process holds it)."""
    path = path or _generation()
    if not store.has_current_format(path):
        return 0  # an older index is only read until it is replaced; the log waits for its successor
    if timeout is None:
        timeout = current_app.config["SEARCH_WRITER_TIMEOUT"]
    applied = 0
    with store.file_lock(path / "apply.lock", timeout) as taken:
        if not taken:
            return 0
        while True:
            state = store.read_state(path)
            done = _apply_batch(path, state, timeout)
            applied += done
            if done < BATCH:
                return applied


def _apply_batch(path: Path, state: dict, timeout: float) -> int:
    cursor, gaps = state["cursor"], state["gaps"]
    condition = SearchChange.id > cursor
    if gaps:
        condition = or_(condition, SearchChange.id.in_(list(gaps)))
    rows = db.session.execute(select(SearchChange.id, SearchChange.kind, SearchChange.object_id)
                              .where(condition).order_by(SearchChange.id).limit(BATCH)).all()
    if not rows:
        _expire_gaps(gaps)
        if gaps != state["gaps"]:
            store.write_state(path, {"cursor": cursor, "gaps": gaps})
        return 0
    wanted: dict[str, set[int]] = {PRODUCT: set(), SCENARIO: set()}
    for _id, kind, object_id in rows:
        wanted.setdefault(kind, set()).add(object_id)
    _write(path, wanted, timeout)
    seen = {row.id for row in rows}
    newest = max(seen)
    now = time.time()
    # Ids below the newest that are not in the log yet may belong to transactions still open
    # (PostgreSQL hands out ids before commit): look for them again until they are old.
    for missing in range(max(cursor + 1, newest - MAX_GAPS), newest):
        if missing not in seen and missing not in gaps:
            gaps[missing] = now
    for found in seen:
        gaps.pop(found, None)
    _expire_gaps(gaps)
    store.write_state(path, {"cursor": max(cursor, newest), "gaps": gaps})
    return len(rows)


def _expire_gaps(gaps: dict) -> None:
    horizon = time.time() - current_app.config["SEARCH_GAP_SECONDS"]
    for gap in [k for k, seen in gaps.items() if seen < horizon]:
        del gaps[gap]
    for gap in sorted(gaps)[:-MAX_GAPS]:
        del gaps[gap]


def _write(path: Path, wanted: dict[str, set[int]], timeout: float) -> None:
    from portal.catalogue.models import Product
    from portal.scenarios.models import Scenario

    for kind, ids in wanted.items():
        if not ids:
            continue
        ix = store.open_index(path, _INDEX_OF[kind])
        try:
            writer = ix.writer(timeout=timeout)
        except LockError as error:
            raise TimeoutError(f"search index {kind} is locked") from error
        try:
            model = Product if kind == PRODUCT else Scenario
            rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}
            with force_locale("zh_CN"):
                for ident in sorted(ids):
                    document = _document(kind, rows.get(ident))
                    if document is None:
                        writer.delete_by_term("id", str(ident))
                    else:
                        writer.update_document(**document)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()


def _document(kind: str, obj) -> dict | None:
    from portal.catalogue.models import ProductState
    from portal.scenarios.models import ScenarioState
    from portal.util.text import html_to_text

    if obj is None:
        return None
    if kind == PRODUCT:
        return product_document(obj) if obj.state == ProductState.APPROVED else None
    if not obj.is_public or not obj.batch.is_published or obj.state == ScenarioState.CANCELLED:
        return None
    text = "\n".join((html_to_text(obj.description_html), html_to_text(obj.requirements_html)))
    return scenario_document(obj, text)


def rebuild(progress: Callable[[str, int, int], None] | None = None, only_if_missing: bool = False) -> dict[str, int]:
    """Index every approved product and public scenario into a fresh directory, then switch to it."""
    from portal.catalogue.models import Product, ProductState
    from portal.scenarios.models import Scenario

    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    counts = {}
    with store.file_lock(root / "rebuild.lock", 3600) as taken:
        if not taken:
            raise TimeoutError("another rebuild is running")
        if only_if_missing and store.generation_dir(root) is not None:
            return counts  # another process built the first index while this one waited
        # Read the log position first: anything logged after it is applied on top of the new index.
        start = db.session.scalar(select(func.max(SearchChange.id))) or 0
        recent = set(db.session.scalars(select(SearchChange.id).where(SearchChange.id > start - 200)))
        path = store.new_generation(root)
        sources = {
            PRODUCT: select(Product).where(Product.state == ProductState.APPROVED).order_by(Product.id),
            SCENARIO: select(Scenario).where(Scenario.published_at.is_not(None)).order_by(Scenario.id),
        }
        for kind, stmt in sources.items():
            total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
            ix = store.open_index(path, _INDEX_OF[kind])
            # Analysis and posting encoding are pure Python: large builds use every core.
            procs = current_app.config["SEARCH_BUILD_PROCS"] if total > 5000 else 1
            # One segment per process: merging them at the end costs more than the parallel build saves.
            writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1)
            done = 0
            with force_locale("zh_CN"):
                for obj in db.session.scalars(stmt.execution_options(yield_per=1000)):
                    document = _document(kind, obj)
                    if document is not None:
                        writer.add_document(**document)
                    done += 1
                    if progress and (done % 1000 == 0 or done == total):
                        progress(kind, done, total)
            writer.commit()
            ix.close()
            counts[kind] = done
            db.session.expire_all()
        now = time.time()
        gaps = {i: now for i in range(max(start - 199, 1), start + 1) if i not in recent}
        store.write_state(path, {"cursor": start, "gaps": gaps})
        apply_pending(path=path)
        store.switch_to(root, path)
    return counts


def _searcher(index_name: str):
    path = _generation()
    # Keep the index in step with other processes' commits; never wait for a busy writer here.
    with contextlib.suppress(TimeoutError):
        apply_pending(timeout=0, path=path)
    return _readers.searcher(path, index_name)


@dataclass
class Hit:
    id: int
    fields: dict


@dataclass
class Results(Page):
    """A page of hits (`exact` is False when `total` is the lower bound COUNT_CAP), and how to mark them."""

    marks: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)

    def highlight(self, text: str):
        return engine.highlight(text, self.marks)

    def snippet(self, text: str, width: int = 120):
        return engine.snippet(text, self.marks, width)


PRODUCT_FILTERS = ("type", "sector", "level", "district", "year")
SCENARIO_FILTERS = ("sector", "district")
SORTS = ("relevance", "year")
COUNT_CAP = 1000


def query(kind: str, q: str, filters: dict | None = None, page: int = 1, per_page: int = 20,
          sort: str = "relevance") -> Results:
    """Search products or scenarios; `filters` narrow by facet values, `sort` is relevance or year."""
    synonyms = table_for(Path(current_app.config["SYNONYMS_FILE"]))
    fields = engine.PRODUCT_FIELDS if kind == PRODUCT else engine.SCENARIO_FIELDS
    words, built, marks = engine.compile_query(q, synonyms, fields)
    results = Results([], 0, page, per_page, marks=list(marks), words=[w.text for w in words])
    if built is None:
        return results
    index_name = _INDEX_OF[kind]
    searcher = _searcher(index_name)
    docsets = _readers.docsets_for(index_name)
    names = PRODUCT_FILTERS if kind == PRODUCT else SCENARIO_FILTERS
    terms = []
    for name, value in sorted((filters or {}).items()):
        if name in names and value not in (None, ""):
            terms.append(wq.Term(name, int(value)) if name == "year" else wq.Term(name, str(value)))
    if kind == SCENARIO and (filters or {}).get("open"):
        terms.append(wq.NumericRange("deadline", int(clock.now().timestamp()) + 1, None))
    allowed_bits = docsets.bits(wq.And(terms)) if terms else None
    offset = (max(page, 1) - 1) * per_page
    # The page is ranked and counted from cached bitsets of the query's clauses (ranking.py).
    docnums, total = ranking.ranked(docsets, built, allowed_bits, offset, per_page, by_year=sort == "year")
    results.items = [Hit(int(fields["id"]), fields) for fields in map(searcher.stored_fields, docnums)]
    results.total, results.exact = (COUNT_CAP, False) if total > COUNT_CAP else (total, True)
    return results


def related_products(text: str, limit: int = 5) -> list[tuple[int, list[str]]]:
    """Approved products whose text shares the key terms of `text`, with the terms that matched.

    The same text asks the same question of the same index: the answer is kept with the searcher."""
    _searcher(PRODUCTS)
    return _readers.docsets_for(PRODUCTS).remember(("related", text, limit),
                                                  lambda: _related(PRODUCTS, "name", text, limit))


def related_scenarios(text: str, limit: int = 5) -> list[tuple[int, list[str]]]:
    """Scenarios still open for proposals whose text shares the key terms of `text`."""
    now = int(clock.now().timestamp())
    return _related(SCENARIOS, "title", text, limit, wq.NumericRange("deadline", now + 1, None))


def _related(index_name: str, title: str, text: str, limit: int, restrict=None):
    searcher = _searcher(index_name)
    if not text.strip() or searcher.doc_count() == 0:
        return []
    keys = [(term, weight) for term, weight in searcher.key_terms_from_text("body", text[:5000], numterms=12)
            if len(term) > 1]
    if not keys:
        return []
    clauses = []
    for term, weight in keys:
        clauses += [wq.Term(title, term, boost=2.0 * weight), wq.Term("body", term, boost=weight),
                    wq.Term("tags", term, boost=weight)]
    found = searcher.search(wq.Or(clauses), limit=limit, filter=restrict, terms=True)
    related = []
    for hit in found:
        matched = {term.decode() if isinstance(term, bytes) else term for _field, term in hit.matched_terms()}
        related.append((int(hit["id"]), _reasons([term for term, _w in keys if term in matched])))
    return related


def _reasons(terms: list[str]) -> list[str]:
    """The matched terms worth showing: the longest forms only (变电站, not also 变电 and 电站)."""
    kept: list[str] = []
    for term in sorted(terms, key=len, reverse=True):
        if not any(term in longer for longer in kept):
            kept.append(term)
    return sorted(kept, key=terms.index)[:4]


def apply_after_commit() -> None:
    """Bring the index up to date once a request that changed indexed objects has committed."""
    if g.pop("search_changed", False):
        try:
            apply_pending(timeout=current_app.config["SEARCH_REQUEST_TIMEOUT"])
        except (TimeoutError, OSError) as error:
            # The change stays in the log; the next search or writer applies it.
            log.warning("search index not updated after request: %s", error)
        else:
            prune_log_now_and_then()


def prune_log() -> int:
    """Delete change-log rows this node's index has applied and that are older than SEARCH_LOG_KEEP_DAYS;
    return how many. A rebuild reads the objects themselves, so such rows are never needed again.
    The caller commits (the index worker; after a request, portal/web/unit_of_work.py)."""
    path = store.generation_dir(_root())
    if path is None:
        return 0
    cursor = store.read_state(path)["cursor"]
    horizon = clock.now() - timedelta(days=current_app.config["SEARCH_LOG_KEEP_DAYS"])
    deleted = db.session.execute(delete(SearchChange).where(SearchChange.id <= cursor,
                                                            SearchChange.created_at < horizon)).rowcount
    return deleted


def prune_log_now_and_then() -> None:
    """`prune_log()` at most once per PRUNE_INTERVAL in this process."""
    now = time.monotonic()
    if now - _last_prune[0] < PRUNE_INTERVAL:
        return
    _last_prune[0] = now
    deleted = prune_log()
    if deleted:
        log.info("removed %d applied search changes from the log", deleted)


def status() -> dict:
    """How far this node's index is behind the change log (for the admin page and the CLI)."""
    path = store.generation_dir(_root())
    newest = db.session.scalar(select(func.max(SearchChange.id))) or 0
    if path is None:
        return {"built": False, "cursor": 0, "newest": newest, "documents": {}}
    state = store.read_state(path)
    documents = {}
    for name in (PRODUCTS, SCENARIOS):
        ix = store.open_index(path, name)
        documents[name] = ix.doc_count()
        ix.close()
    return {"built": True, "cursor": state["cursor"], "newest": newest, "documents": documents,
            "built_at": datetime.fromtimestamp(int(path.name.split("-")[1]) / 1e9, tz=clock.LOCAL_TZ)}


def init_app(app: Flask) -> None:
    from portal.web import unit_of_work

    unit_of_work.after_commit(app, apply_after_commit)


from portal.search import routes  # noqa: E402,F401
