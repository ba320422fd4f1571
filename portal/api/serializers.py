"""The JSON form of each public object, with the JSON Schema it promises beside it.

A serializer and its schema are edited together here; the OpenAPI document takes the schemas from
this module and the conformance test checks real responses against them.
"""

from datetime import datetime

from flask import url_for
from markupsafe import escape

from portal.catalogue.models import Level, ProductType
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.models import ScenarioState
from portal.util import clock, masking
from portal.util.text import html_to_text
from portal.web.paging import Page

STRING = {"type": "string"}
TEXT = {"type": "string", "description": "纯文本"}
HTML = {"type": "string", "description": "已净化的 HTML"}
INTEGER = {"type": "integer"}
URL = {"type": "string", "format": "uri", "description": "公开页面地址"}
MOMENT = {"type": "string", "format": "date-time", "description": "RFC 3339，北京时间"}
MAYBE_MOMENT = {"type": ["string", "null"], "format": "date-time", "description": "RFC 3339，北京时间"}
SECTOR = {"type": "string", "enum": list(SECTORS)}
DISTRICT = {"type": "string", "enum": list(DISTRICTS)}


def obj(properties: dict, description: str = "") -> dict:
    """An object schema whose every property is always present (null where the value is missing)."""
    schema = {"type": "object", "required": list(properties), "properties": properties}
    if description:
        schema["description"] = description
    return schema


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def moment(value: datetime | None) -> str | None:
    local = clock.to_local(value)
    return local.isoformat(timespec="seconds") if local else None


# --- batches --------------------------------------------------------------------------------------

BATCH = obj({
    "id": INTEGER, "title": STRING, "department": STRING, "summary_html": HTML, "published_at": MOMENT,
    "scenario_count": {"type": "integer", "minimum": 0, "description": "批次中已公开的场景数"}, "url": URL,
}, "已发布的清单批次")


def batch(row, scenario_count: int) -> dict:
    return {"id": row.id, "title": row.title, "department": row.department.name, "summary_html": row.summary_html,
            "published_at": moment(row.published_at), "scenario_count": scenario_count,
            "url": url_for("scenarios.show_batch", batch_id=row.id, _external=True)}


# --- scenarios ------------------------------------------------------------------------------------

