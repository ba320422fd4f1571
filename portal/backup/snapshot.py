"""Write a backup: the database snapshot first, then the uploaded files, then the manifest.

Uploaded files never change once stored and are made durable before the row that names them commits,
so copying the folder after the database snapshot finds every file the snapshot refers to (files
uploaded meanwhile come along as harmless extras). The backup is written beside DIR and renamed into
place at the end, so an interrupted run never leaves something that looks like a backup.

A row of the snapshot naming a file that the upload folder lacks (a node whose UPLOAD_FOLDER is not the
shared one, a file lost) stops the backup: it names each such file and leaves nothing behind. Only
`--allow-missing` writes such a partial backup, and its manifest lists what is missing.
"""

import os
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from portal.backup import database, manifest
from portal.backup.manifest import BackupError
from portal.uploads.references import Reference
from portal.util import clock

UPLOADS = "uploads"
SYNONYMS = "synonyms.txt"  # the synonym table of a backup made by an older release (now it is in the database)
MAX_LISTED = 50  # missing files named one by one in a message; the rest are counted


def upload_files(folder: Path) -> list[Path]:
    """The stored files of an upload folder (temporary `.incoming-*` files of requests in flight are not)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if manifest.ALLOWED_PATH.fullmatch(f"{UPLOADS}/{p.name}")
                  and p.is_file())


def missing_message(missing: list[Reference], folder: Path) -> str:
    shown = [ref.describe() for ref in missing[:MAX_LISTED]]
    if len(missing) > MAX_LISTED:
        shown.append(_("……另有 %(n)s 个", n=len(missing) - MAX_LISTED))
    return _("数据库中有 %(n)s 条记录引用的文件不在上传目录 %(folder)s 中：%(files)s。",
             n=len(missing), folder=folder, files=_("；").join(shown))


def create_backup(target: Path, allow_missing: bool = False) -> dict:
    """Write a consistent backup of this portal into the new directory `target`; return its manifest.

    Refuses (BackupError, nothing left behind) when rows name files the upload folder lacks, unless
    `allow_missing`, which writes a partial backup whose manifest lists them."""
    target = target.resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(_("%(dir)s 已存在且不为空：请指定一个新的目录，已有的备份不会被覆盖。", dir=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        data = _write(work, allow_missing)
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return data


def _write(work: Path, allow_missing: bool) -> dict:
    created_at = clock.now()
    database_file, counts, revision, named = database.snapshot(work)
    names = [database_file]
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    files = upload_files(folder)
    listed = {path.name for path in files}
    missing = [ref for ref in named if ref.stored_name not in listed]
    if missing and not allow_missing:  # before copying anything: say so at once
        raise BackupError(_("%(problem)s 未写入备份。请在使用共享上传目录的节点上备份，或确认这些文件已丢失后加 "
                            "--allow-missing 写入部分备份。", problem=missing_message(missing, folder)))
    copied = set()
    (work / UPLOADS).mkdir()
    for path in files:
        try:
            shutil.copy2(path, work / UPLOADS / path.name)
        except FileNotFoundError:
            continue  # discarded by a refused request after the listing; checked below
        names.append(f"{UPLOADS}/{path.name}")
        copied.add(path.name)
    missing = [ref for ref in named if ref.stored_name not in copied]
    if missing and not allow_missing:
        raise BackupError(_("%(problem)s 未写入备份。", problem=missing_message(missing, folder)))
    data = {
        "format": manifest.FORMAT,
        "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "backend": database.backend(),
        "database": database_file,
        "schema_revision": revision,
        "tables": counts,
        "files": [manifest.entry(work, name) for name in names],
        # What a restore checks before it changes anything: every file the rows name, and those the backup
        # deliberately lacks (--allow-missing).
        "referenced_files": sorted({ref.stored_name for ref in named}),
        "missing_files": [{"stored_name": ref.stored_name, "display_name": ref.display_name, "table": ref.table,
                           "row_id": ref.row_id} for ref in missing],
        "partial": bool(missing),
    }
    _sync(work)
    manifest.write(work, data)
    return data


def _sync(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
