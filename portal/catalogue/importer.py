"""Reading official 首台（套）lists: CSV (UTF-8, with or without BOM) or XLSX, checked row by row.

Nothing here touches the database: `read` turns a file into rows and a list of problems, each
naming the line and the reason, so the caller can refuse the whole file before importing any of it.
"""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _

from portal.catalogue.classify import taxonomy
from portal.catalogue.models import FIRST_YEAR, LEVEL_LABELS, TYPE_LABELS, Level, ProductType
from portal.reference import DISTRICTS, SECTORS
from portal.util import clock, controls
from portal.util.uscc import USCCError, normalize_uscc

COLUMNS = ("name", "model", "company", "uscc", "type", "sector", "category", "level", "year", "batch", "district",
           "specs", "description", "cases")
# Official lists often publish only name, company and year: 领域 and 类别 are then classified from the
# words (portal/catalogue/classify.py), and model, specs and description may stay empty.
REQUIRED_COLUMNS = ("name", "company", "type", "level", "year")
# Headers as officials write them in a spreadsheet.
ALIASES = {"名称": "name", "产品名称": "name", "型号": "model", "规格型号": "model", "企业": "company",
           "企业名称": "company", "统一社会信用代码": "uscc", "类型": "type", "产品类型": "type", "领域": "sector",
           "所属领域": "sector",
           "类别": "category", "产品类别": "category", "级别": "level", "认定级别": "level", "年度": "year",
           "认定年度": "year",
           "批次": "batch", "区县市": "district", "所在区县市": "district", "主要技术指标": "specs",
           "技术指标": "specs", "产品简介": "description", "简介": "description", "应用案例": "cases"}
LIMITS = {"name": 200, "model": 100, "company": 120, "batch": 60, "specs": 5000, "description": 20_000,
          "cases": 20_000}
MAX_ROWS = 100_000
# The columns that hold paragraphs; every other one is a single line. Imported files never pass through a
# form, so their cells are cleaned of control characters here, by the same rules (util/controls.py).
MULTILINE = frozenset({"specs", "description", "cases"})


def _lookup(pairs) -> dict[str, str]:
    table = {}
    for code, label in pairs:
        table[str(code).lower()] = str(code)
        table[str(label)] = str(code)
    return table


TYPES = _lookup((t.value, TYPE_LABELS[t]) for t in ProductType) | {
    "首台(套)装备": "equipment", "首台套装备": "equipment", "首台套": "equipment", "首台（套）": "equipment",
    "首版次": "software", "首批次": "material", "首批次材料": "material"}
LEVELS = _lookup((lv.value, LEVEL_LABELS[lv]) for lv in Level) | {"国家": "national", "省": "provincial",
                                                                "市": "municipal"}
SECTOR_CODES = _lookup(SECTORS.items()) | {"其他": "other", "多元": "other"}
CATEGORY_CODES = _lookup((c.code, c.label) for c in taxonomy())


