"""The one place that accepts files: type from the content, never the name; random names outside static/.

A file is received into a temporary file, checked (checks.py) and kept under a random name in the upload
folder; it is the row's once the transaction that names it commits, and goes with a rollback until then
(portal/web/unit_of_work.py). Files are only ever sent as downloads (downloads.py).
"""

import contextlib
import hashlib
import logging
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from portal.uploads import blind_copies, checks
from portal.uploads.kinds import EXTENSIONS, KINDS, UploadRejected
from portal.uploads.names import clean_filename, display_name_for, extension_of, format_size
from portal.web import unit_of_work

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}")
INCOMING_PREFIX = ".incoming-"  # a file still being received and checked


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    kind: str
    mimetype: str
    size: int
    sha256: str
    stored_name: str


def accept_upload(storage: FileStorage) -> CheckedFile:
    """Check one uploaded file and keep it under a random name; raise UploadRejected if refused."""
    shown = clean_filename(storage.filename if storage is not None else None) or _("附件")
    ext = extension_of(shown)
    if ext and ext not in EXTENSIONS:
        raise UploadRejected(_("文件“%(name)s”的类型不受支持，只能上传 PDF、DOCX、XLSX、PNG、JPG 文件。", name=shown))

    folder = upload_folder()
    fd, temp_name = tempfile.mkstemp(prefix=INCOMING_PREFIX, dir=folder)
    temp = Path(temp_name)
    try:
        size, sha256, head = _receive(storage, fd, shown)
        kind = checks.inspect(temp, head, size, shown, ext)
        stored_name = secrets.token_hex(16)
        os.replace(temp, folder / stored_name)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    # The file is the row's only once the transaction that names it commits; until then it goes with a rollback.
    unit_of_work.discard_unless_committed(partial(_remove, folder / stored_name))
    return CheckedFile(display_name=display_name_for(storage.filename, kind), kind=kind,
                       mimetype=KINDS[kind].mimetype, size=size, sha256=sha256, stored_name=stored_name)


def accept_if_given(storage: FileStorage | None) -> CheckedFile | None:
    """`accept_upload` for an optional file field: None when no file was chosen."""
    return accept_upload(storage) if storage and storage.filename else None


def _receive(storage: FileStorage | None, fd: int, shown: str) -> tuple[int, str, bytes]:
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    digest = hashlib.sha256()
    size, head = 0, b""
    with os.fdopen(fd, "wb") as out:
        stream = storage.stream if storage is not None else None
        if stream is not None and hasattr(stream, "seek"):
            with contextlib.suppress(OSError):  # a non-seekable stream is read from where it is
                stream.seek(0)
        while stream is not None and (chunk := stream.read(CHUNK)):
            size += len(chunk)
            if size > limit:
                raise UploadRejected(_("文件“%(name)s”超过 %(limit)s 的大小上限，请压缩或拆分后再上传。",
                                       name=shown, limit=format_size(limit)))
            digest.update(chunk)
            out.write(chunk)
            if len(head) < checks.HEAD:
                head += chunk[: checks.HEAD - len(head)]
        # The receipt digest will vouch for this file: make it durable before the row that names it.
        out.flush()
        os.fsync(out.fileno())
    if size == 0:
        raise UploadRejected(_("文件“%(name)s”是空文件（0 字节），请检查后重新选择。", name=shown))
    return size, digest.hexdigest(), head


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stored_path(stored_name: str) -> Path:
    """The file behind a stored name; anything but 32 hex characters is refused, so no path escapes the folder."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a stored file name")
    folder = upload_folder()
    path = folder / stored_name
    if path.parent != folder:
        raise ValueError("not a stored file name")
    return path


def discard(stored_name: str | None) -> None:
    """Remove a stored file no row refers to; never raises. (A file stored by `accept_upload` is removed by
    itself when its transaction does not commit.)"""
    if not stored_name:
        return
    try:
        path = stored_path(stored_name)
    except ValueError:
        current_app.logger.warning("could not discard stored file %r", stored_name, exc_info=True)
        return
    _remove(path)


def _remove(path: Path) -> None:
    # Called when a transaction ends, which may be outside any app context: no current_app here.
    try:
        path.unlink(missing_ok=True)
        blind_copies.discard_copy(path)
    except OSError:
        log.warning("could not discard stored file %s", path.name, exc_info=True)

