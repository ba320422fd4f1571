"""The upload folder every node must share, checked at start with a marker file.

Uploaded files live in UPLOAD_FOLDER, not in the database. With several nodes behind a proxy that folder must
be one shared storage (NFS, a mounted volume): a node with a folder of its own would keep files the others
cannot serve, and a backup or restore run there would see the wrong files. So the folder holds a marker file,
`.portal-upload-folder`, whose id the database keeps too (StorageMarker); the first node to start writes both,
and in production a node whose folder lacks the id the database names refuses to start.

Skipped for SQLite (one machine) and outside production, and for `flask` commands (a restore into a new
folder must be able to run; it then makes the database name that folder, `adopt`).
"""

import logging
import os
import secrets
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import insert, inspect, select, update
from sqlalchemy.exc import IntegrityError

from portal.config import ConfigError
from portal.extensions import db
from portal.uploads.models import StorageMarker
from portal.util import clock

log = logging.getLogger(__name__)
FILE = ".portal-upload-folder"
NAME = "upload_folder"
TABLE = StorageMarker.__tablename__


def read_marker(folder: Path) -> str | None:
    """The id in the folder's marker file, or None when there is none."""
    try:
        return (folder / FILE).read_text(encoding="ascii").strip() or None
    except (FileNotFoundError, UnicodeDecodeError):
        return None


def _claim(folder: Path) -> str:
    """The folder's marker id, written now (exclusively: two nodes on one shared folder agree) if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    try:
        fd = os.open(folder / FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return read_marker(folder) or token  # a marker being written by another node: compared below
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return token


def _stored(conn) -> str | None:
    return conn.execute(select(StorageMarker.token).where(StorageMarker.name == NAME)).scalar()


def problem(folder: Path) -> str | None:
    """Why `folder` is not the upload folder this database's rows belong to, or None when it is.

    The first call against a database (no id stored yet) marks the folder and stores its id."""
    folder = folder.resolve()
    with db.engine.connect() as conn:
        if not inspect(conn).has_table(TABLE):
            log.warning("upload folder not checked: table %s missing (run flask db upgrade)", TABLE)
            return None
        expected = _stored(conn)
    if expected is None:
        token = _claim(folder)
        try:
            with db.engine.begin() as conn:
                conn.execute(insert(StorageMarker).values(name=NAME, token=token, created_at=clock.now()))
            return None
        except IntegrityError:  # another node stored its id first
            with db.engine.connect() as conn:
                expected = _stored(conn)
    found = read_marker(folder)
    if found == expected:
        return None
    what = (f"has no marker file {FILE}" if found is None
            else f"has the marker {found!r} of another upload folder")
    return (f"UPLOAD_FOLDER {folder} {what}; the database's files are in the folder marked {expected!r}. "
            "Every node must use the same shared upload storage (e.g. an NFS mount): a node with a folder of its "
            "own would keep uploads the other nodes cannot serve. Mount the shared folder here and set "
            f"UPLOAD_FOLDER to it. If the files were moved on purpose, copy {FILE} along with them.")


def adopt(folder: Path) -> str:
    """Make the database name `folder` as its upload folder (after a restore put the files there)."""
    token = _claim(folder.resolve())
    with db.engine.begin() as conn:
        if not inspect(conn).has_table(TABLE):
            return token
        if conn.execute(update(StorageMarker).where(StorageMarker.name == NAME).values(token=token)).rowcount == 0:
            conn.execute(insert(StorageMarker).values(name=NAME, token=token, created_at=clock.now()))
    return token


def check_app(app: Flask) -> None:
    """At start: refuse to serve from an upload folder the database does not name (production, not SQLite)."""
    if not app.config.get("UPLOAD_FOLDER_CHECK"):
        return
    if click.get_current_context(silent=True) is not None:
        return  # a `flask` command (upgrade, backup, restore), not a server
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            return
        try:
            found = problem(Path(app.config["UPLOAD_FOLDER"]))
        finally:
            db.engine.dispose()  # workers forked after this start with connections of their own
    if found:
        raise ConfigError(f"PORTAL_ENV=production: {found}")
