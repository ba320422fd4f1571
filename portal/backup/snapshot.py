"""Write a backup: the database snapshot first, then the uploaded files, then the manifest.

Uploaded files never change once stored and are made durable before the row that names them commits,
so copying the folder after the database snapshot finds every file the snapshot refers to (files
uploaded meanwhile come along as harmless extras). The backup is written beside DIR and renamed into
place at the end, so an interrupted run never leaves something that looks like a backup.
"""

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.backup import database, manifest
from portal.backup.manifest import BackupError
from portal.util import clock

UPLOADS = "uploads"
SYNONYMS = "synonyms.txt"


def upload_files(folder: Path) -> list[Path]:
    """The stored files of an upload folder (temporary `.incoming-*` files of requests in flight are not)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if manifest.ALLOWED_PATH.fullmatch(f"{UPLOADS}/{p.name}")
                  and p.is_file())


def create_backup(target: Path) -> dict:
    """Write a consistent backup of this portal into the new directory `target`; return its manifest."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(_("%(dir)s 已存在且不为空：请指定一个新的目录，已有的备份不会被覆盖。", dir=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        data = _write(work)
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return data


def _write(work: Path) -> dict:
    created_at = clock.now()
    database_file, counts, revision = database.snapshot(work)
    names = [database_file]
    (work / UPLOADS).mkdir()
    for path in upload_files(Path(current_app.config["UPLOAD_FOLDER"])):
        try:
            shutil.copy2(path, work / UPLOADS / path.name)
        except FileNotFoundError:
            continue  # discarded by a refused request after the listing; no committed row names it
        names.append(f"{UPLOADS}/{path.name}")
    synonyms = Path(current_app.config["SYNONYMS_FILE"])
    if synonyms.is_file():
        shutil.copy2(synonyms, work / SYNONYMS)
        names.append(SYNONYMS)
    data = {
        "format": manifest.FORMAT,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "backend": database.backend(),
        "database": database_file,
        "schema_revision": revision,
        "tables": counts,
        "files": [manifest.entry(work, name) for name in names],
    }
    _sync(work)
    manifest.write(work, data)
    return data


def _sync(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
