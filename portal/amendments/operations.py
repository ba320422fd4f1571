"""变更公告 and the files of a call: amending a published scenario, attaching files to a draft, and a bidder's
confirmation that its proposal stands under changed requirements.

Like every operation these check their rule, change rows, audit and flush; the request commits once.
Amending never tells the department anything about the proposals: which bidders must confirm is told to each
bidder alone, about its own proposal.
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, permissions, search
from portal.accounts.models import User
from portal.amendments import policy
from portal.amendments.models import ProposalConfirmation, ScenarioAmendment, ScenarioAttachment
from portal.amendments.queries import attachments_of, pending_amendment
from portal.errors import Conflict, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db
from portal.follows.models import SectorFollow
from portal.notifications.operations import link_to, notify
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios.models import Scenario
from portal.scenarios.operations import ensure_open
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock
from portal.util.text import sanitize_html
from portal.web.templating import localtime

MAX_FILES = 10  # files of one call at a time


def _refused(error, field: str | None = None):
    error.field = field
    return error


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


# --- files of a draft ------------------------------------------------------------------------------

def attach_files(scenario, actor, files) -> list[ScenarioAttachment]:
    """Add checked files (portal.uploads) to a draft call."""
    _require(permissions.can_manage_scenario(actor, scenario))
    if not permissions.can_attach_to_scenario(actor, scenario):
        raise InvalidTransition(_("场景发布后，附件只能通过变更公告修改。"))
    added = _add_files(scenario, actor, list(files), amendment=None)
    audit.record(actor, "scenario.attach", scenario, files=[a.display_name for a in added])
    db.session.flush()
    return added


def remove_draft_file(attachment: ScenarioAttachment, actor) -> None:
    """Take a file out of a draft call."""
    scenario = attachment.scenario
    _require(permissions.can_manage_scenario(actor, scenario))
    if not permissions.can_attach_to_scenario(actor, scenario):
        raise InvalidTransition(_("场景发布后，附件只能通过变更公告修改。"))
    if attachment.removed_at is None:
        attachment.removed_at = clock.now()
        audit.record(actor, "scenario.detach", scenario, file=attachment.display_name)
        db.session.flush()


def _add_files(scenario, actor, files, amendment, removing: int = 0) -> list[ScenarioAttachment]:
    if not files:
        return []
    if len(attachments_of(scenario.id)) - removing + len(files) > MAX_FILES:
        raise _refused(NotReady(_("每个场景最多 %(n)d 个附件，请先删除不需要的附件。", n=MAX_FILES)), "files")
    now = clock.now()
    added = []
    for checked in files:
        attachment = ScenarioAttachment(
            scenario_id=scenario.id, stored_name=checked.stored_name, display_name=checked.display_name,
            kind=checked.kind, mimetype=checked.mimetype, size=checked.size, sha256=checked.sha256,
            uploaded_at=now, uploaded_by_id=actor.id, added_in_id=amendment.id if amendment else None)
        db.session.add(attachment)
        added.append(attachment)
    db.session.flush()
    return added


# --- 变更公告 --------------------------------------------------------------------------------------

def amend_scenario(scenario, actor, *, reason: str, requirements: str, budget, deadline: datetime | None,
                   files=(), remove_ids=()) -> ScenarioAmendment:
    """Publish a change of an open call's requirements, budget, files or deadline, with its reason.

    A change made less than `policy.min_days()` days before the deadline must move the deadline so that at
    least that many days remain; a change of the requirements asks every earlier bidder to confirm.
    """
    _require(permissions.can_manage_scenario(actor, scenario))
    if not scenario.is_open:
        raise InvalidTransition(_("只有揭榜中的场景可以发布变更公告；截止后不能再变更。"))
    # One amendment at a time, numbered in order: the scenario's row lock (PostgreSQL; SQLite writes one at a
    # time), taken on the row alone because its department is joined in when it loads.
    db.session.execute(select(Scenario.id).where(Scenario.id == scenario.id).with_for_update())
    db.session.refresh(scenario)
    reason = (reason or "").strip()
    if not reason:
        raise _refused(NotReady(_("请填写变更原因，变更原因将随变更公告公开。")), "reason")

    changes: dict = {}
    new_requirements = sanitize_html(requirements or "")
    if not new_requirements:
        raise _refused(NotReady(_("技术要求不能为空。")), "requirements")
    if new_requirements not in (scenario.requirements_html, sanitize_html(scenario.requirements_html)):
        changes["requirements"] = {"old": scenario.requirements_html, "new": new_requirements}
    new_budget = _budget(budget)
    if new_budget != scenario.budget:
        changes["budget"] = {"old": _decimal_text(scenario.budget), "new": _decimal_text(new_budget)}
    old_deadline = scenario.deadline
    new_deadline = deadline or old_deadline
    if abs(new_deadline - old_deadline) < timedelta(minutes=1):
        new_deadline = old_deadline  # the form shows minutes: the same minute is the same deadline
    if new_deadline != old_deadline:
        changes["deadline"] = {"old": old_deadline.isoformat(), "new": new_deadline.isoformat()}
    current = {a.id: a for a in attachments_of(scenario.id)}
    removing = [current[i] for i in sorted(set(remove_ids)) if i in current]
    files = list(files)
    if not changes and not removing and not files:
        raise NotReady(_("没有任何变更：请修改技术要求、预算、附件或截止时间。"))
    _check_deadline(old_deadline, new_deadline)

    now = clock.now()
    number = 1 + len(db.session.scalars(select(ScenarioAmendment.id)
                                        .where(ScenarioAmendment.scenario_id == scenario.id)).all())
    amendment = ScenarioAmendment(scenario_id=scenario.id, number=number, reason=reason, changes={},
                                  requirements_changed=False, deadline_before=old_deadline,
                                  deadline_after=new_deadline, created_at=now, created_by_id=actor.id)
    db.session.add(amendment)
    db.session.flush()
    added = _add_files(scenario, actor, files, amendment, removing=len(removing))
    for attachment in removing:
        attachment.removed_at = now
        attachment.removed_in_id = amendment.id
    if added or removing:
        changes["attachments"] = {"added": [{"id": a.id, "name": a.display_name} for a in added],
                                  "removed": [{"id": a.id, "name": a.display_name} for a in removing]}
    amendment.changes = changes
    # The files of a call are part of its requirements (需求说明书, drawings): a change of either asks for confirmation.
    amendment.requirements_changed = "requirements" in changes or "attachments" in changes

    scenario.requirements_html = new_requirements if "requirements" in changes else scenario.requirements_html
    scenario.budget = new_budget
    scenario.deadline = new_deadline
    scenario.updated_at = now
    audit.record(actor, "scenario.amend", scenario, number=number, fields=sorted(changes), reason=reason,
                 deadline_before=old_deadline, deadline_after=new_deadline)
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    _tell_everyone_concerned(scenario, amendment)
    return amendment


def _check_deadline(old: datetime, new: datetime) -> None:
    now = clock.now()
    days = policy.min_days()
    floor = now + timedelta(days=days)
    if new <= now:
        raise _refused(NotReady(_("揭榜截止时间必须晚于当前时间。")), "deadline")
    if old - now < timedelta(days=days) and new < floor:
        raise _refused(NotReady(_(
            "距揭榜截止已不足 %(days)d 天：发布变更须同时将截止时间延至 %(floor)s（北京时间）或之后，"
            "使变更后至少还有 %(days)d 天。", days=days, floor=localtime(floor))), "deadline")
    if new < old and new < floor:
        raise _refused(NotReady(_(
            "提前截止时间后距截止须至少还有 %(days)d 天，即不早于 %(floor)s（北京时间）。",
            days=days, floor=localtime(floor))), "deadline")


def _budget(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise _refused(NotReady(_("预算应为数字（万元）。")), "budget") from error
    if amount < 0:
        raise _refused(NotReady(_("预算不能为负数。")), "budget")
    return amount


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _tell_everyone_concerned(scenario, amendment: ScenarioAmendment) -> int:
    """Tell the enterprises with a proposal (each of its own) and those following the sector; return how many."""
    link = link_to("scenarios.show_scenario", scenario_id=scenario.id) + "#amendments"
    title = _("变更公告：%(title)s", title=scenario.title)
    general = _("“%(title)s”发布了第 %(n)d 号变更公告，原因：%(reason)s。揭榜截止时间为 %(deadline)s（北京时间）。",
                title=scenario.title, n=amendment.number, reason=amendment.reason,
                deadline=localtime(scenario.deadline))
    told: set[int] = set()
    proposals = db.session.scalars(select(Proposal).where(Proposal.scenario_id == scenario.id)
                                   .order_by(Proposal.id)).all()
    for proposal in proposals:
        waits = proposal.state == ProposalState.SUBMITTED and pending_amendment(proposal) is not None
        body = general
        if waits:
            body += " " + _("技术要求已变更：贵单位已提交的方案须在截止前确认（或修改后重新提交），"
                           "未确认的方案不进入评审。")
        for user in _members(proposal.organization_id):
            if user.id in told:
                continue
            told.add(user.id)
            notify(user, "scenario_amended", title, body, f"/proposals/{proposal.id}" if waits else link,
                   dedupe_key=f"amendment:{amendment.id}:{user.id}")
    followers = db.session.scalars(
        select(User).join(SectorFollow, SectorFollow.organization_id == User.organization_id)
        .where(SectorFollow.sector == scenario.sector, User.active.is_(True)).order_by(User.id)).unique().all()
    for user in followers:
        if user.id not in told:
            told.add(user.id)
            notify(user, "scenario_amended", title, general, link, dedupe_key=f"amendment:{amendment.id}:{user.id}")
    return len(told)


def _members(organization_id: int) -> list[User]:
    return db.session.scalars(select(User).where(User.organization_id == organization_id, User.active.is_(True))
                              .order_by(User.id)).all()


# --- the bidder's confirmation ---------------------------------------------------------------------

def confirm_proposal(proposal: Proposal, actor) -> ProposalConfirmation:
    """Confirm that a submitted proposal stands under the call's amended requirements."""
    if not permissions.owns_proposal(actor, proposal):
        raise PermissionDenied(_("您无权修改该揭榜方案。"))
    ensure_open(proposal.scenario)
    amendment = pending_amendment(proposal)
    if amendment is None:
        raise Conflict(_("该方案无需确认：技术要求在您最近一次提交或确认之后没有变更。"))
    confirmation = ProposalConfirmation(proposal_id=proposal.id, amendment_id=amendment.id,
                                        confirmed_at=clock.now(), confirmed_by_id=actor.id)
    db.session.add(confirmation)
    audit.record(actor, "proposal.confirm", proposal, sealed_by=proposal.scenario, amendment=amendment.number)
    db.session.flush()
    return confirmation
