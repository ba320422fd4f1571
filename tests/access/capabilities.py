"""Rows for the 场景能力清单: public pages and feed, an enterprise's own capabilities, review, the API."""

from tests.access import FORBIDDEN, LOGIN, OK, everyone


def verified_enterprise_area(owner=OK):
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": owner}


def reviewers_area():
    """Departments (any of them) and admins review capabilities."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": OK, "other_department": OK, "admin": OK}


ROWS = {
    "capabilities.list_capabilities": ("GET", {}, everyone(OK)),
    "capabilities.show_capability": ("GET", {"capability_id": "approved_capability"}, everyone(OK)),
    "capabilities.feed_atom": ("GET", {}, everyone(OK)),
    "my_capabilities.my_capabilities": ("GET", {}, verified_enterprise_area()),
    "my_capabilities.new_capability": ("GET", {}, verified_enterprise_area()),
    "my_capabilities.edit_capability": ("GET", {"capability_id": "draft_capability"}, verified_enterprise_area()),
    "my_capabilities.submit": ("POST", {"capability_id": "draft_capability"}, verified_enterprise_area()),
    "my_capabilities.withdraw": ("POST", {"capability_id": "submitted_capability"}, verified_enterprise_area()),
    "capability_review.queue": ("GET", {}, reviewers_area()),
    "capability_review.approve": ("POST", {"capability_id": "submitted_capability"}, reviewers_area()),
    "capability_review.return_capability": ("POST", {"capability_id": "submitted_capability"}, reviewers_area()),
    "api.list_capabilities": ("GET", {"q": "缺陷检测"}, everyone(OK)),
    "api.show_capability": ("GET", {"capability_id": "approved_capability"}, everyone(OK)),
}


def capability_fields(**overrides) -> dict:
    fields = {"title": "复杂光照下的工业缺陷视觉检测", "sector": "industrial_vision", "field": "machine_vision",
              "maturity": "small_batch", "summary": "基于深度学习的表面缺陷检测，适用于金属、玻璃与纺织品。",
              "cases": "为某汽车零部件企业部署 12 条产线的缺陷检测。", "districts": ["滨江区", "萧山区"],
              "product_ids": [], "contact_name": "张工", "contact_phone": "0571-88886666",
              "contact_email": "zhang@example.com"}
    fields.update(overrides)
    return fields


def _capability(world, state):
    from portal.capabilities import operations

    db = world.fixture("db")
    owner, admin = world.users["enterprise"], world.users["admin"]
    capability = operations.create_capability(owner, **capability_fields())
    if state in ("submitted", "approved"):
        operations.submit_capability(capability, owner)
    if state == "approved":
        operations.approve_capability(capability, admin)
    db.session.commit()
    return capability.id


BUILDERS = {
    "draft_capability": lambda world: _capability(world, "draft"),
    "submitted_capability": lambda world: _capability(world, "submitted"),
    "approved_capability": lambda world: _capability(world, "approved"),
}
