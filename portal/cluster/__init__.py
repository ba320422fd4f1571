"""The nodes sharing one database: which are alive, how far each one's search index has got, and the epoch.

- The registry (`nodes`): each node's worker (`flask --app wsgi worker`, portal/worker/) calls `heartbeat()`
  every tick with what its search index has applied. A node is live while its last heartbeat is younger than
  NODE_LIVE_SECONDS; a row silent for a day is forgotten (`forget_dead_nodes`). The change log is pruned only
  below what every live node has applied (search.prune_log).
- The epoch (`cluster_state` "epoch"): a number that moves only when the database is replaced by a restore
  (portal/backup/restore.py calls `raise_epoch`). Each node's index records the epoch it was built at; a
  node whose index was built at another epoch holds documents of a database that is gone, and its worker
  rebuilds it (search/keeping.py).

This package asks no domain: features (search, backup, the health checks) and the worker ask it.
"""

import hashlib
import os
import socket
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import delete, insert, select, update

from portal.cluster.models import ClusterState, Node
from portal.extensions import db
from portal.util import clock

EPOCH = "epoch"
SEARCH_PRUNED = "search_pruned_up_to"
FORGET_AFTER = timedelta(days=1)
EPOCH_TABLE = ClusterState.__tablename__
# Rows a restore brings back from the backup as they were; never what makes an instance "not empty".
TABLES = (Node.__tablename__, EPOCH_TABLE)


def node_name(app: Flask) -> str:
    """This node's name: NODE_NAME, or the host name and a digest of the instance folder (two portals on
    one host keep apart)."""
    named = app.config.get("NODE_NAME")
    if named:
        return str(named)[:200]
    folder = str(Path(app.instance_path).resolve()).encode()
    return f"{socket.gethostname()[:180]}-{hashlib.sha256(folder).hexdigest()[:8]}"


# --- shared numbers -----------------------------------------------------------------------------

def value(name: str) -> int:
    """The shared number `name` (0 while it was never set)."""
    return db.session.scalar(select(ClusterState.value).where(ClusterState.name == name)) or 0


def raise_value(name: str, at_least: int) -> int:
    """Make `name` at least `at_least` (it never goes down); return its value. The caller commits."""
    row = db.session.get(ClusterState, name, with_for_update=True)
    if row is None:
        row = ClusterState(name=name, value=at_least)
        db.session.add(row)
    elif row.value < at_least:
        row.value = at_least
    db.session.flush()
    return row.value


def epoch() -> int:
    """The cluster's epoch: raised by every restore."""
    return value(EPOCH)


def raise_epoch(before: int) -> int:
    """After the database was replaced: move the epoch above `before` (read before the replacement) and above
    the one the restored rows carry, so every node sees it moved whatever the backup's age. The caller commits."""
    return raise_value(EPOCH, max(before, epoch()) + 1)


# --- the registry -------------------------------------------------------------------------------

def heartbeat(name: str, started_at: datetime, backend: str, generation: str | None = None,
              cursor: int | None = None, epoch_applied: int | None = None) -> None:
    """Register this node or say it is alive, with where its search index stands. The caller commits.

    Written with plain statements on the session's connection, not through the ORM: a heartbeat is not a change
    of the data, and must not make the page cache (portal/web/page_cache.py) drop every page each second."""
    table = Node.__table__
    values = {"host": socket.gethostname()[:255], "pid": os.getpid(), "started_at": started_at,
              "heartbeat_at": clock.now(), "search_backend": backend,
              "search_generation": None if generation is None else str(generation)[:64],
              "search_cursor": cursor, "epoch": epoch_applied}
    connection = db.session.connection()
    if not connection.execute(update(table).where(table.c.name == name).values(**values)).rowcount:
        connection.execute(insert(table).values(name=name, **values))


def live_seconds() -> int:
    return int(current_app.config.get("NODE_LIVE_SECONDS", 300))


def live_nodes() -> list[Node]:
    """The nodes whose worker reported within NODE_LIVE_SECONDS."""
    horizon = clock.now() - timedelta(seconds=live_seconds())
    return list(db.session.scalars(select(Node).where(Node.heartbeat_at >= horizon).order_by(Node.name)))


def forget_dead_nodes(after: timedelta = FORGET_AFTER) -> int:
    """Remove the rows of nodes silent for longer than `after`; return how many. The caller commits.
    (A plain statement, as `heartbeat`: the registry is not data the page cache shows.)"""
    table = Node.__table__
    return db.session.connection().execute(delete(table).where(table.c.heartbeat_at < clock.now() - after)).rowcount
