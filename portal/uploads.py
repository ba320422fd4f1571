"""The one place that accepts files: type from the content, never the name; random names outside static/.

What a browser says about a file (its name, its Content-Type) is only a claim. The kind is read from
the bytes, the name's extension must agree with it, and content that a browser or an office suite
could run or render as something else (programs, HTML/SVG, macros, a ZIP archive hidden behind a
PDF or an image) is refused. Files are kept under random names and only ever sent as downloads.
"""

import contextlib
import hashlib
import logging
import os
import re
import secrets
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import quote

import filetype
from flask import Flask, Response, abort, current_app, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from portal.errors import DomainError
from portal.web import unit_of_work

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
HEAD = 8192  # what the signature checks look at, as much as `filetype` reads
MAX_DISPLAY_NAME = 120
STORED_NAME = re.compile(r"[0-9a-f]{32}")
INCOMING_PREFIX = ".incoming-"  # a file still being received and checked


class UploadRejected(DomainError):
    """A file was refused; the message names the file and the reason."""

    status_code = 422


@dataclass(frozen=True)
class CheckedFile:
    display_name: str
    kind: str
    mimetype: str
    size: int
    sha256: str
    stored_name: str


@dataclass(frozen=True)
class Kind:
    mimetype: str
    label: object  # lazy string


KINDS = {
    "pdf": Kind("application/pdf", _l("PDF 文档")),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _l("Word 文档（DOCX）")),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _l("Excel 表格（XLSX）")),
    "png": Kind("image/png", _l("PNG 图片")),
    "jpg": Kind("image/jpeg", _l("JPG 图片")),
}
KIND_OF_MIMETYPE = {kind.mimetype: name for name, kind in KINDS.items()}
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "png": "png", "jpg": "jpg", "jpeg": "jpg"}

# Names of other kinds `filetype` may recognise, for a message that says what the file really is.
OTHER_LABELS = {
    "zip": _l("ZIP 压缩包"), "rar": _l("RAR 压缩包"), "7z": _l("7z 压缩包"), "gz": _l("gzip 压缩包"),
    "gif": _l("GIF 图片"), "webp": _l("WebP 图片"), "bmp": _l("BMP 图片"), "tif": _l("TIFF 图片"),
    "doc": _l("旧版 Word 文档（DOC）"), "xls": _l("旧版 Excel 表格（XLS）"), "pptx": _l("PowerPoint 演示文稿"),
    "mp4": _l("视频"), "mp3": _l("音频"),
}

EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE (.exe, .dll, .scr)
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, Java class
    b"#!",  # a script with an interpreter line
)
EXECUTABLE_SUFFIXES = {"exe", "dll", "scr", "com", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "hta",
                       "msi", "jar", "lnk", "sh", "elf", "cpl", "pif"}
# Markup a browser would render (and run scripts in) if it were ever shown inline.
MARKUP = re.compile(rb"<\s*(?:script|html|svg|!doctype|iframe|body|head|object|embed|meta|\?php)\b")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")

ZIP_LOCAL = b"PK\x03\x04"
ZIP_CENTRAL = b"PK\x01\x02"
ZIP_END = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
MAX_ZIP_ENTRIES = 5000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


# --- names ---------------------------------------------------------------------------------------

