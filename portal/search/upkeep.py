"""Keeping the index in step with the change log: applying it, pruning it, and saying how far behind a node is.

When a node's worker applies or rebuilds is keeping.py's; this module does the applying and the bookkeeping.
"""

import logging
import time
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import delete, func, or_, select

from portal import cluster
from portal.extensions import db
from portal.search.backends import applies_in_requests
from portal.search.choice import backend
from portal.search.models import SearchChange
from portal.util import clock

log = logging.getLogger("portal.search")

PRUNE_INTERVAL = 3600.0  # seconds between two clean-ups of the change log by one process
_last_prune = [float("-inf")]


def apply_pending(timeout: float | None = None) -> int:
    """Apply logged changes to this node's index; return how many were applied (0 when another process
    holds it)."""
    return backend().sync(timeout=timeout)


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
    positions = [
        node.search_cursor
        for node in cluster.live_nodes()
        if node.search_cursor is not None and (node.epoch or 0) == epoch
    ]
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
        lag = db.session.scalar(
            select(func.count()).select_from(select(SearchChange.id).where(pending).limit(LAG_CAP).subquery())
        )
    return {"backend": chosen.name, "ready": position["ready"], "generation": position["generation"], "lag": lag}
