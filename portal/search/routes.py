"""The search page (products and scenarios) and the products search API."""

from flask import current_app, jsonify, render_template, request
from flask_babel import gettext as _

from portal import search
from portal.catalogue import queries as catalogue_queries
from portal.catalogue.models import LEVEL_LABELS, TYPE_LABELS
from portal.reference import DISTRICTS, SECTORS
from portal.search import bp

MAX_PAGE = 500  # past this a person refines the query; it also bounds the work of one request
MAX_PER_PAGE = 100
PRODUCT_CHOICES = {
    "type": {t.value for t in TYPE_LABELS},
    "sector": set(SECTORS),
    "level": {lv.value for lv in LEVEL_LABELS},
    "district": set(DISTRICTS),
}


def _valid_filters(kind: str) -> dict:
    """Filters with a known value; others are ignored on the page (the API refuses them)."""
    names = search.PRODUCT_FILTERS if kind == search.PRODUCT else search.SCENARIO_FILTERS
    chosen = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if not value:
            continue
        if name == "year":
            if value.isdigit() and 1900 <= int(value) <= 2100:
                chosen[name] = int(value)
        elif value in PRODUCT_CHOICES[name]:
            chosen[name] = value
    return chosen


@bp.get("/search")
def search_page():
    kind = search.SCENARIO if request.args.get("tab") == "scenarios" else search.PRODUCT
    q = request.args.get("q", "")[:1000]
    sort = "year" if request.args.get("sort") == "year" else "relevance"
    page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    filters = _valid_filters(kind)
    if kind == search.SCENARIO and request.args.get("open"):
        filters["open"] = True
    results = search.query(kind, q, filters, page, current_app.config["PAGE_SIZE"], sort) if q.strip() else None
    items = []
    if results is not None:
        if kind == search.PRODUCT:
            rows = {p.id: p for p in catalogue_queries.approved_in_order([h.id for h in results.items])}
        else:
            rows = catalogue_queries.public_scenarios_by_ids([h.id for h in results.items])
        items = [(rows[h.id], h) for h in results.items if h.id in rows]
    return render_template("search/search.html", kind=kind, q=q, sort=sort, filters=filters, results=results,
                           items=items, years=catalogue_queries.public_years(),
                           suggestions=_suggestions() if results is not None and not results.total else [])


def _suggestions() -> list[str]:
    return [_("红外热像仪"), _("缺陷检测"), _("激光雷达"), _("机器人"), _("医学影像"), _("芯片")]


@bp.get("/api/v1/products")
def api_products():
    args = request.args
    errors = {}
    page = _int_arg("page", 1, 1, MAX_PAGE, errors)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE, errors)
    filters = {}
    for name in search.PRODUCT_FILTERS:
        value = args.get(name)
        if value is None or value == "":
            continue
        if name == "year":
            if not value.isdigit() or not 1900 <= int(value) <= 2100:
                errors[name] = _("应为四位年份。")
            else:
                filters[name] = int(value)
        elif value not in PRODUCT_CHOICES[name]:
            errors[name] = _("可选值：%(values)s", values=", ".join(sorted(PRODUCT_CHOICES[name])))
        else:
            filters[name] = value
    sort = args.get("sort", "relevance")
    if sort not in search.SORTS:
        errors["sort"] = _("可选值：relevance, year")
    q = args.get("q", "")
    if len(q) > 1000:
        errors["q"] = _("查询过长（最多 1000 个字符）。")
    if errors:
        return jsonify({"error": _("参数有误。"), "parameters": errors}), 400
    results = search.query(search.PRODUCT, q, filters, page, per_page, sort)
    products = {p.id: p for p in catalogue_queries.approved_in_order([h.id for h in results.items])}
    items = []
    for hit in results.items:
        product = products.get(hit.id)
        if product is None:
            continue
        items.append({"id": product.id, "name": product.name, "model": product.model,
                      "company": product.organization.name, "type": product.product_type.value,
                      "sector": product.sector, "level": product.level.value, "year": product.year,
                      "highlight": str(results.highlight(product.name)) + " — " + str(
                          results.snippet(product.description, 80))})
    # total_exact is false when more than search.COUNT_CAP products match: total is then a lower bound.
    return jsonify({"total": results.total, "total_exact": results.exact, "page": page, "per_page": per_page,
                    "items": items})


def _int_arg(name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = _("应为 %(low)d 到 %(high)d 之间的整数。", low=low, high=high)
        return default
    return int(raw)
