"""The names of uploaded files: as a person gave them, as they are shown, and as a download offers them."""

import re
import unicodedata
from urllib.parse import quote

from flask_babel import gettext as _

MAX_DISPLAY_NAME = 120


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


def format_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return _("%(n)d 字节", n=size)