@dataclass
class ReadResult:
    rows: list[dict] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read(data: bytes, filename: str) -> ReadResult:
    """Parse and check a whole file; `rows` are clean values, `problems` (line, reason) otherwise."""
    result = ReadResult()
    try:
        table = _xlsx_rows(data) if filename.lower().endswith((".xlsx", ".xlsm")) else _csv_rows(data)
    except ValueError as error:
        result.problems.append((0, str(error)))
        return result
    if not table:
        result.problems.append((0, _("文件是空的。")))
        return result
    header = [ALIASES.get(h, h.lower()) for h in (str(c or "").strip().lstrip("\ufeff") for c in table[0])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "company" in missing and "uscc" in header:
        missing.remove("company")
    unknown = [h for h in header if h and h not in COLUMNS]
    if missing or unknown:
        if missing:
            result.problems.append((1, _("表头缺少列：%(columns)s", columns=", ".join(missing))))
        if unknown:
            result.problems.append((1, _("表头有无法识别的列：%(columns)s", columns=", ".join(unknown))))
        result.problems.append((1, _("表头应为：%(columns)s", columns=",".join(COLUMNS))))
        return result
    if len(table) - 1 > MAX_ROWS:
        result.problems.append((0, _("一次最多导入 %(n)d 行。", n=MAX_ROWS)))
        return result
    seen: dict[tuple, int] = {}
    for line, cells in enumerate(table[1:], start=2):
        values = {name: _text(cells[i], multiline=name in MULTILINE) if i < len(cells) else ""
                  for i, name in enumerate(header) if name}
        if not any(values.values()):
            continue
        row, problems = check_row(values)
        if not problems:
            key = identity(row)
            if key in seen:
                problems.append(_("与第 %(line)d 行重复（同一企业的同一型号）", line=seen[key]))
            else:
                seen[key] = line
        if problems:
            result.problems.append((line, "；".join(problems)))
        else:
            row["line"] = line
            result.rows.append(row)
    if not result.rows and not result.problems:
        result.problems.append((0, _("文件中没有产品。")))
    return result


def identity(row: dict) -> tuple:
    """What makes a product the same on re-import: its company (USCC, else name) and model (else name)."""
    company = row["uscc"] or row["company"]
    return (company, (row["model"] or row["name"]).replace(" ", "").lower())


def check_row(values: dict) -> tuple[dict, list[str]]:
    problems = []
    row = {name: values.get(name, "") for name in COLUMNS}
    if not row["name"]:
        problems.append(_("缺少产品名称"))
    if not row["company"] and not row["uscc"]:
        problems.append(_("缺少企业名称"))
    for name, limit in LIMITS.items():
        if len(row[name]) > limit:
            problems.append(_("%(column)s 超过 %(limit)d 个字符", column=name, limit=limit))
    if row["uscc"]:
        try:
            row["uscc"] = normalize_uscc(row["uscc"])
        except USCCError as error:
            problems.append(str(error).rstrip("。"))
    row["type"] = _choice(row["type"], TYPES, _("类型"), "首台（套）装备 / 首版次软件 / 首批次新材料", problems)
    if row["sector"]:
        row["sector"] = _choice(row["sector"], SECTOR_CODES, _("领域"), "、".join(str(s) for s in SECTORS.values()),
                                problems)
    else:
        row["sector"] = None
    # A list's own heading (整机装备, 专用装备…) is rarely one of ours; an unknown one is classified anew.
    row["category"] = CATEGORY_CODES.get(row["category"]) or CATEGORY_CODES.get(row["category"].lower())
    row["level"] = _choice(row["level"], LEVELS, _("级别"), "国家级 / 省级 / 市级", problems)
    last_year = clock.local_today().year + 1
    try:
        year = int(float(row["year"])) if row["year"] else None
    except (ValueError, OverflowError):  # "NaN", "abc"; "inf" and "1e999" overflow int()
        year = None
    if year is None:
        problems.append(_("年度“%(value)s”不是年份", value=row["year"]) if row["year"] else _("缺少年度"))
    elif not FIRST_YEAR <= year <= last_year:
        problems.append(_("年度 %(year)d 超出范围（%(first)d–%(last)d）", year=year, first=FIRST_YEAR, last=last_year))
    row["year"] = year
    if row["district"] and row["district"] not in DISTRICTS:
        problems.append(_("未知区县市“%(value)s”（应为杭州市的区、县、市）", value=row["district"]))
    return row, problems


def _choice(value: str, table: dict[str, str], what: str, expected: str, problems: list[str]) -> str | None:
    if not value:
        problems.append(_("缺少%(what)s", what=what))
        return None
    code = table.get(value) or table.get(value.lower()) or table.get(value.replace("(", "（").replace(")", "）"))
    if code is None:
        problems.append(_("未知%(what)s“%(value)s”（应为 %(expected)s）", what=what, value=value, expected=expected))
    return code


def _text(value, multiline: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return (controls.clean_text if multiline else controls.clean_line)(str(value)).strip()


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_("文件不是 UTF-8 编码：请在电子表格中另存为“CSV UTF-8”。")) from error
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValueError(_("CSV 格式错误：%(error)s", error=error)) from error


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged or foreign file
        raise ValueError(_("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿。")) from error
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