BATCH_REF = obj({"id": INTEGER, "title": STRING})
# A public scenario is never a draft; "decided" shows before its 公示 starts (without the winners).
PUBLIC_STATUSES = [s.value for s in ScenarioState if s != ScenarioState.DRAFT]
SCENARIO_SUMMARY = obj({
    "id": INTEGER, "title": STRING, "batch": BATCH_REF, "department": STRING,
    "sector": SECTOR, "sector_label": STRING, "district": DISTRICT,
    "status": {"type": "string", "enum": PUBLIC_STATUSES}, "status_label": STRING,
    "budget": {"type": ["number", "null"], "minimum": 0, "description": "预算（万元）；null 表示面议"},
    "deadline": MAYBE_MOMENT, "published_at": MOMENT, "url": URL,
}, "公开的应用场景")
RESULT_OF_SCENARIO = {
    "oneOf": [{"type": "null"}, obj({
        "status": {"type": "string", "enum": ["announced", "final"]},
        "winners": {"type": "array", "items": STRING, "description": "揭榜单位"},
        "announcement_starts_at": MOMENT, "announcement_ends_at": MOMENT, "announcement_url": URL,
    })],
    "description": "公示开始后的揭榜结果；此前为 null",
}
# 答疑: the published answers only, and never who asked (no field names the asking enterprise).
CLARIFICATION = obj({
    "id": INTEGER, "question": TEXT, "answer": TEXT, "answered_at": MOMENT,
    "url": {"type": "string", "format": "uri", "description": "场景页面上这条答疑的地址"},
}, "公开的答疑：问题（发布单位可能改写以免透露提问单位）与答复；提问单位不公开")
OPENING_RECORD = {
    "oneOf": [{"type": "null"}, obj({
        "opened_at": MOMENT,
        "count": {"type": "integer", "minimum": 0, "description": "截止时按时提交的揭榜方案份数"},
        "bidders": {"type": ["array", "null"], "items": STRING,
                    "description": "揭榜单位名称（按名称排序）；场景未约定公布、或匿名评审定榜前为 null"},
    })],
    "description": "开标记录：揭榜截止后公开；截止前（及截止前撤销的场景）为 null",
}
SCENARIO = {"allOf": [ref("ScenarioSummary"), obj({
    "description_html": HTML, "description": TEXT, "requirements_html": HTML, "requirements": TEXT,
    "contact": obj({"name": STRING, "phone": STRING, "email": {"type": ["string", "null"]}},
                   "联系人，按《个人信息保护法》部分隐藏：张*明、138****1234、z***@example.com"),
    "cancel_reason": {"type": ["string", "null"]}, "cancelled_at": MAYBE_MOMENT,
    "result": RESULT_OF_SCENARIO,
    "question_deadline": {**MAYBE_MOMENT, "description": "提问截止时间（RFC 3339，北京时间）"},
    "clarifications": {"type": "array", "items": ref("Clarification"), "description": "答疑，按答复时间排序"},
    "opening_record": OPENING_RECORD,
    "attachments": {"type": "array", "items": ref("ScenarioAttachment"), "description": "场景附件（现行）"},
    "amendments": {"type": "array", "items": ref("Amendment"), "description": "变更公告，按编号先后"},
    "deadline_history": {"type": "array", "items": obj({"deadline": MOMENT, "since": MOMENT,
                                                        "amendment": {"type": ["integer", "null"]}}),
                         "description": "揭榜截止时间的变化：发布时的截止时间（amendment 为 null）"
                                        "及每次变更后的截止时间"},
})], "description": "应用场景详情（与场景页面公开的内容相同）"}
FILE_REF = obj({"id": INTEGER, "name": STRING, "url": URL})
SCENARIO_ATTACHMENT = obj({"id": INTEGER, "name": STRING, "size": INTEGER, "mimetype": STRING,
                           "sha256": STRING, "url": URL}, "场景附件（需求说明书、图纸等）")
AMENDMENT = obj({
    "number": INTEGER, "published_at": MOMENT, "reason": TEXT,
    "requirements_changed": {"type": "boolean", "description": "技术要求或附件有变更：此前提交的方案须确认"},
    "deadline_before": MOMENT, "deadline_after": MOMENT,
    "changes": obj({
        "requirements": {"oneOf": [{"type": "null"}, obj({"old_html": HTML, "new_html": HTML, "old": TEXT,
                                                          "new": TEXT})]},
        "budget": {"oneOf": [{"type": "null"}, obj({"old": {"type": ["number", "null"]},
                                                    "new": {"type": ["number", "null"]}})],
                   "description": "预算（万元）；null 表示面议"},
        "deadline": {"oneOf": [{"type": "null"}, obj({"old": MOMENT, "new": MOMENT})]},
        "attachments": {"oneOf": [{"type": "null"}, obj({"added": {"type": "array", "items": FILE_REF},
                                                         "removed": {"type": "array", "items": FILE_REF}})]},
    }, "变更的字段；未变更的为 null"),
}, "变更公告")


def _file_url(scenario_id: int, file_id: int) -> str:
    return url_for("amendments.download_file", scenario_id=scenario_id, attachment_id=file_id, _external=True)


def scenario_attachment(row) -> dict:
    return {"id": row.id, "name": row.display_name, "size": row.size, "mimetype": row.mimetype, "sha256": row.sha256,
            "url": _file_url(row.scenario_id, row.id)}


def _amount(value) -> float | None:
    return None if value is None else float(value)