def clean_filename(raw: str | None) -> str:
    """The name a person gave the file, made safe to show and to offer as a download name.

    Only the last path segment is kept (browsers on Windows send "C:\\...\\a.pdf"), control and
    formatting characters are dropped (NUL, CR/LF, the bidi overrides that make "exe.pdf" out of
    "fdp.exe"), whitespace is collapsed and leading dots go (no "..", no hidden files).
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if char in "\t\n\r\v\f" or category in ("Zs", "Zl", "Zp"):
            kept.append(" ")
        elif category[0] == "C":  # Cc control, Cf format (bidi, zero-width), Cs, Co, Cn
            continue
        elif char in '<>:"|?*':
            kept.append("_")
        else:
            kept.append(char)
    name = " ".join("".join(kept).split()).rstrip(". ")
    bare = name.lstrip(". ")
    if bare != name and "." not in bare and re.fullmatch(r"[A-Za-z0-9]{1,10}", bare):
        return "." + bare  # ".pdf": an extension with no name; display_name_for supplies one
    return bare


def extension_of(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    if dot and re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        return ext.lower()
    return ""


def display_name_for(raw: str | None, kind: str) -> str:
    """The stored display name: clean, at most 120 characters, always with an extension."""
    name = clean_filename(raw)
    ext = extension_of(name)
    if not ext:
        stem, ext = name, kind
    else:
        stem, ext = name[: -len(ext) - 1], name[-len(ext):]  # the extension as the person wrote it
    stem = stem.rstrip(". ") or _("附件")
    stem = stem[: MAX_DISPLAY_NAME - len(ext) - 1].rstrip(". ") or _("附件")
    return f"{stem}.{ext}"


# --- accepting a file ----------------------------------------------------------------------------

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
        kind = _inspect(temp, head, size, shown, ext)
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
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
        # The receipt digest will vouch for this file: make it durable before the row that names it.
        out.flush()
        os.fsync(out.fileno())
    if size == 0:
        raise UploadRejected(_("文件“%(name)s”是空文件（0 字节），请检查后重新选择。", name=shown))
    return size, digest.hexdigest(), head


def _inspect(path: Path, head: bytes, size: int, shown: str, ext: str) -> str:
    """Decide the kind from the content and refuse what is dangerous or disagrees with the name."""
    if head.startswith(EXECUTABLE_MAGIC):
        raise UploadRejected(_("文件“%(name)s”是可执行程序或脚本，不能上传。", name=shown))
    if _is_markup(head):
        raise UploadRejected(_("文件“%(name)s”的内容是网页、SVG 或脚本，不能上传。", name=shown))

    if head.startswith(ZIP_LOCAL):
        kind = _inspect_office(path, size, shown)
    else:
        guess = filetype.guess(head)
        detected = guess.extension if guess else None
        kind = {"pdf": "pdf", "png": "png", "jpg": "jpg"}.get(detected)
        if kind is None:
            if detected in OTHER_LABELS:
                raise UploadRejected(_("文件“%(name)s”的内容是 %(what)s，只能上传 PDF、DOCX、XLSX、PNG、JPG 文件。",
                                       name=shown, what=OTHER_LABELS[detected]))
            raise UploadRejected(_("无法识别文件“%(name)s”的内容，只能上传 PDF、DOCX、XLSX、PNG、JPG 文件。",
                                   name=shown))

    if ext and EXTENSIONS[ext] != kind:
        raise UploadRejected(_("文件“%(name)s”的内容是 %(what)s，与扩展名不符。", name=shown, what=KINDS[kind].label))

    if kind in ("pdf", "png", "jpg"):
        # A reader that opens the file from its end (unzip, office suites, Java) would see an archive.
        if _zip_end_record(path, size) is not None or (kind != "pdf" and b"%PDF-" in head[:1024]):
            raise UploadRejected(_("文件“%(name)s”中夹带了压缩包或其他文件的数据，不能上传。", name=shown))
    if kind == "png":
        _check_png(path, head, size, shown)
    return kind


def _is_markup(head: bytes) -> bool:
    text = head[:1024]
    for bom in BOMS:
        if text.startswith(bom):
            text = text[len(bom):]
            if bom != BOMS[0]:
                text = text.replace(b"\x00", b"")  # UTF-16 markup reads as ASCII once the zero bytes go
            break
    stripped = text.lstrip().lower()
    return stripped.startswith((b"<?xml", b"<!--")) or MARKUP.search(text.lower()) is not None


def _check_png(path: Path, head: bytes, size: int, shown: str) -> None:
    with path.open("rb") as f:
        f.seek(max(size - len(PNG_END), 0))
        tail = f.read()
    if head[12:16] != b"IHDR" or tail != PNG_END:
        raise UploadRejected(_("文件“%(name)s”不是完整的 PNG 图片，或在图片数据之后附加了其他内容，不能上传。",
                               name=shown))


def _zip_end_record(path: Path, size: int) -> tuple[int, int, int, int] | None:
    """Find a ZIP end-of-central-directory record that really closes an archive.

    Returns (record offset, central directory size, central directory offset, comment length).
    The record must sit in the last 64 KiB (its comment is at most 65535 bytes) and point back to a
    central directory header, so four random bytes in compressed data do not count as an archive.
    """
    span = min(size, 22 + 0xFFFF + 20)
    with path.open("rb") as f:
        f.seek(size - span)
        tail = f.read(span)
        idx = tail.rfind(ZIP_END)
        while idx != -1:
            if idx + 22 <= len(tail):
                (_sig, _disk, _cd_disk, _n_disk, n_total, cd_size, cd_offset,
                 comment_len) = struct.unpack("<4s4H2LH", tail[idx:idx + 22])
                position = size - span + idx
                if 0xFFFFFFFF in (cd_size, cd_offset) or n_total == 0xFFFF:
                    if tail[max(idx - 20, 0):idx - 16] == ZIP64_LOCATOR:
                        return position, cd_size, cd_offset, comment_len
                elif n_total and 0 < cd_size <= position:
                    f.seek(position - cd_size)
                    if f.read(4) == ZIP_CENTRAL:
                        return position, cd_size, cd_offset, comment_len
            idx = tail.rfind(ZIP_END, 0, idx)
    return None


def _inspect_office(path: Path, size: int, shown: str) -> str:
    """A DOCX or XLSX: one clean OOXML package from the first byte to the last, without macros or programs."""
    broken = UploadRejected(_("文件“%(name)s”已损坏，或不是有效的 Word（DOCX）/Excel（XLSX）文件。", name=shown))
    end = _zip_end_record(path, size)
    if end is None:
        raise broken
    position, cd_size, cd_offset, comment_len = end
    zip64 = 0xFFFFFFFF in (cd_size, cd_offset)
    if (not zip64 and cd_offset + cd_size != position) or position + 22 + comment_len != size:
        # Bytes before or after the archive: the file is something else as well (a polyglot).
        raise UploadRejected(_("文件“%(name)s”中夹带了压缩包或其他文件的数据，不能上传。", name=shown))
    macro = UploadRejected(_("文件“%(name)s”含有宏、ActiveX 控件或可执行程序，不能上传。请另存为不含宏的文档后再上传。",
                             name=shown))
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if not entries or len(entries) > MAX_ZIP_ENTRIES or min(e.header_offset for e in entries) != 0:
                raise broken
            names = {e.filename for e in entries}
            word = any(n.startswith("word/") for n in names)
            excel = any(n.startswith("xl/") for n in names)
            if "[Content_Types].xml" not in names or word == excel:
                raise UploadRejected(_("文件“%(name)s”的内容是 %(what)s，只能上传 PDF、DOCX、XLSX、PNG、JPG 文件。",
                                       name=shown, what=OTHER_LABELS["pptx" if "ppt/" in str(names) else "zip"]))
            types = archive.getinfo("[Content_Types].xml")
            if types.file_size > MAX_CONTENT_TYPES_BYTES:
                raise broken
            declared = archive.read(types).lower()
            if b"macroenabled" in declared or b"vbaproject" in declared:
                raise macro
            for entry in entries:
                lower = entry.filename.lower()
                if (lower.endswith(("vbaproject.bin", "vbadata.xml")) or "/activex/" in lower
                        or extension_of(lower.rsplit("/", 1)[-1]) in EXECUTABLE_SUFFIXES):
                    raise macro
                if entry.flag_bits & 0x1:  # an encrypted part cannot be checked
                    raise broken
                if not entry.is_dir():
                    with archive.open(entry) as member:
                        if _is_program(member.read(4096)):
                            raise macro
    except UploadRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
            ValueError, zlib.error) as error:
        raise broken from error
    return "docx" if word else "xlsx"


def _is_program(data: bytes) -> bool:
    """A native program inside a package part (an Office document embeds data, never programs)."""
    if data.startswith(EXECUTABLE_MAGIC[1:-1]):
        return True
    if data.startswith(b"MZ") and len(data) >= 0x40:
        # A PE file: "MZ" and, where the DOS header points, "PE\0\0"; two random bytes alone are not enough.
        (pe_offset,) = struct.unpack("<I", data[0x3C:0x40])
        return data[pe_offset:pe_offset + 4] == b"PE\0\0"
    return False


# --- storing and sending -------------------------------------------------------------------------

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


def send_attachment(stored_name: str, display_name: str, mimetype: str, *, without_properties: bool = False
                    ) -> Response:
    """Send a stored file as a download that no browser renders inline and no shared cache keeps.

    `without_properties`: send a copy without the document properties that name the author (blind review,
    see blind_copies.py); the stored file itself never changes.
    """
    path = stored_path(stored_name)
    if not path.is_file():
        current_app.logger.error("stored file %s is missing", stored_name)
        abort(404)
    if without_properties:
        from portal import blind_copies

        path = blind_copies.blind_copy(path, KIND_OF_MIMETYPE.get(mimetype, ""))
    name = clean_filename(display_name) or "attachment"
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, conditional=True,
                         etag=True, max_age=None)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name in `filename*` (RFC 6266 / RFC 5987)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r'[^A-Za-z0-9._ ()-]', "", fallback).strip(" .")
    ext = extension_of(name)
    if not re.search(r"[A-Za-z0-9]", fallback[: len(fallback) - len(ext)]) or extension_of(fallback) != ext:
        fallback = f"attachment.{ext}" if ext else "attachment"
    header = f'attachment; filename="{fallback}"'
    if fallback != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


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
    from portal import blind_copies

    try:
        path.unlink(missing_ok=True)
        blind_copies.discard_copy(path)
    except OSError:
        log.warning("could not discard stored file %s", path.name, exc_info=True)


def format_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return _("%(n)d 字节", n=size)


# --- requests over the size limit ----------------------------------------------------------------

def init_app(app: Flask) -> None:
    # No need to read the rest of the body here: measured through a rate-limited link, gunicorn 27
    # half-closes and lingers, and Chromium, curl and requests all show this page (reading the body
    # first only kept the user waiting for the whole upload). Say what the limits are.
    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        from portal.error_pages import render_error

        return render_error(413, _("上传的内容超过大小限制：单个附件不超过 %(file)s，一次提交合计不超过 %(total)s。"
                                   "请压缩或拆分文件后重试。",
                                   file=format_size(app.config["UPLOAD_MAX_BYTES"]),
                                   total=format_size(app.config["MAX_CONTENT_LENGTH"] or 0)))
