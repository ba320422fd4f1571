"""The search page (products and scenarios); the same search as JSON is in portal.api."""

from flask import current_app, render_template, request
from flask_babel import gettext as _

from portal import search
from portal.catalogue import queries as catalogue_queries
from portal.catalogue import search_bp as bp
from portal.catalogue.models import LEVEL_LABELS, TYPE_LABELS
from portal.catalogue.search_documents import FILTERS as PRODUCT_FILTERS
from portal.catalogue.search_documents import PRODUCT
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.search_documents import SCENARIO
from portal.web.paging import MAX_SEARCH_PAGE, page_arg

SCENARIO_FILTERS = ("sector", "district")
PRODUCT_CHOICES = {
    "type": {t.value for t in TYPE_LABELS},
    "sector": set(SECTORS),
    "level": {lv.value for lv in LEVEL_LABELS},
    "district": set(DISTRICTS),
}


def _valid_filters(kind: str) -> dict:
    """Filters with a known value; others are ignored on the page (the API refuses them)."""
    names = PRODUCT_FILTERS if kind == PRODUCT else SCENARIO_FILTERS
    chosen = {}
    for name in names:
        value = request.args.get(name, "").strip()
        if not value:
            continue
        if name == "year":
            # ASCII and short: "２０２５" and "²" are digits to str.isdigit(), and int() refuses huge strings.
            if len(value) == 4 and value.isascii() and value.isdigit() and 1900 <= int(value) <= 2100:
                chosen[name] = int(value)
        elif value in PRODUCT_CHOICES[name]:
            chosen[name] = value
    return chosen


@bp.get("/search")
def search_page():
    kind = SCENARIO if request.args.get("tab") == "scenarios" else PRODUCT
    q = request.args.get("q", "")[:1000]
    sort = "year" if request.args.get("sort") == "year" else "relevance"
    page = page_arg(MAX_SEARCH_PAGE)
    filters = _valid_filters(kind)
    if kind == SCENARIO and request.args.get("open"):
        filters["open"] = True
    results = search.query(kind, q, filters, page, current_app.config["PAGE_SIZE"], sort) if q.strip() else None
    items = []
    if results is not None:
        if kind == PRODUCT:
            rows = {p.id: p for p in catalogue_queries.approved_in_order([h.id for h in results.items])}
        else:
            rows = catalogue_queries.public_scenarios_by_ids([h.id for h in results.items])
        items = [(rows[h.id], h) for h in results.items if h.id in rows]
    return render_template("search/search.html", kind=kind, q=q, sort=sort, filters=filters, results=results,
                           items=items, years=catalogue_queries.public_years(),
                           suggestions=_suggestions() if results is not None and not results.total else [])


def _suggestions() -> list[str]:
    return [_("红外热像仪"), _("缺陷检测"), _("激光雷达"), _("机器人"), _("医学影像"), _("芯片")]
