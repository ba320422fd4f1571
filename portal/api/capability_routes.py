"""Read-only JSON of the 场景能力清单: approved capabilities only, as the public pages show them."""

from flask import url_for

from portal.api import params, serializers
from portal.api.openapi import operation
from portal.api.params import Param
from portal.capabilities import queries
from portal.capabilities.models import Maturity
from portal.catalogue.classify import choices as field_choices
from portal.permissions import load_capability_or_404
from portal.web.paging import Page

ANONYMOUS = None

CAPABILITY_Q = Param("q", "全文检索能力名称、企业、简介与案例（中文分词、同义词）；给出时按相关度排序，"
                          "否则按公开时间倒序。", max_length=1000)
FIELD = Param("field", "技术领域（产品库类别）代码。", enum=tuple(code for code, _label in field_choices()))
MATURITY = Param("maturity", "成熟度：prototype 样机，small_batch 小批量，scaled 规模应用。",
                 enum=tuple(m.value for m in Maturity))
DISTRICT = Param("district", "服务的杭州市区县市名称。", enum=params.DISTRICT.enum)
CAPABILITY_LIST = (CAPABILITY_Q, params.SECTOR, FIELD, MATURITY, DISTRICT, params.SEARCH_PAGE, params.PER_PAGE)

S = serializers
CAPABILITY_SUMMARY = S.obj({
    "id": S.INTEGER, "title": S.STRING, "company": S.STRING, "sector": S.SECTOR, "sector_label": S.STRING,
    "field": S.STRING, "field_label": S.STRING, "maturity": {"type": "string", "enum": [m.value for m in Maturity]},
    "maturity_label": S.STRING, "districts": {"type": "array", "items": S.DISTRICT}, "approved_at": S.MOMENT,
    "url": S.URL,
}, "公开的场景能力（摘要）")
CAPABILITY = {"allOf": [S.ref("CapabilitySummary"), S.obj({
    "summary": S.TEXT, "cases": S.TEXT,
    "company_url": S.URL,
    "products": {"type": "array", "description": "关联的已入库产品",
                 "items": S.obj({"id": S.INTEGER, "name": S.STRING, "url": S.URL})},
})], "description": "公开的场景能力；联系人不公开，请通过企业联系"}
S.SCHEMAS.update({"CapabilitySummary": CAPABILITY_SUMMARY, "Capability": CAPABILITY,
                  "CapabilityPage": S.page_of(S.ref("CapabilitySummary"), "场景能力清单")})


def capability_summary(row) -> dict:
    return {"id": row.id, "title": row.title, "company": row.organization.name, "sector": row.sector,
            "sector_label": row.sector_label, "field": row.field, "field_label": row.field_label,
            "maturity": row.maturity.value, "maturity_label": str(row.maturity.label), "districts": row.districts,
            "approved_at": S.moment(row.approved_at),
            "url": url_for("capabilities.show_capability", capability_id=row.id, _external=True)}


def capability(row) -> dict:
    return {**capability_summary(row), "summary": row.summary, "cases": row.cases,
            "company_url": url_for("catalogue.show_enterprise", org_id=row.organization_id, _external=True),
            "products": [{"id": p.id, "name": p.name,
                          "url": url_for("catalogue.show_product", product_id=p.id, _external=True)}
                         for p in queries.public_products(row)]}


@operation("/capabilities", summary="场景能力清单", schema="CapabilityPage", parameters=CAPABILITY_LIST,
           description="审核通过并公开的企业场景能力，筛选条件与能力清单页面相同；给出 q 时全文检索并按相关度排序"
                       "（total 超过 1000 时 total_exact 为 false）。草稿、待审核、退回与已撤回的能力从不出现。")
def list_capabilities(args):
    filters = {name: args[name] for name in queries.FILTERS if args[name] is not None}
    q = (args["q"] or "").strip()
    if q:
        page: Page = queries.search_public(q, filters, args["page"], args["per_page"])
    else:
        page = queries.paginate_public(filters, args["page"], args["per_page"])
    return S.page(page, [capability_summary(c) for c in page.items])


@operation("/capabilities/{capability_id}", summary="场景能力详情", schema="Capability",
           parameters=(params.path_id("capability_id", "能力"),),
           description="公开的场景能力；草稿、待审核、退回或已撤回的能力答复 404。")
def show_capability(args):
    return capability(load_capability_or_404(args["capability_id"], ANONYMOUS))
