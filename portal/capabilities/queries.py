"""Read-side queries of the capability pages, feed and API; only approved capabilities are ever public."""

from sqlalchemy import exists, func, select

from portal.capabilities.models import Capability, CapabilityDistrict, CapabilityState, Maturity, ScenarioInvitation
from portal.catalogue.models import Product, ProductState
from portal.extensions import db
from portal.web.paging import Page

FILTERS = ("sector", "field", "maturity", "district")


def _where(stmt, filters: dict):
    for name, value in (filters or {}).items():
        if name == "district":
            stmt = stmt.where(exists(select(CapabilityDistrict.capability_id).where(
                CapabilityDistrict.capability_id == Capability.id, CapabilityDistrict.district == value)))
        elif name == "maturity":
            stmt = stmt.where(Capability.maturity == Maturity(value))
        elif name in ("sector", "field"):
            stmt = stmt.where(getattr(Capability, name) == value)
    return stmt


def public_ids_query(filters: dict | None = None):
    """The approved capabilities' ids under `filters`, newest approval first."""
    stmt = select(Capability.id).where(Capability.state == CapabilityState.APPROVED)
    return _where(stmt, filters or {}).order_by(Capability.approved_at.desc(), Capability.id.desc())


def paginate_public(filters: dict, page: int, per_page: int) -> Page:
    return Page.of_ids(public_ids_query(filters), approved_in_order, page, per_page)


def search_public(q: str, filters: dict, page: int, per_page: int) -> Page:
    """Ranked by search (the same engine and thesaurus as the catalogue); the database applies the district."""
    from portal import search
    from portal.capabilities.search_documents import CAPABILITY
    from portal.capabilities.search_documents import FILTERS as INDEXED

    found = search.query(CAPABILITY, q, {k: v for k, v in filters.items() if k in INDEXED}, 1, search.COUNT_CAP)
    ranked = [hit.id for hit in found.items]
    matching = set(db.session.scalars(public_ids_query(filters).where(Capability.id.in_(ranked)))) if ranked else set()
    ids = [i for i in ranked if i in matching]
    result = Page.of_sequence(ids, page, per_page, load=approved_in_order, exact=found.exact)
    result.from_database = getattr(found, "from_database", False)
    return result


def approved_in_order(ids: list[int]) -> list[Capability]:
    """The approved capabilities among `ids`, in the order given."""
    if not ids:
        return []
    rows = {c.id: c for c in db.session.scalars(
        select(Capability).where(Capability.id.in_(ids), Capability.state == CapabilityState.APPROVED))}
    return [rows[i] for i in ids if i in rows]


def feed_capabilities(limit: int = 50) -> list[Capability]:
    return approved_in_order(list(db.session.scalars(public_ids_query().limit(limit))))


def own_capabilities(organization_id: int) -> list[Capability]:
    return list(db.session.scalars(select(Capability).where(Capability.organization_id == organization_id)
                                   .order_by(Capability.created_at.desc(), Capability.id.desc())))


def own_products(organization_id: int) -> list[Product]:
    """The enterprise's catalogue products a capability may name (any state: its own applications too)."""
    return list(db.session.scalars(select(Product).where(Product.organization_id == organization_id)
                                   .order_by(Product.name, Product.id)))


def public_products(capability) -> list[Product]:
    """The linked products the public may open: approved ones only."""
    return [p for p in capability.products if p.state == ProductState.APPROVED]


def review_queue(state: str | None, page: int, per_page: int) -> Page:
    """What reviewers see: everything sent to them (never a draft), by default what waits."""
    stmt = select(Capability).where(Capability.state != CapabilityState.DRAFT)
    if state in {s.value for s in CapabilityState} and state != CapabilityState.DRAFT:
        stmt = stmt.where(Capability.state == CapabilityState(state))
    return Page.of_select(stmt.order_by(Capability.submitted_at.desc(), Capability.id.desc()), page, per_page)


def state_counts() -> dict[str, int]:
    rows = db.session.execute(select(Capability.state, func.count()).where(Capability.state != CapabilityState.DRAFT)
                              .group_by(Capability.state)).all()
    return {state.value: n for state, n in rows}


def invitations_of(organization_id: int) -> list[ScenarioInvitation]:
    """邀请揭榜 an enterprise received, newest first."""
    stmt = select(ScenarioInvitation).where(ScenarioInvitation.organization_id == organization_id)
    return list(db.session.scalars(stmt.order_by(ScenarioInvitation.created_at.desc(), ScenarioInvitation.id.desc())))


def invited_organizations(scenario_id: int) -> set[int]:
    """The enterprises already invited to bid on a scenario."""
    return set(db.session.scalars(select(ScenarioInvitation.organization_id)
                                  .where(ScenarioInvitation.scenario_id == scenario_id)))


def invitations_sent(department_id: int) -> int:
    """How many 邀请揭榜 a department sent, over all its scenarios."""
    from portal.scenarios.models import Scenario

    return db.session.scalar(select(func.count()).select_from(ScenarioInvitation).join(Scenario)
                             .where(Scenario.department_id == department_id)) or 0
