"""SQLite tuned for a web server: WAL, a busy timeout, foreign keys, and IMMEDIATE write transactions.

Measured on this kind of machine: two processes that read and then write fail with "database is
locked" even in WAL with a 5 s busy timeout, because a deferred transaction cannot upgrade its
read lock once another writer committed. Starting write transactions with BEGIN IMMEDIATE takes
the write lock up front, so the busy timeout applies and no user ever sees the error. Requests
that only read (GET, HEAD) begin deferred so readers never queue behind writers.
"""

import contextlib
import contextvars
import sqlite3
from collections.abc import Iterator

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event

from portal.extensions import db

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READING = contextvars.ContextVar("portal_sqlite_reading", default=False)


def configure_sqlite(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    app.before_request(_flag_writing_views)
    timeout_ms = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record):
        # Let SQLAlchemy's "begin" event decide how transactions start (pysqlite would defer them).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if wants_write_lock() else "BEGIN")


def writes_on_get(view):
    """Mark a GET view that writes (an audited read), so its SQLite transaction takes the write lock first."""
    view.writes_on_get = True
    return view


def _flag_writing_views() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "writes_on_get", False):
        write_from_now_on()


def write_from_now_on() -> None:
    """The request's next transaction takes the write lock as it begins (a GET that has to write after all)."""
    g.writes = True


def writing() -> bool:
    """Whether this request's transactions take the write lock as they begin."""
    return g.get("writes", False)


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Work outside a request that reads the database and writes elsewhere (the worker keeping a search index on
    disk): its transactions begin deferred, so it never holds the write lock while it works. A write inside
    one must come first in its transaction (a deferred transaction that has read cannot take the lock later)."""
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def wants_write_lock() -> bool:
    """Whether the current unit of work may write: every non-GET request, every CLI command (but `reading()`)."""
    if _READING.get():
        return False
    if has_request_context():
        return request.method not in READ_METHODS or writing()
    return True



