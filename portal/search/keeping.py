"""Keeping this node's search index up to date, outside requests: what the node's worker asks each tick.

`keep_up()` looks at the index this node serves and at the database, and does one of:

- build it, when there is none or it cannot be opened;
- rebuild it, when it is of an older format (`store.has_current_format`), when it was built at another cluster
  epoch (a restore replaced the database since: portal/cluster), when changes it has not applied were pruned from
  the log (its cursor is below the highest id ever pruned, `search.prune_log`), or when it has applied changes
  the log does not hold (the database was replaced by an older one);
- otherwise apply the changes logged since (`search.apply_pending()`).

After it built, rebuilt or applied anything it touches the page cache's data version
(portal/web/page_cache.py): public pages rendered while the index was behind are not served as current.

The PostgreSQL backend keeps no index per node (its documents are written with each change and restored with
the database): there is nothing to keep up.
"""

from flask import current_app
from sqlalchemy import func, select

from portal import cluster, search
from portal.extensions import db
from portal.search.models import SearchChange
from portal.web import page_cache

MISSING, UNUSABLE, FORMAT, EPOCH, PRUNED, AHEAD = "missing", "unusable", "format", "epoch", "pruned", "ahead"


def rebuild_reason(position: dict, epoch: int) -> str | None:
    """Why the index at `position` (the backend's `position()`) must be built afresh, or None when applying the
    log brings it up to date."""
    if position["generation"] is None:
        return MISSING
    if not position["ready"]:
        return UNUSABLE
    if not position.get("current_format", True):
        return FORMAT
    if position.get("epoch", 0) != epoch:
        return EPOCH
    cursor = position["cursor"] or 0
    if cursor < cluster.value(cluster.SEARCH_PRUNED):
        return PRUNED
    if cursor > (db.session.scalar(select(func.max(SearchChange.id))) or 0):
        return AHEAD
    return None


def keep_up() -> dict:
    """Bring this node's index up to date (see the module); return what was done and where the index stands:
    {"action": "built" | "rebuilt" | "applied" | "current" | "shared", "reason": why it was (re)built or None,
    "applied": changes applied, "indexed": documents read per kind by a (re)build, "backend", "generation",
    "cursor", "epoch"}. The caller commits (and rolls back on an error: the index is rebuilt or applied again
    at the next tick, harmlessly)."""
    chosen = search.backend()
    epoch = cluster.epoch()
    result = {"action": "shared", "reason": None, "applied": 0, "indexed": {}, "backend": chosen.name}
    if chosen.per_node:
        reason = rebuild_reason(chosen.position(), epoch)
        if reason is not None:
            result["indexed"] = search.rebuild(only_if_missing=reason == MISSING)
            result.update(action="built" if reason in (MISSING, UNUSABLE) else "rebuilt", reason=reason)
        else:
            result["applied"] = search.apply_pending()
            result["action"] = "applied" if result["applied"] else "current"
        if result["action"] != "current":
            page_cache.touch_version(current_app)
    result.update(where_it_stands(epoch))
    return result


def where_it_stands(epoch: int | None = None) -> dict:
    """This node's index as the node registry records it: {"backend", "generation", "cursor", "epoch"} (read from
    disk; a shared backend has no cursor and is always at the cluster's epoch)."""
    chosen = search.backend()
    position = chosen.position()
    if not chosen.per_node:
        return {"backend": chosen.name, "generation": position["generation"], "cursor": None,
                "epoch": cluster.epoch() if epoch is None else epoch}
    return {"backend": chosen.name, "generation": position["generation"], "cursor": position["cursor"],
            "epoch": position.get("epoch")}
