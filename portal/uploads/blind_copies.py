"""Copies of uploaded files without the document properties that name their author, for blind reviewers.

A blind reviewer must not learn the bidder from an attachment, yet Word writes the author, the last editor and
the company into docProps/, a PDF carries /Author, /Creator and an XMP packet, and a photo its EXIF. Stored
files never change (the receipt's digest vouches for them), so the reviewer gets a copy:

- DOCX/XLSX: the package rewritten with its core, extended (company, manager, template) and custom properties
  replaced by empty ones, the authors of comments and tracked changes blanked, the saved-from folder path
  (x15ac:absPath) dropped, the pictures inside cleaned as below and embedded Word/Excel files likewise.
  Embedded OLE objects (oleObject*.bin) are passed as they are: reading their property streams is left for
  later. Nothing untrusted is parsed as XML:
  property parts are replaced whole and author attributes blanked by pattern.
- PDF: rewritten by pypdf without the Info dictionary, without any XMP /Metadata or /PieceInfo, and with the
  author (/T) of comment annotations blanked. pypdf bounds what it decompresses (75 MB a stream). A PDF that
  pypdf cannot read (no startxref, a broken table: readers repair such files) has its property strings and XMP
  packets overwritten with spaces byte for byte instead, so every offset in it stays right; unless it holds
  compressed object streams or metadata, or is encrypted: any of these could hide them.
- PNG/JPG: the chunks and segments that hold text, EXIF, XMP, IPTC and comments are left out.

A copy is made at the first blind download of a file and kept beside the uploads (.blind/), because a file of
20 MB takes about half a second to rewrite (measured: a 16 MB DOCX 0.3 s, a 20 MB PDF of 2 000 pages 0.55 s)
and every reviewer of the scenario downloads it. The cache name carries VERSION, so a change of these rules
makes new copies; the upload sweep removes copies whose original is gone or whose version is old. A file that
cannot be cleaned within the limits is not sent at all: for a blind review, no copy is better than a leak.
"""

import contextlib
import io
import os
import re
import struct
import tempfile
import warnings
import zipfile
from pathlib import Path

from flask_babel import gettext as _

from portal.errors import DomainError

VERSION = "1"
CACHE_FOLDER = ".blind"
MAX_EXPANDED_BYTES = 512 * 1024 * 1024  # a DOCX/XLSX unpacked, all parts together: stops a zip bomb
MAX_EDITED_PART_BYTES = 64 * 1024 * 1024  # an XML part or picture that is read whole to be cleaned
CHUNK = 64 * 1024


class CopyUnavailable(DomainError):
    """The file could not be cleaned; a blind reviewer gets no copy rather than one that may name the bidder."""

    status_code = 409


def cache_name(stored_name: str) -> str:
    return f"v{VERSION}-{stored_name}"


