"""Tables as downloads: CSV in UTF-8 with a BOM (so Excel reads the Chinese) and XLSX.

Cells that a spreadsheet would run as a formula are neutralised in both (CSV injection): list titles,
organisation names and comments are typed by users.
"""

import csv
import io
from urllib.parse import quote

from flask import Response

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with an apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(header, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(title: str, header, rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([safe_cell(v) for v in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(stem: str, title: str, header, rows, fmt: str, *, filename: str | None = None,
             private: bool = False) -> Response:
    """The table as a CSV or XLSX attachment (sheet `title`) named `stem.fmt` in ASCII and `filename.fmt`
    (default: the title) in UTF-8 (RFC 6266), for browsers that read it."""
    if fmt == "csv":
        body, mimetype = to_csv(header, rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_xlsx(title, header, rows), XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = (f'attachment; filename="{stem}.{fmt}"; '
                                               f"filename*=UTF-8''{quote(f'{filename or title}.{fmt}')}")
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
