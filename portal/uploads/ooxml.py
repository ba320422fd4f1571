"""DOCX and XLSX: one clean OOXML package from the first byte to the last, without macros or programs.

Also where a ZIP archive ends, which the other checks use to find one hidden behind a PDF or an image.
"""

import struct
import zipfile
import zlib
from pathlib import Path

from flask_babel import gettext as _

from portal.uploads.kinds import EXECUTABLE_MAGIC, EXECUTABLE_SUFFIXES, OTHER_LABELS, UploadRejected
from portal.uploads.names import extension_of

ZIP_LOCAL = b"PK\x03\x04"
ZIP_CENTRAL = b"PK\x01\x02"
ZIP_END = b"PK\x05\x06"
ZIP64_LOCATOR = b"PK\x06\x07"
MAX_ZIP_ENTRIES = 5000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024


def zip_end_record(path: Path, size: int) -> tuple[int, int, int, int] | None:
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


def inspect_office(path: Path, size: int, shown: str) -> str:
    """A DOCX or XLSX: one clean OOXML package from the first byte to the last, without macros or programs."""
    broken = UploadRejected(_("文件“%(name)s”已损坏，或不是有效的 Word（DOCX）/Excel（XLSX）文件。", name=shown))
    end = zip_end_record(path, size)
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