def amendment(row) -> dict:
    changes = row.changes or {}
    requirements = changes.get("requirements")
    budget = changes.get("budget")
    deadline = changes.get("deadline")
    files = changes.get("attachments")
    return {
        "number": row.number, "published_at": moment(row.created_at), "reason": row.reason,
        "requirements_changed": row.requirements_changed,
        "deadline_before": moment(row.deadline_before), "deadline_after": moment(row.deadline_after),
        "changes": {
            "requirements": None if requirements is None else {
                "old_html": requirements["old"], "new_html": requirements["new"],
                "old": html_to_text(requirements["old"]), "new": html_to_text(requirements["new"])},
            "budget": None if budget is None else {"old": _amount(budget["old"]), "new": _amount(budget["new"])},
            "deadline": None if deadline is None else {
                "old": moment(datetime.fromisoformat(deadline["old"])),
                "new": moment(datetime.fromisoformat(deadline["new"]))},
            "attachments": None if files is None else {
                key: [{"id": f["id"], "name": f["name"], "url": _file_url(row.scenario_id, f["id"])}
                      for f in files[key]] for key in ("added", "removed")},
        },
    }


def deadline_history(row, amendments) -> list[dict]:
    """The deadline as published, then after each amendment that moved it."""
    first = amendments[0].deadline_before if amendments else row.deadline
    history = [{"deadline": moment(first), "since": moment(row.published_at), "amendment": None}]
    for a in amendments:
        if a.deadline_moved:
            history.append({"deadline": moment(a.deadline_after), "since": moment(a.created_at), "amendment": a.number})
    return history


def scenario_summary(row) -> dict:
    status = row.status
    return {"id": row.id, "title": row.title, "batch": {"id": row.batch.id, "title": row.batch.title},
            "department": row.department.name, "sector": row.sector, "sector_label": row.sector_label,
            "district": row.district, "status": status.value, "status_label": str(status.label),
            "budget": float(row.budget) if row.budget is not None else None, "deadline": moment(row.deadline),
            "published_at": moment(row.published_at),
            "url": url_for("scenarios.show_scenario", scenario_id=row.id, _external=True)}


def scenario(row, decision, *, question_deadline=None, clarifications=(), opening=None, amendments=(),
             attachments=()) -> dict:
    """The scenario page as data; `decision` only when its 公示 has started (public), else None; `opening` only
    once the deadline has unsealed the bids."""
    result = None
    if decision is not None:
        result = {"status": row.status.value, "winners": [p.bidder_names for p in decision.winners],
                  "announcement_starts_at": moment(decision.starts_at),
                  "announcement_ends_at": moment(decision.ends_at),
                  "announcement_url": url_for("announcements.show_announcement", scenario_id=row.id, _external=True)}
    return {**scenario_summary(row),
            "description_html": row.description_html, "description": html_to_text(row.description_html),
            "requirements_html": row.requirements_html, "requirements": html_to_text(row.requirements_html),
            # Open data: the contact is always masked (个人信息保护法; portal/util/masking.py).
            "contact": masking.contact(row.contact_name, row.contact_phone, row.contact_email, full=False),
            "cancel_reason": row.cancel_reason, "cancelled_at": moment(row.cancelled_at), "result": result,
            "question_deadline": moment(question_deadline),
            "clarifications": [clarification(q) for q in clarifications],
            "opening_record": None if opening is None else {
                "opened_at": moment(opening.opened_at), "count": opening.count, "bidders": opening.bidders},
            "attachments": [scenario_attachment(a) for a in attachments],
            "amendments": [amendment(a) for a in amendments],
            "deadline_history": deadline_history(row, list(amendments))}


def clarification(question) -> dict:
    """A published answer: the question as published and the answer (the asker is nowhere in it)."""
    return {"id": question.id, "question": question.public_text, "answer": question.answer,
            "answered_at": moment(question.answered_at),
            "url": url_for("scenarios.show_scenario", scenario_id=question.scenario_id, _external=True,
                           _anchor=f"clarification-{question.id}")}


