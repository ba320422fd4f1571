"""Real-looking office documents, PDFs and pictures that name their author in their properties, built by hand."""

import io
import struct
import zipfile
import zlib

AUTHOR = "张三丰"
AUTHOR_ASCII = "Zhang Sanfeng"
EDITOR = "lisi@qiantang-vision.cn"
COMPANY = "钱塘视觉科技有限公司"
SECRETS = (AUTHOR, AUTHOR_ASCII, EDITOR, COMPANY)
BODY_TEXT = "道路病害识别技术方案正文"


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be")


def contains_secret(data: bytes) -> str | None:
    """The secret found in `data` in any encoding a document uses for it (UTF-8, UTF-16, PDF hex), or None."""
    lowered = data.lower()
    for secret in SECRETS:
        forms = [secret.encode(), _utf16(secret), _utf16(secret).hex().encode(), b"\xfe\xff" + _utf16(secret)]
        if any(form.lower() in lowered for form in forms):
            return secret
    return None


def everything_in(data: bytes) -> bytes:
    """The bytes of a file and, for a ZIP package, of every part unpacked, so compression hides nothing."""
    if not data.startswith(b"PK"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return data + b"".join(archive.read(name) for name in archive.namelist())


# --- pictures ---------------------------------------------------------------------------------------------------

def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png() -> bytes:
    pixels = zlib.compress(b"\x00\xff\x00\x00" * 2)  # two rows of one red pixel
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 2, 8, 2, 0, 0, 0))
            + _png_chunk(b"tEXt", b"Author\x00" + AUTHOR_ASCII.encode())
            + _png_chunk(b"iTXt", b"Copyright\x00\x00\x00\x00\x00" + COMPANY.encode())
            + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b""))


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg() -> bytes:
    exif_ifd = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08" + b"Artist\x00" + AUTHOR.encode() + b"\x00"
    xmp = b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><dc:creator>" + EDITOR.encode() + b"</dc:creator></x:xmpmeta>"
    return (b"\xff\xd8" + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + _segment(0xE1, exif_ifd) + _segment(0xE1, xmp) + _segment(0xED, b"Photoshop 3.0\x00" + COMPANY.encode())
            + _segment(0xFE, AUTHOR_ASCII.encode())
            + _segment(0xDB, b"\x00" + bytes(range(1, 65)))
            + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + b"\x12\x34\x56\x78" + b"\xff\xd9")


# --- DOCX and XLSX ---------------------------------------------------------------------------------------------

CORE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>方案</dc:title><dc:creator>{AUTHOR}</dc:creator>
<cp:lastModifiedBy>{EDITOR}</cp:lastModifiedBy><cp:revision>3</cp:revision>
<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-05T08:00:00Z</dcterms:created></cp:coreProperties>"""
APP = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Template>Normal.dotm</Template>
<Application>Microsoft Office Word</Application><Company>{COMPANY}</Company><Manager>{AUTHOR_ASCII}</Manager>
</Properties>"""
CUSTOM = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
 xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="2" name="Owner"><vt:lpwstr>{COMPANY}</vt:lpwstr>
</property></Properties>"""
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
W15 = 'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml"'
DOCUMENT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body><w:p><w:r><w:t>{BODY_TEXT}</w:t></w:r>
<w:ins w:id="1" w:author="{AUTHOR}" w:date="2026-01-05T08:00:00Z"><w:r><w:t>补充</w:t></w:r></w:ins></w:p>
</w:body></w:document>"""
COMMENTS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments {W}><w:comment w:id="0" w:author="{AUTHOR_ASCII}" w:initials="ZSF"><w:p><w:r><w:t>请核对</w:t></w:r>
</w:p></w:comment></w:comments>"""
PEOPLE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w15:people {W15}><w15:person w15:author="{AUTHOR}"><w15:presenceInfo w15:providerId="AD"
 w15:userId="{EDITOR}"/></w15:person></w15:people>"""
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/><Default Extension="jpeg" ContentType="image/jpeg"/>
<Override PartName="/word/document.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/comments.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>
<Override PartName="/word/people.xml"
 ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/>
<Override ContentType="application/vnd.openxmlformats-package.core-properties+xml" PartName="/meta/core1.xml"/>
<Override PartName="/docProps/app.xml"
 ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
<Override PartName="/docProps/custom.xml"
 ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
 Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
 Target="meta/core1.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
 Target="docProps/app.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
 Target="docProps/custom.xml"/></Relationships>"""


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A Word document whose core properties sit at a non-default name (found through [Content_Types].xml)."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": DOCUMENT,
             "word/comments.xml": COMMENTS, "word/people.xml": PEOPLE, "meta/core1.xml": CORE,
             "docProps/app.xml": APP, "docProps/custom.xml": CUSTOM, "word/media/image1.jpeg": jpeg(),
             **(extra or {})}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def xlsx() -> bytes:
    """An Excel workbook saved with its author, editor, a custom property, a comment and the folder it came from."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.packaging.custom import StringProperty

    book = Workbook()
    book.properties.creator = AUTHOR
    book.properties.lastModifiedBy = EDITOR
    book.custom_doc_props.append(StringProperty(name="Company", value=COMPANY))
    sheet = book.active
    sheet["A1"] = BODY_TEXT
    sheet["A1"].comment = Comment("请核对报价", AUTHOR_ASCII)
    out = io.BytesIO()
    book.save(out)
    # Excel records the folder a workbook was saved from, often under the user's own name.
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    rewritten = io.BytesIO()
    with zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/workbook.xml":
                data = data.replace(b"<workbookPr", (
                    '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
                    '<mc:Choice Requires="x15"><x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/'
                    f'spreadsheetml/2010/11/ac" url="C:\\Users\\{AUTHOR_ASCII}\\Documents\\"/></mc:Choice>'
                    "</mc:AlternateContent><workbookPr").encode(), 1)
            target.writestr(name, data)
    return rewritten.getvalue()


# --- PDF -----------------------------------------------------------------------------------------------------------

def _hex(text: str) -> bytes:
    return b"<FEFF" + _utf16(text).hex().upper().encode() + b">"


def pdf() -> bytes:
    """A PDF with an Info dictionary, an XMP packet, a comment annotation by its author, and an incremental
    update whose older Info dictionary still sits in the file."""
    xmp = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
           b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>' + AUTHOR.encode()
           + b"</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")
    content = b"BT /F1 12 Tf 20 100 Td (Page one) Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R/Metadata 5 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R/Annots[7 0 R]"
        b"/Resources<</Font<</F1 8 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream",
        b"<</Type/Metadata/Subtype/XML/Length %d>>stream\n" % len(xmp) + xmp + b"\nendstream",
        b"<</Author" + _hex(AUTHOR) + b"/Creator(Microsoft Word)/Producer(" + AUTHOR_ASCII.encode()
        + b" PDF)/Company" + _hex(COMPANY) + b">>",
        b"<</Type/Annot/Subtype/Text/Rect[10 10 30 30]/T(" + EDITOR.encode() + b")/Contents(check)/P 3 0 R>>",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<</Size %d/Root 1 0 R/Info 6 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    # An incremental update: a new Info dictionary; the old one stays in the bytes above.
    info = out.tell()
    out.write(b"9 0 obj\n<</Author(" + AUTHOR_ASCII.encode() + b")/ModDate(D:20260106)>>\nendobj\n")
    update = out.tell()
    out.write(b"xref\n9 1\n%010d 00000 n \n" % info)
    out.write(b"trailer\n<</Size 10/Root 1 0 R/Info 9 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (xref, update))
    return out.getvalue()