def blind_copy(original: Path, kind: str) -> Path:
    """The cleaned copy of a stored file, made now if it is not cached yet."""
    folder = original.parent / CACHE_FOLDER
    target = folder / cache_name(original.name)
    if target.is_file():
        return target
    folder.mkdir(exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".incoming-", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            write_clean(original, kind, out)
        # Two reviewers at once both write a copy; each replaces the other atomically with the same bytes.
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def write_clean(original: Path, kind: str, out) -> None:
    """Write the copy of `original` (a stored file of `kind`) without its document properties to `out`."""
    try:
        if kind in ("docx", "xlsx"):
            _clean_ooxml(original, out)
        elif kind == "pdf":
            _clean_pdf(original, out)
        elif kind in ("png", "jpg"):
            out.write(clean_image(original.read_bytes(), kind))
        else:
            raise CopyUnavailable(_("该附件无法生成去除文档属性的副本。"))
    except CopyUnavailable:
        raise
    except Exception as error:  # a damaged or hostile file: pypdf, zipfile and zlib raise many kinds
        raise CopyUnavailable(_("该附件无法生成去除文档属性（作者等信息）的副本，请联系发布单位获取。")) from error


# --- DOCX and XLSX -------------------------------------------------------------------------------------------

_XML_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_VT = b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
EMPTY_PROPERTIES = {
    "core": _XML_HEAD + b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                        b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms='
                        b'"http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>',
    "app": _XML_HEAD + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                       b'extended-properties" ' + _VT + b"/>",
    "custom": _XML_HEAD + b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                          b'custom-properties" ' + _VT + b"/>",
}
PROPERTY_TYPES = {
    b"application/vnd.openxmlformats-package.core-properties+xml": "core",
    b"application/vnd.openxmlformats-officedocument.extended-properties+xml": "app",
    b"application/vnd.openxmlformats-officedocument.custom-properties+xml": "custom",
}
DEFAULT_PROPERTY_PARTS = {"docProps/core.xml": "core", "docProps/app.xml": "app", "docProps/custom.xml": "custom"}
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b[^>]*>")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(PartName|ContentType|Type|Target|TargetMode)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
RELATIONSHIP_TYPES = {b"core-properties": "core", b"extended-properties": "app", b"custom-properties": "custom"}
# Word and Excel files embedded in the document carry their own properties; they are cleaned the same way.
EMBEDDED_SUFFIXES = (".docx", ".docm", ".xlsx", ".xlsm", ".pptx")
MAX_NESTING = 2
# Who wrote a comment or a tracked change (Word), who is behind a threaded comment (Excel's persons part,
# Word's people part), and the folder the workbook was saved from, which often holds a user name.
_WORD_PEOPLE = re.compile(rb'(\s(?:w|w15):(?:author|initials|userId|providerId)\s*=\s*)(?:"[^"]*"|\'[^\']*\')')
_PERSONS = re.compile(rb'(\s(?:displayName|userId|providerId)\s*=\s*)(?:"[^"]*"|\'[^\']*\')')
_COMMENT_AUTHOR = re.compile(rb"(<(?:\w+:)?author>)[^<]*(</(?:\w+:)?author>)")
_ABS_PATH = re.compile(rb'(<x15ac:absPath\b[^>]*?\surl\s*=\s*)(?:"[^"]*"|\'[^\']*\')')
IMAGE_SUFFIXES = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}


def _attributes(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTRIBUTE.finditer(tag)}


