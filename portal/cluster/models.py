"""What the nodes sharing one database tell each other through it."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class Node(db.Model):
    """A node of the portal as its worker last reported it (`flask --app wsgi worker`, one per node).

    `search_cursor` is the change-log id its own search index has applied up to (None when the backend keeps
    no index per node, or while it has none) and `epoch` the cluster epoch that index was built at."""

    __tablename__ = "nodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    search_backend: Mapped[str] = mapped_column(String(16))
    search_generation: Mapped[str | None] = mapped_column(String(64))
    search_cursor: Mapped[int | None] = mapped_column(Integer)
    epoch: Mapped[int | None] = mapped_column(Integer)


class ClusterState(db.Model):
    """One number the whole cluster shares, by name: "epoch" (raised by every restore), "search_pruned_up_to"
    (the highest change-log id ever pruned)."""

    __tablename__ = "cluster_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
