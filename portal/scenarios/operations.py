"""State changes of batches and scenarios. Each checks its rule, changes rows, audits, and flushes;
the request (or CLI command) commits once."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from blinker import Namespace
from flask_babel import gettext as _

from portal import audit, permissions, search
from portal.errors import DeadlinePassed, InvalidInput, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db
from portal.follows.operations import notify_followers
from portal.reference import DISTRICTS, SECTORS
from portal.scenarios.lifecycle import ensure_transition, is_editable
from portal.scenarios.models import (
    DEFAULT_PROPOSAL_CAP,
    MAX_PROPOSAL_CAP,
    Batch,
    BatchState,
    Scenario,
    ScenarioState,
)
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock, workdays
from portal.util.text import sanitize_html
from portal.web import unit_of_work

# Optional side effects of scenario changes, for the domains above this one (the bidders are told of a
# cancellation by portal.proposals, which this module may not import).
signals = Namespace()
scenario_cancelled = signals.signal("scenario-cancelled")

SCENARIO_FIELDS = ("title", "sector", "district", "description", "requirements", "budget", "deadline",
                   "contact_name", "contact_phone", "contact_email")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def checked_proposal_cap(value) -> int:
    """The number of proposals one enterprise may have standing in a batch, as given by the department."""
    try:
        cap = int(value)
    except (TypeError, ValueError):
        cap = 0
    if not 1 <= cap <= MAX_PROPOSAL_CAP:
        error = InvalidInput(_("每家企业限报数量应为 1 到 %(max)d 之间的整数。", max=MAX_PROPOSAL_CAP))
        error.field = "proposal_cap"  # shown on the form's field (portal.web.views.refuse)
        raise error
    return cap


def create_batch(actor, *, title: str, summary: str = "", proposal_cap=None) -> Batch:
    """Create a draft batch owned by the actor's department (with the default cap when none is given)."""
    _require(permissions.can_create_batch(actor))
    if proposal_cap is None:
        proposal_cap = DEFAULT_PROPOSAL_CAP
    now = clock.now()
    batch = Batch(title=title.strip(), summary_html=sanitize_html(summary), department_id=actor.organization_id,
                  proposal_cap=checked_proposal_cap(proposal_cap), created_at=now, updated_at=now)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "batch.create", batch, title=batch.title, proposal_cap=batch.proposal_cap)
    return batch


def update_batch(batch: Batch, actor, *, title: str, summary: str = "") -> Batch:
    """Change a batch's title and summary."""
    _require(permissions.can_manage_batch(actor, batch))
    batch.title = title.strip()
    batch.summary_html = sanitize_html(summary)
    batch.updated_at = clock.now()
    audit.record(actor, "batch.update", batch)
    db.session.flush()
    return batch


@dataclass
class PublishResult:
    published: list[Scenario] = field(default_factory=list)
    skipped: dict[Scenario, list[str]] = field(default_factory=dict)


def publish_batch(batch: Batch, actor) -> PublishResult:
    """Publish a batch and every ready draft scenario in it; drafts that are not ready stay drafts."""
    _require(permissions.can_manage_batch(actor, batch))
    result = PublishResult()
    for scenario in batch.scenarios:
        if scenario.state != ScenarioState.DRAFT:
            continue
        problems = scenario_problems(scenario)
        if problems:
            result.skipped[scenario] = problems
        else:
            result.published.append(scenario)
    if not batch.is_published and not result.published:
        raise NotReady(_("批次中没有可以发布的场景：请先添加场景并填写完整。"))
    now = clock.now()
    if not batch.is_published:
        batch.state = BatchState.PUBLISHED
        batch.published_at = now
        audit.record(actor, "batch.publish", batch, scenarios=[s.id for s in result.published])
    for scenario in result.published:
        _publish(scenario, actor, now)
    db.session.flush()
    return result


def deadline_warning(scenario: Scenario) -> str | None:
    """A reminder when the deadline falls on a weekend or public holiday (official calendar); not a refusal."""
    if scenario.deadline is not None and workdays.falls_on_rest_day(scenario.deadline):
        return _("“%(title)s”的揭榜截止时间 %(deadline)s 是周末或法定节假日，请确认是否需要调整。",
                 title=scenario.title, deadline=clock.to_local(scenario.deadline).strftime("%Y-%m-%d %H:%M"))
    return None


def scenario_problems(scenario: Scenario) -> list[str]:
    """Return what keeps a draft scenario from being published (empty when it is ready)."""
    problems = []
    if not scenario.title:
        problems.append(_("缺少场景名称"))
    if scenario.sector not in SECTORS:
        problems.append(_("未选择所属领域"))
    if scenario.district not in DISTRICTS:
        problems.append(_("未选择所在区县市"))
    if not scenario.description_html:
        problems.append(_("缺少场景描述"))
    if not scenario.requirements_html:
        problems.append(_("缺少技术要求"))
    if scenario.deadline is None:
        problems.append(_("未设置揭榜截止时间"))
    elif scenario.deadline <= clock.now():
        problems.append(_("揭榜截止时间已过"))
    if not scenario.contact_name or not scenario.contact_phone:
        problems.append(_("缺少联系人或联系电话"))
    return problems


def create_scenario(batch: Batch, actor, **fields) -> Scenario:
    """Add a draft scenario to one of the actor's batches."""
    _require(permissions.can_manage_batch(actor, batch))
    now = clock.now()
    scenario = Scenario(batch=batch, department_id=batch.department_id, state=ScenarioState.DRAFT,
                        created_at=now, updated_at=now)
    _assign(scenario, fields)
    db.session.add(scenario)
    db.session.flush()
    audit.record(actor, "scenario.create", scenario, batch=batch.id, title=scenario.title)
    return scenario


