"""Uploads: the kind comes from the bytes, dangerous content is refused, names are only shown, files leave
only as downloads, and a request over the size limit gets a readable page."""

import contextlib
import hashlib
import http.client
import io
import os
import socket
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from portal.config import ROOT, build_config
from portal.uploads import downloads, storage
from portal.uploads.kinds import UploadRejected
from portal.uploads.storage import accept_upload

# --- real files, built by hand -------------------------------------------------------------------

def make_pdf(text: str = "hello") -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png() -> bytes:
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x0b\x4f\x8a")  # filter byte + one blue pixel
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels)
            + _png_chunk(b"IEND", b""))


def make_jpeg() -> bytes:
    """A baseline 8×8 grey JPEG: one block whose coefficients are all zero."""
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    app0 = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = segment(0xDB, b"\x00" + bytes([1] * 64))
    sof0 = segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    # One code of length 1 in each table: DC category 0, AC end-of-block.
    dht_dc = segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    dht_ac = segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    scan = b"\x3f"  # bits 0 (DC) 0 (EOB), padded with ones
    return b"\xff\xd8" + app0 + dqt + sof0 + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>{overrides}</Types>'
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _rels(target: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            f'officeDocument" Target="{target}"/></Relationships>')


def make_docx(extra: dict[str, bytes] | None = None, main_type: str = DOCX_MAIN) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            overrides=f'<Override PartName="/word/document.xml" ContentType="{main_type}"/>'))
        archive.writestr("_rels/.rels", _rels("word/document.xml"))
        archive.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><w:document '
            'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>城市道路病害智能巡检揭榜方案</w:t></w:r></w:p></w:body></w:document>"))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def make_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            overrides=f'<Override PartName="/xl/workbook.xml" ContentType="{XLSX_MAIN}"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'))
        archive.writestr("_rels/.rels", _rels("xl/workbook.xml"))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="报价" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        archive.writestr("xl/_rels/workbook.xml.rels", _rels("worksheets/sheet1.xml").replace(
            "relationships/officeDocument", "relationships/worksheet"))
        archive.writestr("xl/worksheets/sheet1.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>合计</t></is></c><c r="B1"><v>120</v></c></row>'
            "</sheetData></worksheet>"))
    return buffer.getvalue()


