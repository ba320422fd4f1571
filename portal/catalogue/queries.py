"""Read-side queries of the catalogue pages; lists load in a fixed number of queries."""

from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.catalogue.models import Level, Product, ProductState, ProductType
from portal.extensions import db
from portal.util import clock
from portal.web.paging import Page

VALIDITY_CHOICES = ("current", "expired")
COLUMNS = {"type": Product.product_type, "sector": Product.sector, "category": Product.category,
           "level": Product.level, "year": Product.year, "district": Product.district}


def _typed(filters: dict) -> dict:
    """The facet filters as the values their columns hold."""
    typed = {}
    for name, value in filters.items():
        if name not in COLUMNS:
            continue
        if name == "type":
            value = ProductType(value)
        elif name == "level":
            value = Level(value)
        elif name == "year":
            value = int(value)
        typed[name] = value
    return typed


def validity_clause(choice: str):
    """Products still within their validity today ("current"), or past it ("expired"), by the portal's clock."""
    today = clock.local_today()
    return Product.valid_until < today if choice == "expired" else Product.valid_until >= today


def _where(stmt, filters: dict):
    for name, value in _typed(filters).items():
        stmt = stmt.where(COLUMNS[name] == value)
    if filters.get("validity") in VALIDITY_CHOICES:
        stmt = stmt.where(validity_clause(filters["validity"]))
    return stmt


def public_products_query(filters: dict | None = None, sort: str = "year"):
    return _ordered(select(Product).where(Product.state == ProductState.APPROVED), filters, sort)


def _ordered(stmt, filters: dict | None, sort: str):
    stmt = _where(stmt, filters or {})
    if sort == "name":
        return stmt.order_by(Product.name, Product.id)
    return stmt.order_by(Product.year.desc(), Product.approved_at.desc(), Product.id.desc())


def paginate_public(filters: dict, page: int, per_page: int, sort: str = "year"):
    ids = _ordered(select(Product.id).where(Product.state == ProductState.APPROVED), filters, sort)
    return Page.of_ids(ids, approved_in_order, page, per_page)


def facet_counts(filters: dict) -> dict[str, dict[str, int]]:
    """For each facet, how many approved products each value has under the other chosen filters."""
    counts = {}
    for name, column in COLUMNS.items():
        others = {k: v for k, v in filters.items() if k != name}
        stmt = _where(select(column, func.count()).where(Product.state == ProductState.APPROVED), others)
        rows = db.session.execute(stmt.group_by(column)).all()
        counts[name] = {(v.value if hasattr(v, "value") else str(v)): n for v, n in rows if v is not None}
    others = {k: v for k, v in filters.items() if k != "validity"}
    expired = validity_clause("expired")
    stmt = _where(select(expired, func.count()).where(Product.state == ProductState.APPROVED), others)
    rows = dict(db.session.execute(stmt.group_by(expired)).all())
    counts["validity"] = {"current": rows.get(False, 0), "expired": rows.get(True, 0)}
    return counts


def public_years() -> list[int]:
    return list(db.session.scalars(select(Product.year).where(Product.state == ProductState.APPROVED)
                                   .distinct().order_by(Product.year.desc())))


def approved_in_order(ids: list[int]) -> list[Product]:
    """The approved products among `ids`, in the order given (a search's rank order)."""
    if not ids:
        return []
    rows = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(ids), Product.state == ProductState.APPROVED))}
    return [rows[i] for i in ids if i in rows]


def with_validity(ids: list[int], choice: str) -> list[int]:
    """Those of `ids` (in their order) whose validity is `choice` ("current" or "expired") today."""
    if not ids:
        return []
    keep = set(db.session.scalars(select(Product.id).where(Product.id.in_(ids), validity_clause(choice))))
    return [i for i in ids if i in keep]


def enterprise_products(organization_id: int):
    return db.session.scalars(select(Product).where(Product.organization_id == organization_id,
                                                    Product.state == ProductState.APPROVED)
                              .order_by(Product.year.desc(), Product.id.desc())).all()


def own_products(organization_id: int):
    return db.session.scalars(select(Product).where(Product.organization_id == organization_id)
                              .order_by(Product.created_at.desc(), Product.id.desc())).all()


def review_queue(state: str | None, page: int, per_page: int):
    stmt = select(Product)
    if state in {s.value for s in ProductState}:
        stmt = stmt.where(Product.state == ProductState(state))
    return Page.of_select(stmt.order_by(Product.created_at.desc(), Product.id.desc()), page, per_page)


def state_counts() -> dict[str, int]:
    rows = db.session.execute(select(Product.state, func.count()).group_by(Product.state)).all()
    return {state.value: n for state, n in rows}


def public_scenarios_by_ids(ids: list[int]) -> dict:
    """Public scenarios among `ids` by id (search results and matchmaking), as the scenario pages define public."""
    from portal.scenarios.models import Scenario
    from portal.scenarios.queries import public_scenarios_query

    if not ids:
        return {}
    stmt = public_scenarios_query().where(Scenario.id.in_(ids))
    return {s.id: s for s in db.session.scalars(stmt).unique()}


def related_products(scenario, limit: int = 5) -> list[tuple[Product, list[str]]]:
    """Approved products related to a scenario's text, with the key terms that matched."""
    from portal import search
    from portal.util.text import html_to_text

    text = "\n".join((scenario.title, scenario.title, html_to_text(scenario.description_html),
                      html_to_text(scenario.requirements_html)))
    # Expired recognitions are not offered as 首台（套）: they are left out, so more are asked for than shown.
    found = search.related("product", text, limit * 2)
    products = {p.id: p for p in approved_in_order([pid for pid, _why in found]) if not p.is_expired}
    return [(products[pid], why) for pid, why in found if pid in products][:limit]


def related_scenarios(product, limit: int = 5) -> list:
    """Scenarios open for proposals that the product could serve, with the key terms that matched."""
    from portal import search

    text = "\n".join((product.name, product.name, product.description, product.specs, product.cases))
    scenarios: dict = {}

    def all_still_open(found) -> bool:
        # The scenarios are read here once: the page needs them anyway.
        scenarios.update(public_scenarios_by_ids([sid for sid, _why in found]))
        return all(sid in scenarios and scenarios[sid].is_open for sid, _why in found)

    found = search.related("scenario", text, limit, {"open": True}, keep_while=all_still_open)
    missing = [sid for sid, _why in found if sid not in scenarios]  # an answer computed afresh
    if missing:
        scenarios.update(public_scenarios_by_ids(missing))
    return [(scenarios[sid], why) for sid, why in found if sid in scenarios and scenarios[sid].is_open]


def printable_catalogue(sector: str | None = None) -> list:
    """Approved products within their 首台（套）validity for the printed 推广目录 (what a buyer may still use as
    首台（套）): the columns it shows, newest first (the document groups them)."""
    stmt = (select(Product.sector, Product.category, Product.name, Product.model, Product.level, Product.year,
                   Organization.name.label("enterprise"))
            .join(Organization, Product.organization_id == Organization.id)
            .where(Product.state == ProductState.APPROVED, validity_clause("current")))
    if sector is not None:
        stmt = stmt.where(Product.sector == sector)
    return db.session.execute(stmt.order_by(Product.year.desc(), Product.name, Product.id)).all()
