"""manifest.json: what a backup holds, each file with its SHA-256 and size, checked before any restore."""

import hashlib
import json
import os
import re
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _

NAME = "manifest.json"
FORMAT = "portal-backup/1"
CHUNK = 1024 * 1024
# The only paths a backup may hold: a restore writes nowhere else, whatever a manifest says.
ALLOWED_PATH = re.compile(r"database\.(sqlite|sql)|synonyms\.txt|uploads/[0-9a-f]{32}")


class BackupError(Exception):
    """A backup cannot be written or restored; the message says why, and nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def digest(path: Path) -> tuple[str, int]:
    """The SHA-256 (hex) and size of a file, read in chunks."""
    sha, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), size


def entry(root: Path, relative: str) -> dict:
    sha256, size = digest(root / relative)
    return {"path": relative, "sha256": sha256, "size": size}


def write(root: Path, data: dict) -> None:
    """Write the manifest last, durably: a backup without one is never taken for complete."""
    path = root / NAME
    with path.open("w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def load(root: Path) -> dict:
    """Read and check the manifest and every file it lists; raise BackupError on any damage."""
    path = root / NAME
    if not path.is_file():
        raise BackupError(_("%(dir)s 中没有 manifest.json，不是完整的备份。", dir=root))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BackupError(_("备份清单 manifest.json 已损坏：%(error)s", error=error)) from error
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), list):
        raise BackupError(_("备份清单 manifest.json 的格式无法识别。"))
    problems = []
    for item in data["files"]:
        problem = _check(root, item)
        if problem:
            problems.append(problem)
    if data.get("database") not in {item.get("path") for item in data["files"] if isinstance(item, dict)}:
        problems.append(_("清单中缺少数据库文件"))
    if problems:
        raise BackupError(_("备份已损坏，未做任何更改：%(problems)s", problems=_("；").join(problems)))
    return data


def _check(root: Path, item) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        return _("清单中有无法识别的条目")
    relative = item["path"]
    if not ALLOWED_PATH.fullmatch(relative) or PurePosixPath(relative).is_absolute():
        return _("清单中有不允许的路径 %(path)s", path=relative)
    path = root / relative
    if not path.is_file():
        return _("缺少文件 %(path)s", path=relative)
    sha256, size = digest(path)
    if size != item.get("size"):
        return _("文件 %(path)s 的大小不符（清单 %(expected)s 字节，实际 %(actual)s 字节）", path=relative,
                 expected=item.get("size"), actual=size)
    if sha256 != item.get("sha256"):
        return _("文件 %(path)s 的 SHA-256 摘要不符", path=relative)
    return None
