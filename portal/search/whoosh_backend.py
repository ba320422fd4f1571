"""The Whoosh backend: an index per node on disk, following the change log, ranked from bitsets.

The database is the source of truth: the change log row commits or rolls back with the change,
and applying it re-reads the object, so applying twice, late or out of order is harmless.
"""

import contextlib
import logging
import threading
import time
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, or_, select
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.writing import LockError

from portal import cluster
from portal.extensions import db
from portal.search import ranking, registry, sources, store
from portal.search.backends import Found, NotReady, applies_in_requests
from portal.search.docsets import to_whoosh
from portal.search.models import SearchChange
from portal.search.plan import Plan
from portal.search.schema import whoosh_document
from portal.search.whoosh_adapter import BuildCodec
from portal.util import clock

log = logging.getLogger("portal.search")

BATCH = 500
MAX_GAPS = 1000


class WhooshBackend:
    name = "whoosh"
    per_node = True  # each node keeps its own index, which its worker keeps up (keeping.py)

    def __init__(self):
        self.readers = store.Readers()
        self.upgrading = threading.Lock()

    # --- where the index is ------------------------------------------------------------------------

    def root(self) -> Path:
        return Path(current_app.config["SEARCH_INDEX_DIR"])

    def generation(self) -> Path:
        """The generation to apply changes to: the one served, built now when there is none (the index worker and
        `apply_pending()` ask for it; a search only with SEARCH_APPLY_IN_REQUESTS, see `served()`). One of an
        older format is only read until `rebuild()` replaces it; with SEARCH_APPLY_IN_REQUESTS that rebuild
        is started here, in a thread."""
        root = self.root()
        path = store.generation_dir(root)
        if path is not None:
            return path
        served = store.served_dir(root)
        if served is None:
            self.rebuild(only_if_missing=True)
            return store.generation_dir(root)
        if applies_in_requests():
            self._upgrade_in_background()
        return served

    def served(self) -> Path:
        """The generation to search. A search writes nothing: it reads the generation `current` points at,
        whatever its format (the index worker builds, follows and replaces it), and raises NotReady while there
        is none. With SEARCH_APPLY_IN_REQUESTS (the tests, a single process) it is `generation()`, brought up
        to date with the log first when no other process holds it."""
        if applies_in_requests():
            path = self.generation()
            with contextlib.suppress(TimeoutError):  # never wait for a busy writer here
                self.sync(timeout=0, path=path)
            return path
        path = store.served_dir(self.root())
        if path is None:
            raise NotReady("this node has no search index yet")
        return path

    def _upgrade_in_background(self) -> threading.Thread | None:
        """Rebuild an index of an older format in a thread of this process (one at a time; another process
        already at it holds the rebuild lock, and this one then finds the new generation and stops)."""
        if not self.upgrading.acquire(blocking=False):
            return None
        app = current_app._get_current_object()

        def work():
            try:
                with app.app_context():
                    try:
                        from portal import search  # the facade's rebuild, which tests may hold back

                        search.rebuild(only_if_missing=True)
                        log.info("search index rebuilt in the current format")
                    finally:
                        db.session.remove()
            except Exception:  # a background thread has no one else to tell
                log.exception("search index upgrade failed; `flask --app wsgi reindex` rebuilds it")
            finally:
                self.upgrading.release()

        thread = threading.Thread(target=work, name="search-index-upgrade", daemon=True)
        thread.start()
        return thread

    # --- writing ---------------------------------------------------------------------------------

    def index(self, kind: str, documents: list[dict], path: Path | None = None, timeout: float = 10.0) -> None:
        self._write(path or self.generation(), kind, {int(d["id"]): d for d in documents}, timeout)

    def delete(self, kind: str, ids: list[int], path: Path | None = None, timeout: float = 10.0) -> None:
        self._write(path or self.generation(), kind, dict.fromkeys(ids), timeout)

    def _write(self, path: Path, kind: str, documents: dict[int, dict | None], timeout: float) -> None:
        doctype = registry.get(kind)
        ix = store.open_index(path, doctype.index)
        try:
            writer = ix.writer(timeout=timeout)
        except LockError as error:
            raise TimeoutError(f"search index {kind} is locked") from error
        try:
            for ident in sorted(documents):
                document = documents[ident]
                if document is None:
                    writer.delete_by_term("id", str(ident))
                else:
                    writer.update_document(**whoosh_document(doctype, document))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def sync(self, timeout: float | None = None, path: Path | None = None) -> int:
        """Apply logged changes to the index; return how many were applied (0 when another process holds it)."""
        path = path or self.generation()
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
                done = self._apply_batch(path, state, timeout)
                applied += done
                if done < BATCH:
                    return applied

    def _apply_batch(self, path: Path, state: dict, timeout: float) -> int:
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
        wanted: dict[str, set[int]] = {}
        for _id, kind, object_id in rows:
            wanted.setdefault(kind, set()).add(object_id)
        for kind, ids in wanted.items():
            if kind in registry.kinds():
                self._write(path, kind, sources.documents(kind, ids), timeout)
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

    def rebuild(self, progress=None, only_if_missing: bool = False) -> dict[str, int]:
        """Index every visible row of every registered type into a fresh directory, then switch to it."""
        root = self.root()
        root.mkdir(parents=True, exist_ok=True)
        counts = {}
        with store.file_lock(root / "rebuild.lock", 3600) as taken:
            if not taken:
                raise TimeoutError("another rebuild is running")
            if only_if_missing and store.generation_dir(root) is not None:
                return counts  # another process built the first index while this one waited
            # Read the epoch and the log position first: anything logged after them is applied on top of the new
            # index, and a restore after them moves the epoch again, so this index is rebuilt once more.
            epoch = cluster.epoch()
            start = db.session.scalar(select(func.max(SearchChange.id))) or 0
            recent = set(db.session.scalars(select(SearchChange.id).where(SearchChange.id > start - 200)))
            path = store.new_generation(root)
            for doctype in registry.types():
                total = sources.count(doctype.kind)
                ix = store.open_index(path, doctype.index)
                # Analysis and posting encoding are pure Python: large builds use every core.
                procs = current_app.config["SEARCH_BUILD_PROCS"] if total > 5000 else 1
                # One segment per process: merging them at the end costs more than the parallel build saves.
                writer = ix.writer(limitmb=256, procs=procs, multisegment=procs > 1, codec=BuildCodec())
                done = 0
                for document in sources.every_document(doctype.kind):
                    if document is not None:
                        writer.add_document(**whoosh_document(doctype, document))
                    done += 1
                    if progress and (done % 1000 == 0 or done == total):
                        progress(doctype.kind, done, total)
                writer.commit()
                ix.close()
                counts[doctype.kind] = done
                db.session.expire_all()
            now = time.time()
            gaps = {i: now for i in range(max(start - 199, 1), start + 1) if i not in recent}
            store.write_state(path, {"cursor": start, "gaps": gaps})
            store.write_epoch(path, epoch)
            self.sync(path=path)
            store.switch_to(root, path)
        return counts

    # --- reading ---------------------------------------------------------------------------------

    def searcher(self, index_name: str):
        path = self.served()
        try:
            return self.readers.searcher(path, index_name)
        except (OSError, whoosh_index.IndexError) as error:
            self.readers.close()
            raise NotReady(f"the search index {path.name}/{index_name} cannot be opened: {error}") from error

    def docsets(self, index_name: str):
        """The bitset cache of the searcher last opened for `index_name` in this thread."""
        return self.readers.docsets_for(index_name)

    def search(self, kind: str, plan: Plan, conditions: list, offset: int, limit: int,
               sort: str = "relevance", expansions: bool = False) -> Found:
        doctype = registry.get(kind)
        searcher = self.searcher(doctype.index)
        docsets = self.docsets(doctype.index)
        allowed = docsets.bits(list(conditions)) if conditions else None
        # The page is ranked and counted from cached bitsets of the plan's clauses (ranking.py).
        docnums, total, full_total = ranking.ranked(docsets, plan, allowed, offset, limit, by_year=sort == "year")
        found = Found([(int(f["id"]), f) for f in map(searcher.stored_fields, docnums)], total, full_total)
        if expansions and plan.expansions and total:
            found.matched_expansions = ranking.useful_expansions(docsets, plan, allowed)
        return found

    def count(self, kind: str, plan: Plan, conditions: list) -> int:
        return self.search(kind, plan, conditions, 0, 0).total

    def related(self, kind: str, text: str, limit: int, conditions: list) -> list[tuple[int, list[str]]]:
        doctype = registry.get(kind)
        searcher = self.searcher(doctype.index)
        if not text.strip() or searcher.doc_count() == 0:
            return []
        keys = [(term, weight) for term, weight in searcher.key_terms_from_text("body", text[:5000], numterms=12)
                if len(term) > 1]
        if not keys:
            return []
        clauses = []
        for term, weight in keys:
            clauses += [wq.Term(doctype.title.name, term, boost=2.0 * weight), wq.Term("body", term, boost=weight),
                        wq.Term("tags", term, boost=weight)]
        restrict = wq.And([to_whoosh(c) for c in conditions]) if conditions else None
        found = searcher.search(wq.Or(clauses), limit=limit, filter=restrict, terms=True)
        related = []
        for hit in found:
            matched = {term.decode() if isinstance(term, bytes) else term for _field, term in hit.matched_terms()}
            related.append((int(hit["id"]), [term for term, _w in keys if term in matched]))
        return related

    def remember(self, kind: str, key, compute):
        """`compute()` once per searcher of `kind`'s index (dropped at the next index change)."""
        index = registry.get(kind).index
        self.searcher(index)
        return self.docsets(index).remember(key, compute)

    def applied_up_to(self) -> int | None:
        path = store.generation_dir(self.root())
        return None if path is None else store.read_state(path)["cursor"]

    def position(self) -> dict:
        """Where this node's index stands, read from disk without building, opening a searcher or applying
        anything (for /healthz and /readyz): the generation served, whether its indexes can be opened, the
        last change applied and the ids it still looks for."""
        path = store.served_dir(self.root())
        if path is None:
            return {"ready": False, "generation": None, "cursor": None, "gaps": (), "epoch": None}
        state = store.read_state(path)
        # A generation of an older format is still searched (served()) until the index worker replaces it.
        return {"ready": store.usable(path, [t.index for t in registry.types()]), "generation": path.name,
                "cursor": state["cursor"], "gaps": tuple(state["gaps"]),
                "current_format": store.has_current_format(path), "epoch": store.read_epoch(path)}

    def status(self) -> dict:
        path = store.generation_dir(self.root())
        if path is None:
            return {"built": False, "cursor": 0, "documents": {}}
        state = store.read_state(path)
        documents = {}
        for doctype in registry.types():
            ix = store.open_index(path, doctype.index)
            documents[doctype.index] = ix.doc_count()
            ix.close()
        return {"built": True, "cursor": state["cursor"], "documents": documents,
                "built_at": datetime.fromtimestamp(int(path.name.split("-")[1]) / 1e9, tz=clock.LOCAL_TZ)}


def _expire_gaps(gaps: dict) -> None:
    horizon = time.time() - current_app.config["SEARCH_GAP_SECONDS"]
    for gap in [k for k, seen in gaps.items() if seen < horizon]:
        del gaps[gap]
    for gap in sorted(gaps)[:-MAX_GAPS]:
        del gaps[gap]
