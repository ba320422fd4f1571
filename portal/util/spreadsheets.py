"""Tables as downloads: CSV in UTF-8 with a BOM (so Excel reads the Chinese) and XLSX.

Cells that a spreadsheet would run as a formula are neutralised in both (CSV injection): list titles,
organisation names and comments are typed by users. Both also drop control characters from every cell
(util/controls.py): openpyxl refuses them (IllegalCharacterError), and rows stored before input was cleaned,
imports and the command line may hold them.
"""

import csv
import io
import re
from decimal import Decimal
from urllib.parse import quote

from flask import Response

from portal.util import controls

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Full-width forms too: some spreadsheet versions in Chinese locales read "＝1+1" as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
MAX_CELL_CHARS = 32_767  # Excel shows no more than this in a cell, and refuses the file when one holds more
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def safe_cell(value):
    """A cell value without control characters; text that a spreadsheet would run as a formula is prefixed with
    an apostrophe (CSV injection). The check comes after the cleaning, so "\\x01=cmd" cannot slip past it."""
    if not isinstance(value, str):
        return value
    value = controls.for_xml(value)
    if value.startswith(FORMULA_START):
        value = "'" + value
    return value[:MAX_CELL_CHARS]


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of \\ / ? * [ ] :, no control characters."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", controls.clean_line(str(title))).strip(" '")[:31].strip(" '")
    return cleaned or "Sheet1"


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
    sheet.title = sheet_title(title)
    sheet.append([safe_cell(v) for v in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
        # Decimal cells are numbers: shown with their two decimals, as the pages show them.
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
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
