"""Stored files that no row refers to, and how they are cleared away.

A file is kept (storage.accept_upload) before the row that refers to it is committed. A request that
fails afterwards discards its files, but a worker killed in between cannot, and a replaced product
image or brochure is no longer referred to. Such files are removed once they are older than a grace
period long enough for any request still in flight: `flask --app wsgi sweep-uploads`.
"""

import time
from dataclasses import dataclass
from pathlib import Path

from portal import audit
from portal.extensions import db
from portal.uploads import blind_copies, references
from portal.uploads.storage import INCOMING_PREFIX, STORED_NAME, upload_folder


def referenced_names() -> set[str]:
    """Every stored name a row refers to (the columns are listed once, in references.py)."""
    return references.referenced_names(db.session)


@dataclass(frozen=True)
class Sweep:
    files: list[Path]
    size: int


def unreferenced(older_than_hours: float) -> Sweep:
    """The stored files no row refers to, and abandoned temporary files, last changed before the grace period."""
    cutoff = time.time() - older_than_hours * 3600
    keep = referenced_names()
    found, size = [], 0
    for path in sorted(upload_folder().iterdir()):
        if path.is_symlink() or not path.is_file():
            continue
        stray = path.name.startswith(INCOMING_PREFIX) or (STORED_NAME.fullmatch(path.name) and path.name not in keep)
        if not stray:
            continue
        stat = path.stat()
        if stat.st_mtime < cutoff:
            found.append(path)
            size += stat.st_size
    # Blind reviewers' copies (blind_copies.py) of files that are gone, or made under older rules.
    for path in blind_copies.stale_copies(upload_folder(), keep):
        stat = path.stat()
        if stat.st_mtime < cutoff:
            found.append(path)
            size += stat.st_size
    return Sweep(found, size)


def sweep(older_than_hours: float) -> Sweep:
    """Remove what `unreferenced()` finds and audit it (the caller commits); return what was removed."""
    found = unreferenced(older_than_hours)
    removed, size = [], 0
    for path in found.files:
        try:
            size_of = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue  # removed meanwhile (another sweep)
        removed.append(path)
        size += size_of
    if removed:
        audit.record(None, "uploads.sweep", files=[path.name for path in removed], hours=older_than_hours)
    return Sweep(removed, size)
