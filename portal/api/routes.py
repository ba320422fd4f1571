"""Read-only JSON of the public pages: batches, scenarios, final results (揭榜成功) and the product catalogue.

Objects are loaded as an anonymous visitor would see them (`user=None`), whoever is signed in.
"""

from flask import current_app, jsonify, url_for
from werkzeug.exceptions import HTTPException

from portal import search
from portal.amendments import queries as amendment_queries
from portal.announcements import queries as announcement_queries
from portal.api import bp, capability_routes, errors, params, serializers  # noqa: F401 -- /capabilities
from portal.api.openapi import document, operation
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.search_documents import FILTERS as PRODUCT_FILTERS
from portal.catalogue.search_documents import PRODUCT
from portal.clarifications import queries as clarification_queries
from portal.clarifications.opening import opening_record
from portal.extensions import db
from portal.permissions import can_view_announcement, load_product_or_404, load_scenario_or_404
from portal.scenarios import queries as scenario_queries
from portal.scenarios.models import Scenario
from portal.scenarios.search_documents import SCENARIO
from portal.web.paging import Page

ANONYMOUS = None


def _chosen(args: dict, names: tuple[str, ...]) -> dict:
    return {name: args[name] for name in names if args[name] is not None}


@operation("/batches", summary="清单批次", schema="BatchPage", parameters=params.BATCH_LIST,
           description="已发布的清单批次，最新的在前，附各批次已公开的场景数。")
def list_batches(args):
    page = Page.of_select(scenario_queries.published_batches_query(), args["page"], args["per_page"])
    counts = scenario_queries.batch_counts([b.id for b in page.items])
    return serializers.page(page, [serializers.batch(b, counts.get(b.id, 0)) for b in page.items])


@operation("/scenarios", summary="应用场景", schema="ScenarioPage", parameters=params.SCENARIO_LIST,
           description="公开的应用场景，筛选条件与场景列表页相同；给出 q 时全文检索并按相关度排序。")
def list_scenarios(args):
    filters = _chosen(args, ("sector", "district", "status", "batch"))
    q = (args["q"] or "").strip()
    if not q:
        page = scenario_queries.paginate_public(filters, args["page"], args["per_page"])
        return serializers.page(page, [serializers.scenario_summary(s) for s in page.items])
    # Search ranks; the database applies the filters the index does not hold (status, batch).
    found = search.query(SCENARIO, q, _chosen(args, ("sector", "district")), 1, search.COUNT_CAP)
    ranked = [hit.id for hit in found.items]
    matching = set(db.session.scalars(scenario_queries.public_ids_query(filters).where(Scenario.id.in_(ranked))))
    ids = [i for i in ranked if i in matching]
    page = Page.of_sequence(ids, args["page"], args["per_page"], load=scenario_queries.scenarios_in_order,
                            exact=found.exact)
    return serializers.page(page, [serializers.scenario_summary(s) for s in page.items])


@operation("/scenarios/{scenario_id}", summary="应用场景详情", schema="Scenario",
           parameters=(params.path_id("scenario_id", "场景"),),
           description="与场景页面公开的内容相同：附件、变更公告及截止时间的变化；已公开的答疑（不含提问单位）；"
                       "揭榜截止后附开标记录；公示开始后附揭榜结果。草稿与未发布批次的场景答复 404。")
def show_scenario(args):
    scenario = load_scenario_or_404(args["scenario_id"], ANONYMOUS)
    decision = None
    if scenario.has_result and can_view_announcement(ANONYMOUS, scenario):
        decision = scenario.decision
    return serializers.scenario(scenario, decision, question_deadline=clarification_queries.question_deadline(scenario),
                                clarifications=clarification_queries.public_questions(scenario),
                                opening=opening_record(scenario, ANONYMOUS),
                                amendments=amendment_queries.amendments_of(scenario.id),
                                attachments=amendment_queries.attachments_of(scenario.id))


@operation("/results", summary="揭榜成功名单", schema="ResultPage", parameters=params.RESULT_LIST,
           description="公示期满且异议均已答复的结果，最新批次在前（与 /results 页面相同）。")
def list_results(args):
    stmt = announcement_queries.final_results_query()
    if args["batch"] is not None:
        stmt = stmt.where(Scenario.batch_id == args["batch"])
    if args["sector"] is not None:
        stmt = stmt.where(Scenario.sector == args["sector"])
    if args["district"] is not None:
        stmt = stmt.where(Scenario.district == args["district"])
    page = Page.of_select(stmt, args["page"], args["per_page"], rows=True)
    return serializers.page(page, [serializers.result(scenario, decision) for scenario, decision in page.items])


@operation("/products", summary="首台（套）产品库", schema="ProductPage", parameters=params.PRODUCT_LIST,
           description="已入库的产品。给出 q 时全文检索（中文分词、同义词），按相关度或年份排序，"
                       "highlight 标出命中的词；total 超过 1000 时 total_exact 为 false，total 为下限。"
                       "同时包含全部词语的产品在前，其后为部分匹配；没有同时包含全部词语的产品时 partial 为 true。"
                       "expansions 列出使用了的扩展词（同义词、上位词、缩写、译名，权重低于输入的词）。"
                       "本节点的搜索索引尚在准备时 from_database 为 true，结果为数据库中的简单匹配。"
                       "不给 q 时按认定年份倒序列出。validity 只列有效期内或已过有效期的产品。")
def list_products(args):
    filters = _chosen(args, PRODUCT_FILTERS)
    validity = args["validity"]
    q = (args["q"] or "").strip()
    if not q:
        page = catalogue_queries.paginate_public({**filters, **_chosen(args, ("validity",))}, args["page"],
                                                 args["per_page"])
        return serializers.search_page(page, [serializers.product_hit(p, serializers.plain_highlight(p))
                                              for p in page.items])
    if validity is None:
        results = shown = search.query(PRODUCT, q, filters, args["page"], args["per_page"], args["sort"])
        products = catalogue_queries.approved_in_order([hit.id for hit in results.items])
    else:
        # The index holds no validity (it changes with the date alone): search ranks, the database keeps those
        # of the chosen validity, as the scenario list does with status.
        results = search.query(PRODUCT, q, filters, 1, search.COUNT_CAP, args["sort"])
        ids = catalogue_queries.with_validity([hit.id for hit in results.items], validity)
        shown = Page.of_sequence(ids, args["page"], args["per_page"], load=catalogue_queries.approved_in_order,
                                 exact=results.exact)
        products = shown.items
    items = []
    for product in products:
        highlight = f"{results.highlight(product.name)} — {results.snippet(product.description, 80)}"
        items.append(serializers.product_hit(product, highlight))
    return serializers.search_page(shown, items, found=results)


@operation("/products/{product_id}", summary="产品详情", schema="Product",
           parameters=(params.path_id("product_id", "产品"),),
           description="已入库产品的公开信息；待审核、未通过或已撤销的产品答复 404。")
def show_product(args):
    return serializers.product(load_product_or_404(args["product_id"], ANONYMOUS))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(document(url_for("api.openapi_document").rsplit("/", 1)[0]))


@bp.after_request
def _open_to_every_origin(response):
    # Public, anonymous, read-only data: any web page may read it (no credentials are ever honoured).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.errorhandler(errors.ApiError)
def _refused(error: errors.ApiError):
    return errors.api_error_response(error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return errors.http_error_response(error)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    current_app.logger.exception("Unhandled error in the API")
    db.session.rollback()
    return errors.server_error_response()
