"""Bring a backup back: check every digest, refuse a populated instance, restore, then rebuild the index.

Order matters for a failure half-way: the backup's files are copied in first (unreferenced until the
database names them), the database is replaced in one step, and only then is the search index rebuilt
from the restored rows.

The other nodes' indexes hold documents of the database that was replaced. The restore raises the cluster
epoch (portal/cluster) above both the one the database had before (read before it is replaced) and the one
the backup carries (read after), and commits it before rebuilding this node's index, which records the new
epoch; every other node's worker sees its index was built at another epoch and rebuilds it
(portal/search/keeping.py). A backup made before the epoch existed (revision 0016) cannot carry it: the
restore then says to rebuild every node's index by hand once the database is upgraded.

The synonym table travels inside the database. A backup of an older release holds it as `synonyms.txt`: it
replaces the restored database's table (portal/catalogue/synonyms_file.py), or, when the restored schema
predates that table, waits in SYNONYMS_FILE to be imported when the portal starts after `flask db upgrade`.
The "thesaurus" version is then set above any a running node may have read, so every node re-reads it.

Files are never deleted. Before anything changes, every file the backup's rows name must be in the backup
or already in the upload folder (a backup written on a node without the shared folder lacks them), or the
restore stops, unless --allow-missing-files. After the database is replaced, files in the upload folder
that neither the backup holds nor a restored row names are moved aside into
UPLOAD_FOLDER/.set-aside/restore-<time>/ (to be removed by hand once nothing is missed); a file a restored
row names always stays where it is.
"""

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import inspect

from portal import cluster, search
from portal.backup import database, manifest
from portal.backup.manifest import BackupError
from portal.backup.snapshot import MAX_LISTED, SYNONYMS, UPLOADS, upload_files
from portal.catalogue import synonyms_file
from portal.config import ROOT
from portal.extensions import db
from portal.search.models import SearchVersion
from portal.uploads import marker, references
from portal.web import unit_of_work
from portal.web.models import DataVersion

# A freshly migrated (and started) database is empty: a node's worker may already have registered it.
# The page cache's data version moves with every commit anywhere: cache state, not data.
IGNORED_TABLES = {database.ALEMBIC_TABLE, marker.TABLE, *cluster.TABLES, DataVersion.__tablename__}
SET_ASIDE = ".set-aside"


@dataclass
class Restored:
    tables: dict[str, int]
    files: int
    indexed: dict[str, int]
    schema_revision: str | None
    notes: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


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


def backup_references(source: Path, data: dict) -> set[str] | None:
    """The stored names the backup's rows name: from its manifest, or read from an older SQLite backup's
    database; None when an older PostgreSQL backup cannot say before it is loaded."""
    named = data.get("referenced_files")
    if isinstance(named, list) and all(isinstance(name, str) for name in named):
        return set(named)
    if data.get("backend") == "sqlite":
        return {ref.stored_name for ref in database.sqlite_file_references(source / data["database"])}
    return None


def _described(names: list[str], data: dict) -> str:
    known = {item.get("stored_name"): item for item in data.get("missing_files") or [] if isinstance(item, dict)}
    shown = []
    for name in names[:MAX_LISTED]:
        item = known.get(name)
        shown.append(f"{name}（{item.get('display_name')}，{item.get('table')} #{item.get('row_id')}）" if item
                     else name)
    if len(names) > MAX_LISTED:
        shown.append(_("……另有 %(n)s 个", n=len(names) - MAX_LISTED))
    return _("；").join(shown)