def _property_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The property parts by name: the usual ones, those [Content_Types].xml declares, and those the package's
    relationships point to (an office suite finds them either way)."""
    parts = dict(DEFAULT_PROPERTY_PARTS)
    names = set(archive.namelist())
    for source, pattern in (("[Content_Types].xml", _OVERRIDE), ("_rels/.rels", _RELATIONSHIP)):
        if source not in names:
            continue
        with archive.open(source) as f:
            declared = f.read(MAX_EDITED_PART_BYTES)
        for tag in pattern.findall(declared):
            attributes = _attributes(tag)
            if pattern is _OVERRIDE:
                which, name = PROPERTY_TYPES.get((attributes.get(b"ContentType") or b"").strip()), \
                    attributes.get(b"PartName")
            else:
                kind = (attributes.get(b"Type") or b"").strip().rsplit(b"/", 1)[-1]
                which, name = RELATIONSHIP_TYPES.get(kind), attributes.get(b"Target")
                if attributes.get(b"TargetMode", b"").strip() == b"External":
                    continue
            if which and name:
                parts[name.decode("utf-8", "replace").strip().lstrip("/")] = which
    return parts


def _clean_part(name: str, data: bytes) -> bytes:
    if name.startswith("word/") and name.endswith(".xml"):
        data = _WORD_PEOPLE.sub(rb'\1""', data)
    elif name.startswith("xl/persons/") and name.endswith(".xml"):
        data = _PERSONS.sub(rb'\1""', data)
    elif name.startswith("xl/") and name.endswith(".xml"):
        data = _COMMENT_AUTHOR.sub(rb"\1\2", data)
        data = _ABS_PATH.sub(rb'\1""', data)
    return data


def _needs_reading(name: str) -> bool:
    lower = name.lower()
    return ((lower.startswith(("word/", "xl/")) and lower.endswith(".xml")) or Path(lower).suffix in IMAGE_SUFFIXES
            or lower.endswith(EMBEDDED_SUFFIXES))


def _clean_ooxml(original, out, depth: int = 0) -> None:
    expanded = 0
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(out, "w") as target:
        properties = _property_parts(source)
        for info in source.infolist():
            expanded += info.file_size
            if info.file_size > MAX_EXPANDED_BYTES or expanded > MAX_EXPANDED_BYTES:
                raise CopyUnavailable(_("该附件解压后过大，无法生成去除文档属性的副本。"))
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
            if info.filename in properties:
                target.writestr(copy, EMPTY_PROPERTIES[properties[info.filename]])
            elif _needs_reading(info.filename):
                if info.file_size > MAX_EDITED_PART_BYTES:
                    raise CopyUnavailable(_("该附件中的部分内容过大，无法生成去除文档属性的副本。"))
                data = _read_at_most(source, info, MAX_EDITED_PART_BYTES)
                lower = info.filename.lower()
                kind = IMAGE_SUFFIXES.get(Path(lower).suffix)
                if lower.endswith(EMBEDDED_SUFFIXES):
                    if depth >= MAX_NESTING:
                        raise CopyUnavailable(_("该附件无法生成去除文档属性的副本。"))
                    nested = io.BytesIO()
                    _clean_ooxml(io.BytesIO(data), nested, depth + 1)
                    data = nested.getvalue()
                elif kind:
                    data = clean_image(data, kind)
                else:
                    data = _clean_part(info.filename, data)
                target.writestr(copy, data)
            else:
                # The declared size can lie; count what really comes out.
                with source.open(info) as part, target.open(copy, "w") as sink:
                    written = 0
                    while chunk := part.read(CHUNK):
                        written += len(chunk)
                        if written > info.file_size or expanded - info.file_size + written > MAX_EXPANDED_BYTES:
                            raise CopyUnavailable(_("该附件解压后过大，无法生成去除文档属性的副本。"))
                        sink.write(chunk)


def _read_at_most(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as part:
        data = part.read(limit + 1)
    if len(data) > limit:
        raise CopyUnavailable(_("该附件中的部分内容过大，无法生成去除文档属性的副本。"))
    return data


# --- PDF -----------------------------------------------------------------------------------------------------

# Comment annotations name their author in /T; a form field's /T is its name and stays.
_NOT_MARKUP = {"/Widget", "/Link", "/Popup"}


def _clean_pdf(original: Path, out) -> None:
    try:
        data = _rewritten_pdf(original)
    except CopyUnavailable:
        raise
    except Exception:  # whatever pypdf could not read: the careful byte-for-byte way, or no copy at all
        data = _blanked_pdf(original.read_bytes())
    out.write(data)


def _rewritten_pdf(original: Path) -> bytes:
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, TextStringObject

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf warns about every repaired fault of a damaged file
        reader = pypdf.PdfReader(original)
        if reader.is_encrypted:
            raise CopyUnavailable(_("该 PDF 已加密，无法生成去除文档属性的副本。"))
        writer = pypdf.PdfWriter(clone_from=reader)
        writer.metadata = None  # no Info dictionary in the trailer

        seen: set[int] = set()
        stack = [writer.root_object]
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                if item.idnum in seen:
                    continue
                seen.add(item.idnum)
                item = item.get_object()
            if isinstance(item, DictionaryObject):  # streams are dictionaries too
                for key in ("/Metadata", "/PieceInfo"):
                    item.pop(key, None)
                if "/T" in item and item.get("/Subtype") not in _NOT_MARKUP and "/Subtype" in item:
                    item[NameObject("/T")] = TextStringObject("")
                stack.extend(v for k, v in item.items() if k not in ("/Parent", "/P"))
            elif isinstance(item, ArrayObject):
                stack.extend(item)
        # What the walk detached (the old Info, XMP packets) must not be written out anyway.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


# A property's value: a literal string (balanced parentheses, backslash escapes) or a hex string.
_PROPERTY_KEY = re.compile(rb"/(?:Author|Creator|Producer|Company|Manager|Title|Subject|Keywords|SourceModified"
                           rb"|LastModifiedBy|T)(?=[\s(<])\s*")
_XMP_PACKET = re.compile(rb"<\?xpacket begin.*?<\?xpacket end[^>]*>", re.DOTALL)
_HIDING_PLACES = re.compile(rb"/Type\s*/(?:ObjStm|Metadata)\b[^>]*?/Filter|/Filter[^>]*?/Type\s*/(?:ObjStm|Metadata)\b"
                            rb"|/ObjStm\b|/Encrypt\b")


def _blanked_pdf(data: bytes) -> bytes:
    if _HIDING_PLACES.search(data):
        raise CopyUnavailable(_("该 PDF 文件结构损坏，无法生成去除文档属性的副本，请联系发布单位获取。"))
    buffer = bytearray(data)
    for match in _PROPERTY_KEY.finditer(data):
        start = match.end()
        end = _string_end(data, start)
        if end is not None:
            buffer[start + 1:end - 1] = b" " * (end - 1 - start - 1)
    for match in _XMP_PACKET.finditer(data):
        buffer[match.start():match.end()] = b" " * (match.end() - match.start())
    return bytes(buffer)


def _string_end(data: bytes, start: int) -> int | None:
    """Where the PDF string that starts at `start` ends (one past its closing delimiter), or None if none does."""
    if data[start:start + 1] == b"<" and data[start + 1:start + 2] != b"<":
        end = data.find(b">", start)
        return end + 1 if end != -1 else None
    if data[start:start + 1] != b"(":
        return None
    depth, position = 0, start
    while position < len(data):
        byte = data[position]
        if byte == 0x5C:  # backslash: the next byte is escaped
            position += 2
            continue
        if byte == 0x28:
            depth += 1
        elif byte == 0x29:
            depth -= 1
            if depth == 0:
                return position + 1
        position += 1
    return None


# --- PNG and JPEG --------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text chunks (tEXt zTXt iTXt: Author, Software, Comment…), EXIF, and the time of the last edit.
PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
# APP1 (EXIF, XMP), APP12 (Ducky), APP13 (Photoshop/IPTC) and comments; JFIF, the ICC profile (APP2) and Adobe's
# colour transform (APP14) stay: the picture looks different without them.
JPEG_DROPPED = {0xE1, 0xEC, 0xED, 0xFE}


def clean_image(data: bytes, kind: str) -> bytes:
    """The picture without its text, EXIF, XMP and IPTC; anything that does not parse is refused."""
    if kind == "png":
        return _clean_png(data)
    if kind == "jpg":
        return _clean_jpeg(data)
    raise ValueError(kind)


def _clean_png(data: bytes) -> bytes:
    if not data.startswith(PNG_SIGNATURE):
        raise CopyUnavailable(_("图片已损坏，无法生成副本。"))
    out, position = io.BytesIO(), len(PNG_SIGNATURE)
    out.write(PNG_SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data):
            raise CopyUnavailable(_("图片已损坏，无法生成副本。"))
        if kind not in PNG_DROPPED:
            out.write(data[position:end])
        position = end
        if kind == b"IEND":
            return out.getvalue()
    raise CopyUnavailable(_("图片已损坏，无法生成副本。"))


def _clean_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise CopyUnavailable(_("图片已损坏，无法生成副本。"))
    out, position = io.BytesIO(), 2
    out.write(b"\xff\xd8")
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise CopyUnavailable(_("图片已损坏，无法生成副本。"))
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the compressed picture and everything after it as they are
            out.write(data[position:])
            return out.getvalue()
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise CopyUnavailable(_("图片已损坏，无法生成副本。"))
        if marker not in JPEG_DROPPED:
            out.write(data[position:end])
        position = end
    raise CopyUnavailable(_("图片已损坏，无法生成副本。"))


# --- housekeeping --------------------------------------------------------------------------------------------

def stale_copies(folder: Path, referenced: set[str]) -> list[Path]:
    """Cached copies whose original no row refers to, or made by an older VERSION of these rules."""
    cache = folder / CACHE_FOLDER
    if not cache.is_dir():
        return []
    stale = []
    for path in sorted(cache.iterdir()):
        if path.is_symlink() or not path.is_file():
            continue
        version, _dash, stored = path.name.partition("-")
        if path.name.startswith(".incoming-") or version != f"v{VERSION}" or stored not in referenced:
            stale.append(path)
    return stale


def discard_copy(original: Path) -> None:
    with contextlib.suppress(OSError):
        (original.parent / CACHE_FOLDER / cache_name(original.name)).unlink(missing_ok=True)