# --- final results (揭榜成功) -----------------------------------------------------------------------

RESULT = obj({
    "scenario": obj({"id": INTEGER, "title": STRING, "url": URL}), "batch": BATCH_REF, "department": STRING,
    "sector": SECTOR, "district": DISTRICT, "winners": {"type": "array", "items": STRING},
    "announcement_starts_at": MOMENT, "announcement_ends_at": MOMENT, "announcement_url": URL,
}, "揭榜成功的结果：公示期满且异议均已答复")


def result(row, decision) -> dict:
    return {"scenario": {"id": row.id, "title": row.title,
                         "url": url_for("scenarios.show_scenario", scenario_id=row.id, _external=True)},
            "batch": {"id": row.batch.id, "title": row.batch.title}, "department": row.department.name,
            "sector": row.sector, "district": row.district,
            "winners": [p.bidder_names for p in decision.winners],
            "announcement_starts_at": moment(decision.starts_at), "announcement_ends_at": moment(decision.ends_at),
            "announcement_url": url_for("announcements.show_announcement", scenario_id=row.id, _external=True)}


# --- products -------------------------------------------------------------------------------------

PRODUCT_TYPE = {"type": "string", "enum": [t.value for t in ProductType]}
LEVEL = {"type": "string", "enum": [lv.value for lv in Level]}
VALID_UNTIL = {"type": "string", "format": "date",
               "description": "有效期至（含当日）：认定年度年末起算的有效年限，默认 3 年，按清单设定"}
EXPIRED = {"type": "boolean", "description": "为 true 时已过有效期，不再作为首台（套）推荐"}
PRODUCT_HIT = obj({
    "id": INTEGER, "name": STRING, "model": STRING, "company": STRING, "type": PRODUCT_TYPE, "sector": SECTOR,
    "level": LEVEL, "year": INTEGER, "valid_until": VALID_UNTIL, "expired": EXPIRED,
    "highlight": {"type": "string", "description": "HTML：名称与描述摘要，命中的词以 <mark> 标出"},
}, "产品库检索结果中的一项")
PRODUCT = obj({
    "id": INTEGER, "name": STRING, "model": STRING,
    "company": obj({"id": INTEGER, "name": STRING, "url": URL}),
    "type": PRODUCT_TYPE, "type_label": STRING, "sector": SECTOR, "sector_label": STRING,
    "level": LEVEL, "level_label": STRING, "year": INTEGER, "batch": STRING, "valid_until": VALID_UNTIL,
    "expired": EXPIRED,
    "district": {"type": ["string", "null"], "enum": [*DISTRICTS, None]},
    "specs": TEXT, "description": TEXT, "cases": TEXT,
    "image_url": {"type": ["string", "null"], "format": "uri"},
    "brochure_url": {"type": ["string", "null"], "format": "uri"}, "url": URL,
}, "首台（套）/首版次产品（已入库）")


def product_hit(row, highlight: str) -> dict:
    return {"id": row.id, "name": row.name, "model": row.model, "company": row.organization.name,
            "type": row.product_type.value, "sector": row.sector, "level": row.level.value, "year": row.year,
            "valid_until": row.valid_until.isoformat(), "expired": row.is_expired, "highlight": highlight}


def plain_highlight(row) -> str:
    """Without a query nothing is marked: the name alone, escaped like a real highlight."""
    return str(escape(row.name))


