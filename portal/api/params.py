"""Parameters of the API, described once: the same objects validate requests and write the OpenAPI document."""

import re
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _

from portal.api.errors import ApiError, invalid
from portal.catalogue.models import Level, ProductType
from portal.permissions import MAX_ID
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.forms import STATUS_FILTERS
from portal.web.paging import MAX_PAGE, MAX_SEARCH_PAGE

# ASCII digits only: str.isdigit() also accepts "²" and "１", and int() of thousands of digits raises.
DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    type: str = "string"  # or "integer"
    enum: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    default: object = None
    location: str = "query"

    def schema(self) -> dict:
        schema: dict = {"type": self.type}
        if self.enum:
            schema["enum"] = list(self.enum)
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.type == "string" and not self.enum:
            schema["minLength"] = 1
            if self.max_length is not None:
                schema["maxLength"] = self.max_length
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def openapi(self) -> dict:
        return {"name": self.name, "in": self.location, "required": self.location == "path",
                "description": self.description, "schema": self.schema()}

    def parse(self, raw: str):
        """The value of `raw` for this parameter, or an ApiError naming it and saying why."""
        if raw == "":
            raise invalid(self.name, _("参数值不能为空；不需要时请省略该参数。"))
        if self.type == "integer":
            if not DIGITS.fullmatch(raw) or not self.minimum <= int(raw) <= self.maximum:
                raise invalid(self.name, _("应为 %(low)d 到 %(high)d 之间的整数。", low=self.minimum,
                                           high=self.maximum))
            return int(raw)
        if self.enum and raw not in self.enum:
            raise invalid(self.name, _("可选值：%(values)s", values=", ".join(self.enum)))
        if self.max_length is not None and len(raw) > self.max_length:
            raise invalid(self.name, _("最多 %(n)d 个字符。", n=self.max_length))
        return raw


def parse(specs: tuple[Param, ...], path_values: dict[str, str]) -> dict:
    """Validate the request's query string and path against `specs`; the first fault is reported.

    Unknown names are refused rather than ignored (a misspelt filter would silently widen the result),
    and so is a name given twice, whose meaning would be a guess.
    """
    query = {p.name: p for p in specs if p.location == "query"}
    values = {p.name: p.default for p in query.values()}
    for spec in specs:
        if spec.location == "path":
            values[spec.name] = spec.parse(path_values[spec.name])
    for name in request.args:
        if name not in query:
            raise ApiError(400, "unknown_parameter", _("未知参数。可用参数：%(names)s", names=", ".join(query) or "—"),
                           name)
        given = request.args.getlist(name)
        if len(given) > 1:
            raise ApiError(400, "duplicate_parameter", _("参数只能出现一次。"), name)
        values[name] = query[name].parse(given[0])
    return values


MAX_PER_PAGE = 100


def _page(maximum: int) -> Param:
    return Param("page", "页码，从 1 开始。", "integer", minimum=1, maximum=maximum, default=1)


PAGE = _page(MAX_PAGE)
SEARCH_PAGE = _page(MAX_SEARCH_PAGE)
PER_PAGE = Param("per_page", "每页条数。", "integer", minimum=1, maximum=MAX_PER_PAGE, default=20)
SECTOR = Param("sector", "所属领域（七端及其他）代码。", enum=tuple(SECTORS))
DISTRICT = Param("district", "杭州市区县市名称。", enum=tuple(DISTRICTS))
STATUS = Param("status", "场景状态：published 揭榜中，closed 已截止，under_review 评审中，announced 公示中，"
                         "final 揭榜成功，cancelled 已撤销。", enum=tuple(STATUS_FILTERS))
BATCH = Param("batch", "清单批次编号。", "integer", minimum=1, maximum=MAX_ID)
SCENARIO_Q = Param("q", "全文检索场景名称、描述与技术要求（中文分词）；给出时按相关度排序，否则按发布时间倒序。",
                   max_length=1000)
PRODUCT_Q = Param("q", "全文检索产品名称、型号、企业与描述（中文分词、同义词）；给出时按相关度排序。",
                  max_length=1000)
PRODUCT_TYPE = Param("type", "产品类型：equipment 首台（套）装备，software 首版次软件，material 首批次新材料。",
                     enum=tuple(t.value for t in ProductType))
LEVEL = Param("level", "认定级别：national 国家级，provincial 省级，municipal 市级。",
              enum=tuple(lv.value for lv in Level))
YEAR = Param("year", "认定年份。", "integer", minimum=1900, maximum=2100)
VALIDITY = Param("validity", "有效期：current 有效期内，expired 已过有效期（有效期至 valid_until，"
                             "按北京时间的日期判断）。", enum=("current", "expired"))
SORT = Param("sort", "排序：relevance 相关度（无 q 时按年份），year 认定年份倒序。", enum=("relevance", "year"),
             default="relevance")


def path_id(name: str, what: str) -> Param:
    return Param(name, f"{what}编号。", "integer", minimum=1, maximum=MAX_ID, location="path")


BATCH_LIST = (PAGE, PER_PAGE)
SCENARIO_LIST = (SCENARIO_Q, SECTOR, DISTRICT, STATUS, BATCH, PAGE, PER_PAGE)
RESULT_LIST = (BATCH, SECTOR, DISTRICT, PAGE, PER_PAGE)
PRODUCT_LIST = (PRODUCT_Q, PRODUCT_TYPE, SECTOR, LEVEL, DISTRICT, YEAR, VALIDITY, SORT, SEARCH_PAGE, PER_PAGE)