def update_scenario(scenario: Scenario, actor, **fields) -> Scenario:
    """Edit a draft scenario; once published its terms are fixed for every bidder."""
    _require(permissions.can_manage_scenario(actor, scenario))
    if not is_editable(scenario):
        raise InvalidTransition(_("只有草稿状态的场景可以修改。"))
    changed = _assign(scenario, fields)
    scenario.updated_at = clock.now()
    audit.record(actor, "scenario.update", scenario, fields=changed)
    db.session.flush()
    return scenario


def _assign(scenario: Scenario, fields: dict) -> list[str]:
    unknown = set(fields) - set(SCENARIO_FIELDS)
    if unknown:
        raise TypeError(f"unknown scenario fields: {sorted(unknown)}")
    values = dict(fields)
    if "description" in values:
        values["description_html"] = sanitize_html(values.pop("description"))
    if "requirements" in values:
        values["requirements_html"] = sanitize_html(values.pop("requirements"))
    if "title" in values:
        values["title"] = (values["title"] or "").strip()
    if values.get("budget") is not None:
        try:
            values["budget"] = Decimal(str(values["budget"])).quantize(Decimal("0.01"))
        except InvalidOperation as error:
            raise NotReady(_("预算应为数字（万元）。")) from error
        if values["budget"] < 0:
            raise NotReady(_("预算不能为负数。"))
    if values.get("deadline") is not None and not isinstance(values["deadline"], datetime):
        raise TypeError("deadline must be a datetime")
    changed = [k for k, v in values.items() if getattr(scenario, k) != v]
    for key, value in values.items():
        setattr(scenario, key, value)
    return changed


def publish_scenario(scenario: Scenario, actor) -> Scenario:
    """Publish one ready draft scenario of an already published batch."""
    _require(permissions.can_manage_scenario(actor, scenario))
    ensure_transition(scenario, "publish")
    if not scenario.batch.is_published:
        raise NotReady(_("所在批次尚未发布：请发布批次，批次中已填写完整的场景会一并发布。"))
    problems = scenario_problems(scenario)
    if problems:
        raise NotReady(_("场景尚不能发布：%(problems)s。", problems="；".join(problems)))
    _publish(scenario, actor, clock.now())
    db.session.flush()
    return scenario


def _publish(scenario: Scenario, actor, now: datetime) -> None:
    scenario.state = ensure_transition(scenario, "publish")
    scenario.published_at = now
    scenario.updated_at = now
    audit.record(actor, "scenario.publish", scenario, deadline=scenario.deadline)
    search.record_change(SCENARIO, scenario.id)
    # follows: tell the enterprises following the sector
    notify_followers(scenario)


def due_to_close(scenario: Scenario) -> bool:
    """Whether the deadline has closed the scenario and the close is not recorded yet."""
    return scenario.state == ScenarioState.PUBLISHED and scenario.status == ScenarioState.CLOSED


def due_to_finalize(scenario: Scenario) -> bool:
    """Whether the end of 公示 with every objection answered has made the result final, not recorded yet."""
    return scenario.state == ScenarioState.ANNOUNCED and scenario.status == ScenarioState.FINAL


def _write_if(due, scenario: Scenario) -> bool:
    """Whether `due(scenario)` holds, asked again once the request may write: a page that reads and records what it
    showed (an audited read) ends its read-only transaction first, and another process may have recorded it since."""
    if not due(scenario):
        return False
    unit_of_work.begin_writing()
    return due(scenario)


def close_if_due(scenario: Scenario) -> bool:
    """Record the close that the deadline has already made true; return whether a row changed."""
    if not _write_if(due_to_close, scenario):
        return False
    scenario.state = ScenarioState.CLOSED
    scenario.closed_at = scenario.deadline
    audit.record(None, "scenario.close", scenario, by="deadline", deadline=scenario.deadline)
    db.session.flush()
    return True


def finalize_if_due(scenario: Scenario) -> bool:
    """Record the 揭榜成功 that the end of 公示 with every objection answered has already made true."""
    if not _write_if(due_to_finalize, scenario):
        return False
    scenario.state = ScenarioState.FINAL
    scenario.updated_at = clock.now()
    audit.record(None, "scenario.finalize", scenario, by="window")
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    return True


def ensure_open(scenario: Scenario) -> None:
    """Refuse anything that needs the scenario to accept proposals right now."""
    if scenario.status != ScenarioState.PUBLISHED:
        raise DeadlinePassed(_("该场景已于 %(deadline)s 截止，不再接受揭榜。",
                               deadline=clock.to_local(scenario.deadline).strftime("%Y-%m-%d %H:%M")))


def cancel_scenario(scenario: Scenario, actor, reason: str) -> Scenario:
    """Cancel a scenario (any state before final) with a reason that the public will see.

    Cancelled before its deadline, its bids stay sealed for good and are void; after it, the department keeps
    reading them as before (the review may already have happened)."""
    _require(permissions.can_manage_scenario(actor, scenario))
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("撤销场景必须填写原因。"))
    close_if_due(scenario)
    previous = scenario.state
    scenario.state = ensure_transition(scenario, "cancel")
    now = clock.now()
    scenario.cancelled_at = now
    scenario.cancel_reason = reason
    scenario.updated_at = now
    audit.record(actor, "scenario.cancel", scenario, previous=previous, reason=reason,
                 bids_sealed=scenario.cancelled_before_deadline)
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    scenario_cancelled.send(scenario, actor=actor)
    return scenario
