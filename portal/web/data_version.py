"""The data version in the database, for nodes without Redis: one row raised after every commit that wrote.

Every process reads it at most every MEMO_SECONDS (one primary-key SELECT), so a commit on any node is seen by
every other within that; the process that raised it sees its own change at once. Raising it is a transaction of
its own after the writer's commit: the row is locked only for that moment, and a failure here (the table not
yet migrated, the database gone) is logged once and never undoes or refuses the write.
"""

import logging
import os
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, insert, make_url, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal.extensions import db
from portal.web.models import DataVersion

NAME = "pages"
MEMO_SECONDS = 0.4
_READ = "SELECT version FROM data_versions WHERE name = 'pages'"  # DataVersion's table, the row NAME


class DatabaseVersion:
    def __init__(self, app: Flask, logger: logging.Logger, memo_seconds: float = MEMO_SECONDS):
        self.app = app
        self.log = logger
        self.memo_seconds = memo_seconds
        self.value: int | None = None
        self.read_at = float("-inf")
        self.failing = False

    def current(self) -> int | None:
        """The version, read again when the one in memory is older than MEMO_SECONDS; None: not readable."""
        now = time.monotonic()
        if self.value is not None and now - self.read_at < self.memo_seconds:
            return self.value
        try:
            bind = self._bind()
            if isinstance(bind, Connection):  # tests: the test's own connection, inside its transaction
                value = bind.exec_driver_sql(_READ).scalar()
            else:
                # A plain DB-API read: no transaction of SQLAlchemy's, so SQLite's write lock (web/sqlite.py
                # takes it for work outside a request) is never asked for by a read.
                raw = bind.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute(_READ)
                    row = cursor.fetchone()
                    cursor.close()
                finally:
                    raw.close()
                value = row[0] if row else None
        except Exception as error:  # SQLAlchemy's errors, and the driver's own from the plain read
            self._failed("read", error)
            return None
        self._answered()
        self.value, self.read_at = int(value or 0), now
        return self.value

    def bump(self) -> bool:
        """Raise the version in a short transaction of its own; False when that failed (never raises)."""
        self.read_at = float("-inf")  # this process sees its own change at its next request
        try:
            bind = self._bind()
            if isinstance(bind, Connection):
                _raise(bind)
            else:
                with bind.begin() as connection:
                    _raise(connection)
        except SQLAlchemyError as error:
            self._failed("raise", error)
            return False
        self._answered()
        return True

    def _bind(self):
        with self.app.app_context():
            return db.session.get_bind()

    def _failed(self, what: str, error: Exception) -> None:
        if not self.failing:
            self.failing = True
            self.log.warning("page cache: cannot %s the data version in the database (%s); pages are served "
                             "without the cache until it answers", what, error)

    def _answered(self) -> None:
        if self.failing:
            self.failing = False
            self.log.warning("page cache: the data version answers again")


def _raise(connection: Connection) -> None:
    table = DataVersion.__table__
    raised = connection.execute(update(table).where(table.c.name == NAME).values(version=table.c.version + 1))
    if raised.rowcount:
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(table).values(name=NAME, version=1))
    except IntegrityError:  # another node made the row first
        connection.execute(update(table).where(table.c.name == NAME).values(version=table.c.version + 1))




class FileVersion:
    """For SQLite: the version is the modification time of a file beside the database file. Every process that
    opens that database (one node: SQLite is never shared between hosts) sees a raise at its next request, and
    raising it takes no database lock, so a write never waits for a second transaction."""

    def __init__(self, path: Path, logger: logging.Logger):
        self.path = path
        self.log = logger
        self.failing = False

    def current(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return 0
        except OSError as error:
            self._failed("read", error)
            return None

    def bump(self) -> bool:
        try:
            before = self.current() or 0
            self.path.touch()
            now = max(time.time_ns(), before + 1)  # moves even when the clock's grain is coarse
            os.utime(self.path, ns=(now, now))
        except OSError as error:
            self._failed("raise", error)
            return False
        self.failing = False
        return True

    def _failed(self, what: str, error: Exception) -> None:
        if not self.failing:
            self.failing = True
            self.log.warning("page cache: cannot %s the data version file %s (%s)", what, self.path, error)


def for_app(app: Flask, logger: logging.Logger):
    """The version a node without Redis compares its pages with: a file beside a SQLite database file, else the
    row in the database (PostgreSQL: shared by every node)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return FileVersion(Path(url.database).with_name(Path(url.database).name + "-pages-version"), logger)
    return DatabaseVersion(app, logger)
