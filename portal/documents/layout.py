"""What every printed document shares: A4 pages, the CJK font, paragraph styles, escaping, the footer, the QR code."""

import html
import io

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from portal.documents.fonts import cjk_font

PORTAL_NAME = "幸会·杭州 场景机会平台"
MARGIN = 18 * mm
# segno draws each module as this many pixels: whole pixels, so the image is the code exactly and a reader that
# smooths a scaled image still finds sharp edges between modules.
QR_PIXELS_PER_MODULE = 8
QR_BORDER = 2


def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles in the CJK font; CJK word wrap breaks lines between any two characters."""
    font = cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK", spaceAfter=4)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontSize=20, leading=28, alignment=1, spaceAfter=2),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, alignment=1, textColor=colors.grey, spaceAfter=10
        ),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13.5, leading=20, spaceBefore=10, spaceAfter=6),
        "subheading": ParagraphStyle(
            "subheading",
            parent=base,
            fontSize=11.5,
            leading=18,
            spaceBefore=6,
            spaceAfter=4,
            textColor=colors.HexColor("#333333"),
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12.5, spaceAfter=0),
        "code": ParagraphStyle("code", parent=base, fontSize=8, leading=11, spaceAfter=0),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.grey),
    }


def text(value) -> str:
    """Plain text as paragraph markup: escaped, its line breaks kept."""
    return html.escape(str(value or ""), quote=False).replace("\n", "<br/>")


def paragraphs(value: str, style: ParagraphStyle) -> list[Paragraph]:
    """Plain text with blank lines between paragraphs as one Paragraph each (empty text: none)."""
    blocks = [block.strip() for block in (value or "").replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(text(block), style) for block in blocks if block]


class QRCode(Flowable):
    """A QR code of `url` drawn as an image, linked to the URL, with the URL printed under it."""

    def __init__(self, url: str, size: float, caption: str):
        super().__init__()
        self.url = url
        self.size = size
        self.caption = caption
        out = io.BytesIO()
        segno.make(url).save(out, kind="png", scale=QR_PIXELS_PER_MODULE, border=QR_BORDER)
        self.image = ImageReader(io.BytesIO(out.getvalue()))

    def wrap(self, available_width, available_height):
        self.width = self.size
        self.height = self.size + 12
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        canvas.drawImage(self.image, 0, 12, width=self.size, height=self.size)
        canvas.linkURL(self.url, (0, 12, self.size, 12 + self.size), relative=1)
        canvas.setFont(cjk_font(), 7.5)
        canvas.drawCentredString(self.size / 2, 2, self.caption)


def render(story: list, *, title: str, subject: str, footer: str) -> bytes:
    """The story as an A4 PDF with the portal's metadata; each page's foot names the document and its page number."""
    font = cjk_font()

    def foot(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 10 * mm, f"{PORTAL_NAME} · {footer}")
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, str(doc.page))
        canvas.restoreState()

    out = io.BytesIO()
    # invariant: the same content gives the same bytes (no creation time or random id), so a copy can be compared.
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        subject=subject,
        author=PORTAL_NAME,
        creator=PORTAL_NAME,
        lang="zh-CN",
        displayDocTitle=True,
        invariant=True,
    )
    template.build(story, onFirstPage=foot, onLaterPages=foot)
    return out.getvalue()