def restore_backup(source: Path, force: bool = False, allow_missing_files: bool = False) -> Restored:
    """Restore the backup in `source` into this instance (which must be empty unless `force`).

    Refuses before changing anything when the backup's rows name files neither in the backup nor in the
    upload folder, unless `allow_missing_files`."""
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
    named = backup_references(source, data)
    thesaurus_before = search.thesaurus_version()
    db.session.remove()
    unavailable = sorted(named - set(wanted) - present) if named is not None else []
    if unavailable and not allow_missing_files:
        raise BackupError(_("备份中的 %(n)s 条记录引用的文件既不在备份中，也不在上传目录 %(folder)s 中：%(files)s。"
                            "未做任何更改。确认恢复后这些文件缺失也无妨时请加 --allow-missing-files。",
                            n=len(unavailable), folder=folder, files=_described(unavailable, data)))
    epoch_before = _epoch()
    try:
        for name in wanted:
            _copy_in(source / UPLOADS / name, folder / name)
        database.restore(source / data["database"])
    except BaseException:
        for name in set(wanted) - present:  # leave the target as it was
            (folder / name).unlink(missing_ok=True)
        raise
    counts = database.live_counts()
    # The node registry may move under a running worker's heartbeat.
    differing = sorted(name for name, count in data["tables"].items()
                       if counts.get(name) != count and name not in (*cluster.TABLES, DataVersion.__tablename__))
    if differing:
        raise BackupError(_("恢复后以下数据表的行数与备份不符：%(tables)s", tables=_("、").join(differing)))
    epoch = _raise_epoch(epoch_before)

    # Whatever the restored rows name stays, whether or not the backup held it; the rest is moved aside.
    keep = set(wanted) | references.referenced_names(db.session)
    db.session.remove()
    set_aside = _set_aside([path for path in upload_files(folder) if path.name not in keep], folder)
    marker.adopt(folder)  # the restored database names this folder: its files are the ones restored
    notes = _restore_synonyms(source if SYNONYMS in listed else None, thesaurus_before)

    indexed = search.rebuild()
    result = Restored(tables=counts, files=len(wanted), indexed=indexed, schema_revision=data.get("schema_revision"),
                      set_aside=[path.name for path in set_aside], missing=unavailable, notes=notes)
    if set_aside:
        result.notes.append(_("上传目录中 %(n)s 个不在备份中、也没有记录引用的文件已移到 %(dir)s（未删除）。",
                              n=len(set_aside), dir=set_aside[0].parent))
    if unavailable:
        result.notes.append(_("注意：恢复的记录引用的 %(n)s 个文件缺失：%(files)s", n=len(unavailable),
                              files=_described(unavailable, data)))
    if named is None:
        result.notes.append(_("该备份的清单未列出记录引用的文件，恢复前无法检查是否缺少文件。"))
    if epoch is None:
        result.notes.append(_("该备份早于节点登记（结构版本 0016）：其他节点不会自动重建搜索索引，"
                              "升级数据库后请在每个节点上运行 flask reindex。"))
    head = code_head()
    if result.schema_revision not in (None, head):
        result.notes.append(_("备份的数据库结构版本为 %(rev)s，当前程序为 %(head)s：请运行 flask db upgrade。",
                              rev=result.schema_revision, head=head))
    return result


def _epoch() -> int:
    """The cluster epoch of the database as it is now (0 when it has none yet); leaves no transaction open,
    which would hold up replacing the database."""
    try:
        return cluster.epoch() if cluster.EPOCH_TABLE in database.live_counts() else 0
    finally:
        db.session.remove()


def _raise_epoch(before: int) -> int | None:
    """Move the restored database's epoch above `before` and its own, and commit it (the restore, not a request,
    owns this transaction); None when the restored database has no epoch yet (an older backup)."""
    if cluster.EPOCH_TABLE not in database.live_counts():
        return None
    with unit_of_work.separate_unit():
        return cluster.raise_epoch(before)

def _restore_synonyms(source: Path | None, thesaurus_before: int) -> list[str]:
    """Bring an older backup's synonyms.txt into the restored database (`source` None: the table came with the
    database; a file of an older release on this node belongs to the data replaced and is removed); then make
    every node re-read the thesaurus. Returns notes for the operator."""
    legacy = Path(current_app.config["SYNONYMS_FILE"])
    notes = []
    outcome = None
    with unit_of_work.separate_unit():
        if source is None:
            legacy.unlink(missing_ok=True)
        else:
            legacy.parent.mkdir(parents=True, exist_ok=True)
            _copy_in(source / SYNONYMS, legacy)
            outcome = synonyms_file.import_file(legacy, replace=True)
            if outcome is None:
                notes.append(_("备份中的同义词表 synonyms.txt 已放入 %(path)s，运行 flask db upgrade 后启动门户时"
                               "导入数据库。", path=legacy))
        if inspect(db.session.connection()).has_table(SearchVersion.__tablename__):
            search.move_thesaurus_version_past(thesaurus_before)
    db.session.remove()
    if outcome is not None:
        synonyms_file.set_aside(legacy, outcome)
    return notes


def _set_aside(paths: list[Path], folder: Path) -> list[Path]:
    """Move `paths` into a new folder under UPLOAD_FOLDER/.set-aside/ (a rename: same file system)."""
    if not paths:
        return []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = folder / SET_ASIDE / f"restore-{stamp}"
    aside.mkdir(parents=True)
    moved = []
    for path in paths:
        os.replace(path, aside / path.name)
        moved.append(aside / path.name)
    return moved


def _copy_in(source: Path, target: Path) -> None:
    """Copy through a temporary name and rename, so no reader ever sees half a file."""
    temp = target.with_name(f".restoring-{target.name}")
    shutil.copy2(source, temp)
    with temp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(temp, target)
