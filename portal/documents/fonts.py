"""The one font of every printed document, chosen once per process.

Chinese text must stay real, selectable text. ReportLab embeds TrueType outlines only, so the font is a TrueType
CJK face from a Debian package (fonts-wqy-zenhei, which `.ci/run` and the README install); Noto CJK is CFF-based
and cannot be embedded. On a machine without one, ReportLab's built-in Adobe CID font STSong-Light is used: not
embedded (the reader's own Song face draws it), but the text is still text.
"""

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

# (path, index in the collection), best first: Debian's fonts-wqy-zenhei, then fonts-wqy-microhei.
CANDIDATES = (
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
)
EMBEDDED_NAME = "PortalCJK"
FALLBACK_NAME = "STSong-Light"


@cache
def cjk_font() -> str:
    """Register the CJK font with ReportLab and return its name for paragraph styles."""
    for path, index in CANDIDATES:
        if not path.is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont(EMBEDDED_NAME, str(path), subfontIndex=index))
        except (TTFError, OSError):
            continue  # a damaged or unreadable file: try the next
        return EMBEDDED_NAME
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_NAME))
    return FALLBACK_NAME
