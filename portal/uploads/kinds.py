"""What files the portal takes: their kinds, what else a file may turn out to be, and the refusal.

What a browser says about a file (its name, its Content-Type) is only a claim; the kind is read from the bytes
(checks.py) and the name's extension must agree with it.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError


class UploadRejected(DomainError):
    """A file was refused; the message names the file and the reason."""

    status_code = 422


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
