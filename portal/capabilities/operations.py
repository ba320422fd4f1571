"""State changes of capabilities. Each checks its rule, changes rows, audits, logs the search change and
flushes; the request commits once."""

import re
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, permissions, search
from portal.capabilities.lifecycle import ensure_transition
from portal.capabilities.models import (
    Capability,
    CapabilityAlert,
    CapabilityDistrict,
    CapabilityState,
    Maturity,
    ScenarioInvitation,
)
from portal.capabilities.search_documents import CAPABILITY
from portal.catalogue.classify import category
from portal.catalogue.models import Product
from portal.errors import InvalidInput, InvalidTransition, PermissionDenied
from portal.extensions import db
from portal.reference import DISTRICTS, SECTORS
from portal.util import clock
from portal.web.templating import localtime

TEXTS = {"title": 200, "summary": 20_000, "cases": 20_000, "contact_name": 40, "contact_phone": 32,
         "contact_email": 254}
PHONE = re.compile(r"[0-9+\-() ]{5,32}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# How many fits of a new scenario the alert job weighs, and how many new scenarios one run looks at.
ALERT_CANDIDATES, ALERT_BATCH = 40, 20
ALERT_WITHIN = timedelta(days=2)


class CapabilityInputError(InvalidInput):
    """A value that cannot be stored; `field` names the form field that shows the message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _clean(organization_id: int, values: dict) -> dict:
    """The values checked and normalised; a bad one is refused naming its field (the form keeps the input)."""
    cleaned = {}
    for name, limit in TEXTS.items():
        text = (values.get(name) or "").strip()
        if len(text) > limit:
            raise CapabilityInputError(name, _("内容过长，最多 %(n)d 个字符。", n=limit))
        cleaned[name] = text
    if not cleaned["title"]:
        raise CapabilityInputError("title", _("请填写能力名称。"))
    if not cleaned["summary"]:
        raise CapabilityInputError("summary", _("请填写能力简介。"))
    if cleaned["contact_phone"] and not PHONE.fullmatch(cleaned["contact_phone"]):
        raise CapabilityInputError("contact_phone", _("请填写有效的联系电话。"))
    if cleaned["contact_email"] and not EMAIL.fullmatch(cleaned["contact_email"]):
        raise CapabilityInputError("contact_email", _("请填写有效的电子邮箱。"))
    sector = values.get("sector") or ""
    if sector not in SECTORS:
        raise CapabilityInputError("sector", _("请选择所属领域。"))
    found = category(values.get("field") or "")
    if found is None:
        raise CapabilityInputError("field", _("请选择技术领域。"))
    try:
        maturity = Maturity(values.get("maturity") or "")
    except ValueError:
        raise CapabilityInputError("maturity", _("请选择成熟度。")) from None
    districts = list(dict.fromkeys(values.get("districts") or []))
    if not districts:
        raise CapabilityInputError("districts", _("请至少选择一个服务区县市。"))
    if any(d not in DISTRICTS for d in districts):
        raise CapabilityInputError("districts", _("服务区县市不在杭州市区县市之列。"))
    product_ids = sorted({int(p) for p in values.get("product_ids") or []})
    products = list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)))) if product_ids else []
    if len(products) != len(product_ids) or any(p.organization_id != organization_id for p in products):
        raise CapabilityInputError("product_ids", _("只能关联本单位的产品。"))
    return {**cleaned, "sector": sector, "field": found.code, "maturity": maturity, "districts": districts,
            "products": products}


def _assign(capability: Capability, values: dict) -> list[str]:
    changed = []
    for key, value in values.items():
        if key == "districts":
            if capability.districts != sorted(value):
                capability.district_rows = [CapabilityDistrict(district=d) for d in sorted(value)]
                changed.append(key)
        elif key == "products":
            if [p.id for p in capability.products] != [p.id for p in value]:
                capability.products = list(value)
                changed.append(key)
        elif getattr(capability, key) != value:
            setattr(capability, key, value)
            changed.append(key)
    if changed:
        capability.updated_at = clock.now()
    return changed


def create_capability(actor, **values) -> Capability:
    """Write a draft capability of the actor's enterprise; nobody else sees it until it is approved."""
    _require(permissions.can_publish_capability(actor))
    values = _clean(actor.organization_id, values)
    now = clock.now()
    capability = Capability(organization_id=actor.organization_id, created_by_id=actor.id,
                            state=CapabilityState.DRAFT, created_at=now, updated_at=now)
    _assign(capability, values)
    db.session.add(capability)
    db.session.flush()
    audit.record(actor, "capability.create", capability, title=capability.title)
    return capability


def update_capability(capability: Capability, actor, **values) -> Capability:
    """Amend a draft or a returned capability (a returned one stays returned until it is submitted again)."""
    _require(permissions.can_edit_capability(actor, capability))
    changed = _assign(capability, _clean(capability.organization_id, values))
    audit.record(actor, "capability.update", capability, fields=changed)
    db.session.flush()
    return capability


def submit_capability(capability: Capability, actor) -> Capability:
    """Send a draft or an amended returned capability to the reviewers (待审核)."""
    _require(permissions.owns_capability(actor, capability) and permissions.is_verified_enterprise(actor))
    previous = capability.state
    capability.state = ensure_transition(capability, "submit")
    capability.submitted_at = clock.now()
    audit.record(actor, "capability.submit", capability, previous=previous)
    db.session.flush()
    return capability


def approve_capability(capability: Capability, actor) -> Capability:
    """Publish a submitted capability."""
    _require(permissions.can_review_capability(actor, capability))
    capability.state = ensure_transition(capability, "approve")
    now = clock.now()
    capability.approved_at = capability.decided_at = now
    capability.decided_by_id = actor.id
    capability.reason = None
    audit.record(actor, "capability.approve", capability)
    search.record_change(CAPABILITY, capability.id)
    db.session.flush()
    return capability


def return_capability(capability: Capability, actor, reason: str) -> Capability:
    """Send a submitted capability back to the enterprise with the reason it will read (退回)."""
    _require(permissions.can_review_capability(actor, capability))
    reason = (reason or "").strip()
    if not reason:
        raise CapabilityInputError("reason", _("请填写退回原因。"))
    if len(reason) > 2000:
        raise CapabilityInputError("reason", _("内容过长，最多 %(n)d 个字符。", n=2000))
    capability.state = ensure_transition(capability, "return")
    capability.reason = reason
    capability.decided_at = clock.now()
    capability.decided_by_id = actor.id
    audit.record(actor, "capability.return", capability, reason=reason)
    db.session.flush()
    return capability


def withdraw_capability(capability: Capability, actor) -> Capability:
    """Take a capability back for good; a public one leaves the list, the feed, the API and search."""
    _require(permissions.owns_capability(actor, capability))
    previous = capability.state
    capability.state = ensure_transition(capability, "withdraw")
    capability.withdrawn_at = clock.now()
    audit.record(actor, "capability.withdraw", capability, previous=previous)
    if previous == CapabilityState.APPROVED:
        search.record_change(CAPABILITY, capability.id)
    db.session.flush()
    return capability


# --- 邀请揭榜 and the alerts of fitting scenarios ---------------------------------------------------------

def enterprise_users(organization_id: int) -> list:
    """The active accounts of an enterprise, who are told of invitations and fitting scenarios."""
    from portal.accounts.models import Role, User

    return list(db.session.scalars(select(User).where(User.organization_id == organization_id,
                                                      User.role == Role.ENTERPRISE, User.active.is_(True))
                                   .order_by(User.id)))


def invite_to_bid(scenario, capability: Capability, actor) -> ScenarioInvitation:
    """邀请揭榜: the department owning an open scenario invites the enterprise of an approved capability to bid;
    the enterprise's accounts get a message and its e-mail. Once per scenario and enterprise."""
    from portal.notifications.operations import link_to, notify

    _require(permissions.can_manage_scenario(actor, scenario))
    if not scenario.is_open:
        raise InvalidTransition(_("该场景未在揭榜期内，不能邀请揭榜。"))
    if not capability.is_public:
        raise InvalidTransition(_("该能力未公开，不能据此邀请。"))
    already = db.session.scalar(select(ScenarioInvitation.id).where(
        ScenarioInvitation.scenario_id == scenario.id,
        ScenarioInvitation.organization_id == capability.organization_id))
    if already is not None:
        raise InvalidTransition(_("已邀请过该企业揭榜本场景。"))
    invitation = ScenarioInvitation(scenario_id=scenario.id, organization_id=capability.organization_id,
                                    capability_id=capability.id, invited_by_id=actor.id, created_at=clock.now())
    try:
        # Two clicks racing past the check above meet at the unique constraint: the second is refused.
        with db.session.begin_nested():
            db.session.add(invitation)
    except IntegrityError:
        raise InvalidTransition(_("已邀请过该企业揭榜本场景。")) from None
    audit.record(actor, "scenario.invite_to_bid", scenario, organization_id=capability.organization_id,
                 capability_id=capability.id)
    link = link_to("scenarios.show_scenario", scenario_id=scenario.id)
    for user in enterprise_users(capability.organization_id):
        notify(user, "bid_invitation", _("邀请揭榜：%(title)s", title=scenario.title),
               _("%(department)s 根据贵单位的能力“%(capability)s”，邀请贵单位揭榜应用场景“%(title)s”，"
                 "揭榜截止时间为 %(deadline)s（北京时间）。",
                 department=scenario.department.name, capability=capability.title, title=scenario.title,
                 deadline=localtime(scenario.deadline)),
               link=link, dedupe_key=f"bid-invitation:{scenario.id}:{user.id}")
    return invitation


def alert_fitting_enterprises(scenario) -> int:
    """Tell each enterprise whose approved capability fits a newly published scenario closely (ALERT_MINIMUM)
    of it, once; return how many enterprises were told. The scenario is then marked as looked at."""
    from portal.capabilities.matching import ALERT_MINIMUM, matching_capabilities
    from portal.notifications.operations import link_to, notify

    if db.session.get(CapabilityAlert, scenario.id) is not None:
        return 0
    best: dict[int, tuple] = {}
    for capability, fit in matching_capabilities(scenario, limit=ALERT_CANDIDATES):
        if fit.points >= ALERT_MINIMUM and capability.organization_id != scenario.department_id:
            best.setdefault(capability.organization_id, (capability, fit))
    link = link_to("scenarios.show_scenario", scenario_id=scenario.id)
    for organization_id, (capability, _fit) in best.items():
        for user in enterprise_users(organization_id):
            notify(user, "fitting_scenario", _("新场景与贵单位能力匹配：%(title)s", title=scenario.title),
                   _("新发布的应用场景“%(title)s”与贵单位的能力“%(capability)s”较为匹配，揭榜截止时间为 "
                     "%(deadline)s（北京时间）。", title=scenario.title, capability=capability.title,
                     deadline=localtime(scenario.deadline)),
                   link=link, dedupe_key=f"fitting-scenario:{scenario.id}:{user.id}")
    db.session.add(CapabilityAlert(scenario_id=scenario.id, alerted_at=clock.now(), organizations=len(best)))
    audit.record(None, "scenario.capability_alerts", scenario, organizations=sorted(best))
    db.session.flush()
    return len(best)


def send_capability_alerts(limit: int = ALERT_BATCH) -> int:
    """The scheduled job: alert the enterprises of every open scenario published since the last run (a few
    at a time, so one run stays short); return how many scenarios were looked at."""
    from portal.scenarios.models import Scenario
    from portal.scenarios.queries import public_scenarios_query

    # Only scenarios published lately: the first run after an upgrade does not alert of every open one.
    since = clock.now() - ALERT_WITHIN
    stmt = (public_scenarios_query().where(Scenario.is_open_clause(), Scenario.published_at >= since,
                                           ~select(CapabilityAlert.scenario_id)
                                           .where(CapabilityAlert.scenario_id == Scenario.id).exists())
            .limit(limit))
    scenarios = list(db.session.scalars(stmt).unique())
    for scenario in scenarios:
        alert_fitting_enterprises(scenario)
    return len(scenarios)