def make_zip(files: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in (files or {"payload.js": b"WScript.Shell.Run('calc.exe')"}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


PE_HEADER = b"MZ" + b"\x90\x00" * 29 + struct.pack("<I", 0x40) + b"PE\x00\x00" + b"\x00" * 200
ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120


def upload(data: bytes, filename: str, content_type: str = "application/pdf") -> FileStorage:
    # The browser's Content-Type is deliberately wrong in many tests: it must never matter.
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- accepted ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("maker", "filename", "kind", "mimetype"), [
    (make_pdf, "技术方案.pdf", "pdf", "application/pdf"),
    (make_png, "系统架构图.PNG", "png", "image/png"),
    (make_jpeg, "现场照片.jpg", "jpg", "image/jpeg"),
    (make_jpeg, "现场照片.jpeg", "jpg", "image/jpeg"),
    (make_docx, "实施计划.docx", "docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (make_xlsx, "报价明细.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_each_allowed_kind_is_accepted_and_stored_under_a_random_name(app, folder, maker, filename, kind, mimetype):
    data = maker()

    checked = accept_upload(upload(data, filename, content_type="application/octet-stream"))

    assert (checked.kind, checked.mimetype, checked.size) == (kind, mimetype, len(data))
    assert checked.display_name == filename
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert len(checked.stored_name) == 32 and int(checked.stored_name, 16) >= 0
    stored = storage.stored_path(checked.stored_name)
    assert stored.read_bytes() == data
    assert stored.parent == folder.resolve()
    assert leftovers(folder) == [checked.stored_name], "no temporary file is left behind"


def test_stored_files_live_outside_static_with_hex_names_only(app, folder):
    first = accept_upload(upload(make_pdf(), "a.pdf"))
    second = accept_upload(upload(make_pdf(), "a.pdf"))

    assert first.stored_name != second.stored_name
    static = Path(app.static_folder).resolve()
    for checked in (first, second):
        path = storage.stored_path(checked.stored_name)
        assert static not in path.resolve().parents
        assert "." not in path.name


def test_the_default_folder_is_in_the_instance_folder_not_static(app, monkeypatch):
    monkeypatch.delenv("UPLOAD_FOLDER", raising=False)
    config = build_config(Path(app.instance_path))

    assert Path(config["UPLOAD_FOLDER"]) == Path(app.instance_path) / "uploads"
    assert (ROOT / "static").resolve() not in Path(config["UPLOAD_FOLDER"]).resolve().parents
    assert config["UPLOAD_MAX_BYTES"] == 20 * 1024 * 1024 and config["UPLOAD_MAX_FILES"] == 5


# --- refused -------------------------------------------------------------------------------------

REFUSED = {
    "elf_renamed_pdf": (ELF_HEADER, "报价.pdf", "可执行程序"),
    "pe_renamed_pdf": (PE_HEADER, "报价.pdf", "可执行程序"),
    "bare_mz_renamed_pdf": (b"MZ" + b"\x00" * 100, "setup.pdf", "可执行程序"),
    "script_renamed_pdf": (b"#!/bin/sh\nrm -rf ~\n", "run.pdf", "可执行程序或脚本"),
    "png_renamed_pdf": (make_png(), "x.pdf", "文件“x.pdf”的内容是 PNG 图片，与扩展名不符"),
    "pdf_renamed_docx": (make_pdf(), "方案.docx", "的内容是 PDF 文档，与扩展名不符"),
    "docx_renamed_pdf": (make_docx(), "方案.pdf", "的内容是 Word 文档（DOCX），与扩展名不符"),
    "xlsx_renamed_docx": (make_xlsx(), "方案.docx", "的内容是 Excel 表格（XLSX），与扩展名不符"),
    "pdf_zip_polyglot": (make_pdf() + make_zip(), "方案.pdf", "夹带了压缩包"),
    "pdf_docx_polyglot": (make_pdf() + make_docx(), "方案.pdf", "夹带了压缩包"),
    "jpeg_with_zip": (make_jpeg() + make_zip(), "照片.jpg", "夹带了压缩包"),
    "png_with_zip": (make_png() + make_zip(), "图.png", "夹带了压缩包"),
    "png_with_trailing_data": (make_png() + b"more bytes after the image", "图.png", "附加了其他内容"),
    "jpeg_with_pdf_header": (make_jpeg()[:20] + b"%PDF-1.4\n" + make_jpeg()[20:], "照片.jpg", "夹带了"),
    "html_named_pdf": (b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
                       "方案.pdf", "网页"),
    "html_after_whitespace": (b"\r\n  \t<html><script>alert(1)</script>", "方案.pdf", "网页"),
    "utf16_html": ("\ufeff<html><script>alert(1)</script></html>".encode("utf-16-le"), "方案.pdf", "网页"),
    "pdf_with_html_in_first_kb": (b"%PDF-1.4\n<html><body onload=alert(1)>" + make_pdf()[9:], "方案.pdf", "网页"),
    "svg_named_png": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'
                      b"</svg>", "图.png", "SVG"),
    "bare_svg_named_png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "图.png", "SVG"),
    "docx_with_macros": (make_docx({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 60}), "方案.docx", "宏"),
    "docm_renamed_docx": (make_docx(main_type=DOCM_MAIN), "方案.docx", "宏"),
    "docx_with_activex": (make_docx({"word/activeX/activeX1.bin": b"\x00" * 16}), "方案.docx", "ActiveX"),
    "docx_with_exe_part": (make_docx({"word/embeddings/setup.exe": b"anything"}), "方案.docx", "可执行程序"),
    "docx_with_program_inside": (make_docx({"word/media/image1.png": PE_HEADER}), "方案.docx", "可执行程序"),
    "docx_with_data_before": (b"JUNK" + make_docx(), "方案.docx", "无法识别"),
    "docx_with_data_after": (make_docx() + b"%PDF-1.4 trailing", "方案.docx", "夹带了"),
    "plain_zip_named_docx": (make_zip(), "方案.docx", "ZIP 压缩包"),
    "truncated_docx": (make_docx()[:-30], "方案.docx", "已损坏"),
    "gif_named_png": (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 20, "图.png", "GIF 图片"),
    "text_named_pdf": (b"just some words", "说明.pdf", "无法识别"),
    "exe_by_name": (make_pdf(), "setup.exe", "类型不受支持"),
    "bidi_trick": (PE_HEADER, "invoice\u202efdp.exe", "类型不受支持"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_dangerous_or_mismatched_content_is_refused_with_a_clear_message(app, folder, case):
    data, filename, reason = REFUSED[case]

    with pytest.raises(UploadRejected) as refused:
        accept_upload(upload(data, filename))

    message = refused.value.message
    assert reason in message, message
    assert "文件“" in message or "无法识别文件“" in message, "the message names the file"
    assert leftovers(folder) == [], "a refused file leaves nothing behind"


def test_zero_bytes_are_refused(app, folder):
    with pytest.raises(UploadRejected, match="空文件"):
        accept_upload(upload(b"", "空白.pdf"))
    assert leftovers(folder) == []


def test_a_file_over_the_limit_is_refused_as_soon_as_it_is_too_big(app, folder):
    app.config["UPLOAD_MAX_BYTES"] = 1000
    stream = io.BytesIO(make_pdf() + b"%" * 5000)

    with pytest.raises(UploadRejected) as refused:
        accept_upload(FileStorage(stream=stream, filename="大文件.pdf"))

    assert "大文件.pdf" in refused.value.message and "1000 字节" in refused.value.message
    assert stream.tell() < 1000 + storage.CHUNK + 1, "reading stopped at the limit"
    assert leftovers(folder) == []
    app.config["UPLOAD_MAX_BYTES"] = len(make_pdf())
    assert accept_upload(upload(make_pdf(), "刚好.pdf")).size == len(make_pdf())


def test_the_default_limit_reads_in_megabytes(app, folder):
    app.config["UPLOAD_MAX_BYTES"] = 20 * 1024 * 1024
    with pytest.raises(UploadRejected, match="20 MB"):
        accept_upload(upload(make_pdf() + b"%" * (20 * 1024 * 1024), "大.pdf"))


def test_random_bytes_that_look_like_a_zip_end_are_not_a_polyglot(app, folder):
    # "PK\x05\x06" inside compressed image data, without a central directory behind it.
    data = make_jpeg()[:-2] + b"PK\x05\x06" + b"\x00" * 18 + b"\xff\xd9"
    assert accept_upload(upload(data, "照片.jpg")).kind == "jpg"


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("filename", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
    ("C:\\Users\\王工\\Desktop\\方案.pdf", "方案.pdf"),
    ("a\x00b.pdf", "ab.pdf"),
    ("报价\r\nX-Injected: 1.pdf", "报价 X-Injected_ 1.pdf"),
    ("报告\u202efdp.pdf", "报告fdp.pdf"),
    ("\u200b零宽\u2066字符\u2069.pdf", "零宽字符.pdf"),
    ("  多个   空格\t的  名字 .pdf", "多个 空格 的 名字.pdf"),
    ('"<引号>"?.pdf', "__引号___.pdf"),
    ("...pdf", "附件.pdf"),
    (".pdf", "附件.pdf"),
    ("..", "附件.pdf"),
    ("", "附件.pdf"),
    ("没有扩展名", "没有扩展名.pdf"),
    ("方案.PDF", "方案.PDF"),
])
def test_names_are_kept_only_as_safe_display_names(app, folder, filename, shown):
    assert accept_upload(upload(make_pdf(), filename)).display_name == shown


def test_long_names_are_cut_to_120_characters_keeping_the_extension(app, folder):
    checked = accept_upload(upload(make_pdf(), "很长的名字" * 60 + ".pdf"))

    assert len(checked.display_name) == 120
    assert checked.display_name.startswith("很长的名字") and checked.display_name.endswith("很.pdf")


def test_a_name_that_is_only_a_path_gets_the_kind_as_extension(app, folder):
    assert accept_upload(upload(make_png(), "uploads/")).display_name == "附件.png"


# --- stored names and downloads ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../secret_key", "0" * 31, "0" * 33, "A" * 32, "g" * 32, "0" * 32 + "/x",
                                  "/etc/passwd", "", None, "0" * 16 + "/../" + "0" * 12])
def test_stored_path_accepts_only_32_hex_characters(app, folder, name):
    with pytest.raises(ValueError):
        storage.stored_path(name)


def test_discard_removes_the_file_and_never_raises(app, folder):
    checked = accept_upload(upload(make_pdf(), "a.pdf"))

    storage.discard(checked.stored_name)
    storage.discard(checked.stored_name)
    storage.discard("../../etc/passwd")
    storage.discard(None)

    assert leftovers(folder) == []


def test_send_attachment_is_a_private_download_that_is_never_rendered(app, folder):
    data = make_pdf()
    checked = accept_upload(upload(data, "技术方案（第二版）.pdf"))

    with app.test_request_context("/"):
        response = downloads.send_attachment(checked.stored_name, checked.display_name, checked.mimetype)
        response.direct_passthrough = False
        body = response.get_data()
        response.close()

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="attachment.pdf"' in disposition, "an ASCII fallback for old clients"
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == "技术方案（第二版）.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "application/pdf"
    assert body == data


def test_send_attachment_of_an_ascii_name_needs_no_encoded_name(app, folder):
    checked = accept_upload(upload(make_png(), "diagram-v2.png"))

    with app.test_request_context("/"):
        response = downloads.send_attachment(checked.stored_name, checked.display_name, checked.mimetype)
        response.close()

    assert response.headers["Content-Disposition"] == 'attachment; filename="diagram-v2.png"'


def test_a_display_name_cannot_inject_headers(app, folder):
    checked = accept_upload(upload(make_pdf(), "a.pdf"))

    with app.test_request_context("/"):
        response = downloads.send_attachment(checked.stored_name, 'x"\r\nSet-Cookie: a=b;.pdf', "application/pdf")
        response.close()

    assert "Set-Cookie" not in response.headers
    assert "\n" not in response.headers["Content-Disposition"]


def test_a_missing_file_is_not_found(app, folder):
    from werkzeug.exceptions import NotFound

    with app.test_request_context("/"), pytest.raises(NotFound):
        downloads.send_attachment("0" * 32, "a.pdf", "application/pdf")


# --- requests over MAX_CONTENT_LENGTH ------------------------------------------------------------

def test_a_request_over_the_limit_gets_the_readable_413_page(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000

    response = client.post("/login", data={"file": (io.BytesIO(b"%" * 50_000), "big.pdf")},
                           content_type="multipart/form-data")

    assert response.status_code == 413
    assert "上传的内容超过大小限制" in response.text and "20 MB" in response.text
    assert "Request Entity Too Large" not in response.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_answers_an_oversized_upload_with_the_page_not_a_reset(tmp_path):
    """120 MB posted to the portal as served in production: the client reads the 413 page, no reset.

    gunicorn answers as soon as it has the headers, then half-closes and lingers before closing, so a
    client still sending gets the page instead of a reset (also checked by hand through a rate-limited
    link with Chromium, curl and requests, directly and behind nginx).
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "UPLOAD_FOLDER", "PORTAL_ENV")}
    env.update(PORTAL_INSTANCE_PATH=str(tmp_path), SECRET_KEY="upload-test")
    bin_dir = Path(sys.executable).parent
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [str(bin_dir / "gunicorn"), "--no-control-socket", "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        boundary = "----portal-upload-test"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"big.pdf\"\r\n"
                "Content-Type: application/pdf\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        body = head + b"%" * (120 * 1024 * 1024) + tail
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            # The server answers before taking the whole body and stops reading; browsers, curl and
            # requests then read the answer that is already there, and so does this client.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request("POST", "/login", body=body,
                                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            response = connection.getresponse()
            page = response.read().decode()
        finally:
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()

    assert response.status == 413
    assert "上传的内容超过大小限制" in page


def test_production_checks_the_shared_upload_folder_development_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("AUDIT_KEY", "y" * 64)
    assert build_config(tmp_path)["UPLOAD_FOLDER_CHECK"] is True
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert build_config(tmp_path)["UPLOAD_FOLDER_CHECK"] is False
