"""What a file really is, read from its content; what a browser or an office suite could run is refused.

Content that could be run or rendered as something else (programs, HTML/SVG, a ZIP archive hidden behind a
PDF or an image) is refused here; DOCX and XLSX packages are looked into by ooxml.py.
"""

import re
from pathlib import Path

import filetype
from flask_babel import gettext as _

from portal.uploads.kinds import EXECUTABLE_MAGIC, EXTENSIONS, KINDS, OTHER_LABELS, UploadRejected
from portal.uploads.ooxml import ZIP_LOCAL, inspect_office, zip_end_record

HEAD = 8192  # what the signature checks look at, as much as `filetype` reads
MARKUP = re.compile(rb"<\s*(?:script|html|svg|!doctype|iframe|body|head|object|embed|meta|\?php)\b")
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def inspect(path: Path, head: bytes, size: int, shown: str, ext: str) -> str:
    """Decide the kind from the content and refuse what is dangerous or disagrees with the name."""
    if head.startswith(EXECUTABLE_MAGIC):
        raise UploadRejected(_("文件“%(name)s”是可执行程序或脚本，不能上传。", name=shown))
    if _is_markup(head):
        raise UploadRejected(_("文件“%(name)s”的内容是网页、SVG 或脚本，不能上传。", name=shown))

    if head.startswith(ZIP_LOCAL):
        kind = inspect_office(path, size, shown)
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
        if zip_end_record(path, size) is not None or (kind != "pdf" and b"%PDF-" in head[:1024]):
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