def product(row) -> dict:
    return {"id": row.id, "name": row.name, "model": row.model,
            "company": {"id": row.organization.id, "name": row.organization.name,
                        "url": url_for("catalogue.show_enterprise", org_id=row.organization_id, _external=True)},
            "type": row.product_type.value, "type_label": str(row.product_type.label), "sector": row.sector,
            "sector_label": row.sector_label, "level": row.level.value, "level_label": str(row.level.label),
            "year": row.year, "batch": row.batch, "valid_until": row.valid_until.isoformat(),
            "expired": row.is_expired, "district": row.district, "specs": row.specs,
            "description": row.description, "cases": row.cases,
            "image_url": url_for("catalogue.product_image", product_id=row.id, _external=True)
            if row.image_stored_name else None,
            "brochure_url": url_for("catalogue.product_brochure", product_id=row.id, _external=True)
            if row.brochure_stored_name else None,
            "url": url_for("catalogue.show_product", product_id=row.id, _external=True)}


# --- pages and errors -----------------------------------------------------------------------------

def page_of(item: dict, description: str) -> dict:
    return obj({
        "total": {"type": "integer", "minimum": 0, "description": "符合条件的总数（total_exact 为 false 时为下限）"},
        "total_exact": {"type": "boolean"},
        "page": {"type": "integer", "minimum": 1}, "per_page": {"type": "integer", "minimum": 1},
        "items": {"type": "array", "items": item},
    }, description)


SEARCH_PAGE = page_of(ref("ProductHit"), "产品库检索结果")
SEARCH_PAGE["properties"].update({
    "partial": {"type": "boolean", "description": "为 true 时没有同时包含全部词语的产品，items 为部分匹配"
                                                  "（按所含词语的多少与罕见程度排序）；不给 q 时为 false"},
    "expansions": {"type": "array", "description": "检索时使用了的扩展词（同义词、上位词、缩写、译名）",
                   "items": obj({"word": {"type": "string"}, "expansions": {"type": "array",
                                                                            "items": {"type": "string"}}})},
    "from_database": {"type": "boolean", "description": "为 true 时搜索索引正在准备中，items 为数据库中的简单匹配"
                                                        "（包含每个词的产品按认定年份倒序，"
                                                        "不按相关度排序，不使用扩展词）；不给 q 时为 false"},
})
SEARCH_PAGE["required"] += ["partial", "expansions", "from_database"]


def search_page(shown: Page, items: list[dict], found=None) -> dict:
    """A page of search results as JSON: the page, whether it holds partial matches, the expansions used, whether
    the database answered (no index yet) — told by `found`, the search's results, when the page was cut from
    them."""
    found = found if found is not None else shown
    return {**page(shown, items), "partial": bool(getattr(found, "partial", False)),
            "expansions": [{"word": word, "expansions": list(words)}
                           for word, words in getattr(found, "expansions", [])],
            "from_database": bool(getattr(found, "from_database", False))}


def page(shown: Page, items: list[dict]) -> dict:
    """A page of the list as JSON: `items` are the page's rows as serialized."""
    return {"total": shown.total, "total_exact": shown.exact, "page": shown.page, "per_page": shown.per_page,
            "items": items}


ERROR = obj({"error": {"type": "object", "required": ["code", "message"], "properties": {
    "code": {"type": "string", "description": "invalid_parameter、unknown_parameter、duplicate_parameter、"
                                              "not_found、method_not_allowed …"},
    "message": {"type": "string", "description": "原因（中文）"},
    "parameter": {"type": "string", "description": "出错的参数名"},
}}}, "错误")

SCHEMAS = {
    "Batch": BATCH, "BatchPage": page_of(ref("Batch"), "清单批次列表"),
    "ScenarioSummary": SCENARIO_SUMMARY, "Scenario": SCENARIO,
    "ScenarioPage": page_of(ref("ScenarioSummary"), "应用场景列表"), "Clarification": CLARIFICATION,
    "Amendment": AMENDMENT, "ScenarioAttachment": SCENARIO_ATTACHMENT,
    "Result": RESULT, "ResultPage": page_of(ref("Result"), "揭榜成功名单"),
    "ProductHit": PRODUCT_HIT, "Product": PRODUCT, "ProductPage": SEARCH_PAGE,
    "Error": ERROR,
}
