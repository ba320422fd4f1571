"""Bring a backup back: check every digest, refuse a populated instance, restore, then rebuild the index.

Order matters for a failure half-way: the backup's files are copied in first (unreferenced until the
database names them), the database is replaced in one step, and only then are files the restored
database does not know removed (with --force) and the search index rebuilt from the restored rows.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _

from portal import search
from portal.backup import database, manifest
from portal.backup.manifest import BackupError
from portal.backup.snapshot import SYNONYMS, UPLOADS, upload_files
from portal.config import ROOT

IGNORED_TABLES = {database.ALEMBIC_TABLE}  # a freshly migrated database is still an empty one


@dataclass
class Restored:
    tables: dict[str, int]
    files: int
    indexed: dict[str, int]
    schema_revision: str | None
    notes: list[str] = field(default_factory=list)


def check_backup(source: Path) -> dict:
    """The manifest of the backup in `source`, once every file it lists matches its digest and size."""
    data = manifest.load(source)
    if data.get("backend") != database.backend():
        raise BackupError(_("该备份来自 %(theirs)s 数据库，不能恢复到当前的 %(ours)s 数据库。",
                            theirs=data.get("backend"), ours=database.backend()))
    revision = data.get("schema_revision")
    if revision is not None and _known_revision(revision) is False:
        raise BackupError(_("该备份的数据库结构版本 %(rev)s 比当前程序新，请先升级程序再恢复。", rev=revision))
    return data


def _known_revision(revision: str) -> bool:
    script = ScriptDirectory(str(ROOT / "migrations"))
    return any(rev.revision == revision for rev in script.walk_revisions())


def code_head() -> str | None:
    return ScriptDirectory(str(ROOT / "migrations")).get_current_head()


def target_contents() -> list[str]:
    """What the target instance already holds (empty when a restore may go ahead without --force)."""
    held = [_("数据表 %(table)s（%(n)s 行）", table=name, n=count)
            for name, count in database.live_counts().items() if count and name not in IGNORED_TABLES]
    stored = upload_files(Path(current_app.config["UPLOAD_FOLDER"]))
    if stored:
        held.append(_("上传目录中的 %(n)s 个文件", n=len(stored)))
    return held


def restore_backup(source: Path, force: bool = False) -> Restored:
    """Restore the backup in `source` into this instance (which must be empty unless `force`)."""
    source = source.resolve()
    data = check_backup(source)
    held = target_contents()
    if held and not force:
        raise BackupError(_("目标实例不为空（%(held)s）：未做任何更改。确认要用备份覆盖时请加 --force。",
                            held=_("、").join(held[:5]) + (_("……") if len(held) > 5 else "")))
    listed = {item["path"] for item in data["files"]}
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    wanted = sorted(name.split("/", 1)[1] for name in listed if name.startswith(f"{UPLOADS}/"))
    present = {path.name for path in upload_files(folder)}
    try:
        for name in wanted:
            _copy_in(source / UPLOADS / name, folder / name)
        database.restore(source / data["database"])
    except BaseException:
        for name in set(wanted) - present:  # leave the target as it was
            (folder / name).unlink(missing_ok=True)
        raise
    counts = database.live_counts()
    differing = sorted(name for name, count in data["tables"].items() if counts.get(name) != count)
    if differing:
        raise BackupError(_("恢复后以下数据表的行数与备份不符：%(tables)s", tables=_("、").join(differing)))

    keep = set(wanted)
    for path in upload_files(folder):
        if path.name not in keep:
            path.unlink()
    synonyms = Path(current_app.config["SYNONYMS_FILE"])
    if SYNONYMS in listed:
        _copy_in(source / SYNONYMS, synonyms)
    else:
        synonyms.unlink(missing_ok=True)

    indexed = search.rebuild()
    result = Restored(tables=counts, files=len(wanted), indexed=indexed, schema_revision=data.get("schema_revision"))
    head = code_head()
    if result.schema_revision not in (None, head):
        result.notes.append(_("备份的数据库结构版本为 %(rev)s，当前程序为 %(head)s：请运行 flask db upgrade。",
                              rev=result.schema_revision, head=head))
    return result


def _copy_in(source: Path, target: Path) -> None:
    """Copy through a temporary name and rename, so no reader ever sees half a file."""
    temp = target.with_name(f".restoring-{target.name}")
    shutil.copy2(source, temp)
    with temp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(temp, target)
