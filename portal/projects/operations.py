"""State changes of projects. Each checks its rule, changes rows, audits, notifies and flushes; the request (or
the worker's job) commits once."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, permissions
from portal.accounts.models import Role, User
from portal.announcements.models import Decision, decision_winners
from portal.capabilities.models import Capability, CapabilityState
from portal.catalogue.models import Product, ProductState
from portal.errors import Conflict, InvalidInput, NotReady, PermissionDenied
from portal.extensions import db
from portal.projects.lifecycle import MILESTONES, PLANS, PROJECTS
from portal.projects.models import (
    AcceptanceExpert,
    AcceptanceResult,
    CasePicture,
    Milestone,
    MilestoneState,
    Plan,
    PlanState,
    ProgressReport,
    Project,
    ProjectState,
    ReportAttachment,
    Verdict,
)
from portal.proposals.models import Proposal
from portal.reviews import conflicts
from portal.reviews.steps import department_users, link, locked, notify, organization_users
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock

TEXT_MAX = 20_000
TITLE_MAX = 200
MAX_MILESTONES = 50
MAX_PLAN_YEARS = 10
IMAGE_KINDS = frozenset({"png", "jpg"})
MAX_PICTURES = 12


class ProjectInputError(InvalidInput):
    """A value that cannot be stored; `field` names the form field that shows the message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _text(field: str, value, *, required: str | None = None, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ProjectInputError(field, required)
    if len(text) > limit:
        raise ProjectInputError(field, _("内容过长，最多 %(n)d 个字符。", n=limit))
    return text


def _winner_page(project: Project) -> str:
    return link("projects.show_project", project_id=project.id)


# --- opening projects from final results -----------------------------------------------------------

def _missing_winners(*, department_id: int | None = None, organization_id: int | None = None):
    """(scenario, proposal) of each winner of a final result that has no project yet."""
    stmt = (select(Scenario, Proposal)
            .join(Decision, Decision.scenario_id == Scenario.id)
            .join(decision_winners, decision_winners.c.scenario_id == Decision.scenario_id)
            .join(Proposal, Proposal.id == decision_winners.c.proposal_id)
            .outerjoin(Project, Project.proposal_id == Proposal.id)
            .where(Scenario.status_clause(ScenarioState.FINAL), Project.id.is_(None))
            .order_by(Scenario.id, Proposal.id))
    if department_id is not None:
        stmt = stmt.where(Scenario.department_id == department_id)
    if organization_id is not None:
        stmt = stmt.where(Proposal.organization_id == organization_id)
    return db.session.execute(stmt).all()


def _open(scenario: Scenario, proposal: Proposal) -> Project | None:
    now = clock.now()
    project = Project(scenario_id=scenario.id, proposal_id=proposal.id, organization_id=proposal.organization_id,
                      department_id=scenario.department_id, state=ProjectState.PLANNING, created_at=now,
                      updated_at=now)
    # Two requests (or a request and the worker) racing past the query meet at the unique proposal: the
    # loser's savepoint rolls back, and the one project stays.
    try:
        with db.session.begin_nested():
            db.session.add(project)
    except IntegrityError:
        return None
    audit.record(None, "project.open", project, scenario=scenario.id, proposal=proposal.id)
    title = _("揭榜成功，项目已建立：%(title)s", title=scenario.title)
    body = _("请与发布单位商定任务书（里程碑、时间与交付物）。")
    notify(organization_users(proposal.organization_id), "project_opened", title, body, _winner_page(project))
    notify(department_users(scenario), "project_opened", title, _("请拟定任务书并发送揭榜单位确认。"),
           _winner_page(project))
    return project


def open_projects(*, department_id: int | None = None, organization_id: int | None = None) -> list[Project]:
    """Open the project of every winner whose result is final and has none yet (of one department or one
    enterprise when given). The result becomes final by server time, so whoever looks first opens it."""
    opened = [_open(scenario, proposal) for scenario, proposal in
              _missing_winners(department_id=department_id, organization_id=organization_id)]
    db.session.flush()
    return [p for p in opened if p is not None]


def open_due_projects() -> int:
    """The worker's job: open every project due (so reminders and notices never wait for a page view)."""
    return len(open_projects())


# --- 任务书 ------------------------------------------------------------------------------------------

def draft_plan(project: Project, actor) -> Plan:
    """Start a version of the 任务书: the first, or a change to the agreed one (its milestones copied, their
    outcomes kept). The agreed version stays in force until the new one is agreed."""
    _require(permissions.can_draft_plan(actor, locked(project)))
    version = (db.session.scalar(select(func.max(Plan.version)).where(Plan.project_id == project.id)) or 0) + 1
    agreed = project.agreed_plan
    plan = Plan(project=project, version=version, state=PlanState.DRAFT, created_by_id=actor.id,
                created_at=clock.now())
    db.session.add(plan)
    if agreed is not None:
        plan.milestones = [Milestone(title=m.title, due_on=m.due_on, deliverables=m.deliverables, state=m.state,
                                     marked_at=m.marked_at, marked_by_id=m.marked_by_id, note=m.note)
                           for m in agreed.milestones]
    db.session.flush()
    audit.record(actor, "project.plan.draft", plan, project=project.id, version=version)
    return plan


def checked_due(value) -> date:
    if not isinstance(value, date):
        raise ProjectInputError("due_on", _("请填写完成日期。"))
    today = clock.local_today()
    if value < today:
        raise ProjectInputError("due_on", _("完成日期不能早于今天。"))
    if value > today + timedelta(days=365 * MAX_PLAN_YEARS):
        raise ProjectInputError("due_on", _("完成日期不能晚于 %(n)d 年后。", n=MAX_PLAN_YEARS))
    return value


def add_milestone(plan: Plan, actor, *, title: str, due_on, deliverables: str) -> Milestone:
    """Add a milestone to a draft or returned version of the 任务书."""
    _require(permissions.can_edit_plan(actor, plan))
    title = _text("title", title, required=_("请填写里程碑名称。"), limit=TITLE_MAX)
    deliverables = _text("deliverables", deliverables, required=_("请填写交付物。"))
    due_on = checked_due(due_on)
    if len(plan.milestones) >= MAX_MILESTONES:
        raise ProjectInputError("title", _("一份任务书最多 %(n)d 个里程碑。", n=MAX_MILESTONES))
    milestone = Milestone(title=title, due_on=due_on, deliverables=deliverables, state=MilestoneState.PENDING)
    plan.milestones.append(milestone)
    db.session.flush()
    audit.record(actor, "project.milestone.add", milestone, plan=plan.id, title=title, due_on=due_on.isoformat())
    return milestone


def remove_milestone(milestone: Milestone, actor) -> None:
    """Take a milestone out of a draft or returned version; one already marked met or late stays."""
    plan = milestone.plan
    _require(permissions.can_edit_plan(actor, plan))
    if milestone.is_marked:
        raise Conflict(_("已标记完成情况的里程碑不能删除。"))
    audit.record(actor, "project.milestone.remove", milestone, plan=plan.id, title=milestone.title)
    plan.milestones.remove(milestone)
    db.session.flush()


def propose_plan(plan: Plan, actor) -> Plan:
    """Send the 任务书 to the winner for agreement."""
    _require(permissions.can_propose_plan(actor, locked(plan)))
    if not plan.milestones:
        raise NotReady(_("请至少添加一个里程碑。"))
    plan.state = PLANS.ensure_transition(plan, "propose")
    plan.proposed_at = clock.now()
    audit.record(actor, "project.plan.propose", plan, project=plan.project_id, version=plan.version,
                 milestones=len(plan.milestones))
    project = plan.project
    notify(organization_users(project.organization_id), "plan_proposed",
           _("任务书待确认：%(title)s", title=project.title),
           _("发布单位已发送任务书（第 %(v)d 版），请确认或提出修改意见。", v=plan.version), _winner_page(project))
    db.session.flush()
    return plan


def agree_plan(plan: Plan, actor) -> Plan:
    """Agree to the 任务书: it is fixed from now on, and replaces the version in force (if any)."""
    _require(permissions.can_answer_plan(actor, locked(plan)))
    project = plan.project
    target = PLANS.ensure_transition(plan, "agree")
    previous = project.agreed_plan
    if previous is not None:
        previous.state = PLANS.ensure_transition(previous, "supersede")
    now = clock.now()
    plan.state, plan.agreed_at, plan.agreed_by_id = target, now, actor.id
    if project.state == ProjectState.PLANNING:
        project.state = PROJECTS.ensure_transition(project, "start")
        project.started_at = now
    project.updated_at = now
    audit.record(actor, "project.plan.agree", plan, project=project.id, version=plan.version,
                 replaces=previous.version if previous else None)
    notify(department_users(project.scenario), "plan_agreed", _("任务书已确认：%(title)s", title=project.title),
           _("揭榜单位已确认任务书（第 %(v)d 版）。", v=plan.version), _winner_page(project))
    db.session.flush()
    return plan


def return_plan(plan: Plan, actor, comment: str) -> Plan:
    """Send the 任务书 back to the department with what should change."""
    _require(permissions.can_answer_plan(actor, locked(plan)))
    comment = _text("comment", comment, required=_("请填写修改意见。"), limit=5_000)
    plan.state = PLANS.ensure_transition(plan, "return")
    plan.comment = comment
    audit.record(actor, "project.plan.return", plan, project=plan.project_id, version=plan.version,
                 comment=comment)
    project = plan.project
    notify(department_users(project.scenario), "plan_returned", _("任务书被退回：%(title)s", title=project.title),
           comment[:200], _winner_page(project))
    db.session.flush()
    return plan


# --- progress and milestones -----------------------------------------------------------------------

def file_report(project: Project, actor, *, text: str, milestone_id=None, uploads=()) -> ProgressReport:
    """File a progress report, with attachments already checked by the upload path."""
    _require(permissions.can_report_progress(actor, project))
    text = _text("text", text, required=_("请填写进展情况。"))
    milestone = None
    if milestone_id:
        milestone = next((m for m in project.milestones if m.id == milestone_id), None)
        if milestone is None:
            raise ProjectInputError("milestone_id", _("请选择本项目任务书中的里程碑。"))
    report = ProgressReport(project=project, milestone=milestone, text=text, filed_by_id=actor.id,
                            filed_at=clock.now())
    db.session.add(report)
    for upload in uploads:
        report.attachments.append(ReportAttachment(
            stored_name=upload.stored_name, display_name=upload.display_name, mimetype=upload.mimetype,
            size=upload.size, sha256=upload.sha256))
    db.session.add(report)
    db.session.flush()
    audit.record(actor, "project.report", report, project=project.id,
                 milestone=milestone.id if milestone else None,
                 attachments=[a.sha256 for a in report.attachments])
    notify(department_users(project.scenario), "project_report", _("项目进展报告：%(title)s", title=project.title),
           text[:200], _winner_page(project))
    return report


def mark_milestone(milestone: Milestone, actor, outcome: str, note: str = "") -> Milestone:
    """Record a milestone of the 任务书 in force as met (按期完成) or late (逾期)."""
    _require(permissions.can_mark_milestone(actor, locked(milestone)))
    if outcome not in ("met", "late"):
        raise ProjectInputError("outcome", _("请选择完成情况。"))
    note = _text("note", note, limit=2_000)
    milestone.state = MILESTONES.ensure_transition(milestone, outcome)
    milestone.marked_at = clock.now()
    milestone.marked_by_id = actor.id
    milestone.note = note or None
    project = milestone.plan.project
    audit.record(actor, "project.milestone." + outcome, milestone, project=project.id, title=milestone.title)
    notify(organization_users(project.organization_id), "milestone_marked",
           _("里程碑“%(m)s”：%(state)s", m=milestone.title, state=milestone.state.label), note[:200] or project.title,
           _winner_page(project))
    db.session.flush()
    return milestone


# --- 验收 -------------------------------------------------------------------------------------------

def open_acceptance(project: Project, actor) -> Project:
    """Open a round of 验收, once every milestone of the 任务书 in force is marked."""
    _require(permissions.can_open_acceptance(actor, locked(project)))
    if project.open_plan is not None:
        raise NotReady(_("任务书有未确认的新版本，请先完成或放弃修改。"))
    if any(not m.is_marked for m in project.milestones):
        raise NotReady(_("请先标记全部里程碑的完成情况。"))
    project.state = PROJECTS.ensure_transition(project, "open_acceptance")
    project.acceptance_round += 1
    project.acceptance_opened_at = project.updated_at = clock.now()
    audit.record(actor, "project.acceptance.open", project, round=project.acceptance_round)
    notify(organization_users(project.organization_id), "acceptance_opened",
           _("项目进入验收：%(title)s", title=project.title), _("发布单位已启动验收，将邀请专家出具意见。"),
           _winner_page(project))
    db.session.flush()
    return project


def expert_candidates(project: Project) -> list[User]:
    invited = {e.reviewer_id for e in project.round_experts}
    return [u for u in conflicts.reviewer_candidates() if u.id not in invited]


def invite_expert(project: Project, actor, reviewer_id) -> AcceptanceExpert:
    """Invite an expert (from the reviewers) to this round of 验收; one whose conflict profile matches the
    winner is refused with the reason, as for a review."""
    _require(permissions.can_run_acceptance(actor, locked(project)))
    reviewer = db.session.get(User, reviewer_id) if isinstance(reviewer_id, int) else None
    if reviewer is None or reviewer.role != Role.REVIEWER or not reviewer.active:
        raise ProjectInputError("reviewer_id", _("请选择评审专家。"))
    if any(e.reviewer_id == reviewer.id for e in project.round_experts):
        raise Conflict(_("该专家已受邀参加本轮验收。"))
    match = conflicts.conflict_of(reviewer, project.proposal)
    if match is not None:
        raise Conflict(_("该专家须回避：%(why)s", why=conflicts.describe(match)))
    expert = AcceptanceExpert(project=project, round=project.acceptance_round, reviewer_id=reviewer.id,
                              invited_at=clock.now(), invited_by_id=actor.id)
    db.session.add(expert)
    db.session.flush()
    audit.record(actor, "project.expert.invite", expert, project=project.id, reviewer=reviewer.id,
                 round=expert.round)
    notify([reviewer], "acceptance_invited", _("验收邀请：%(title)s", title=project.title),
           _("请查阅项目材料并出具验收意见。"), link("project_experts.opinion", expert_id=expert.id))
    return expert


def _verdict(value) -> Verdict:
    try:
        return Verdict(value or "")
    except ValueError:
        raise ProjectInputError("verdict", _("请选择验收结论。")) from None


def give_opinion(expert: AcceptanceExpert, actor, *, verdict, opinion: str) -> AcceptanceExpert:
    """The expert's opinion and recommended result; given once."""
    _require(permissions.can_give_opinion(actor, locked(expert)))
    verdict = _verdict(verdict)
    opinion = _text("opinion", opinion, required=_("请填写验收意见。"))
    expert.verdict, expert.opinion, expert.given_at = verdict, opinion, clock.now()
    audit.record(actor, "project.expert.opinion", expert, project=expert.project_id, verdict=verdict.value)
    notify(department_users(expert.project.scenario), "acceptance_opinion",
           _("专家已出具验收意见：%(title)s", title=expert.project.title), verdict.label,
           _winner_page(expert.project))
    db.session.flush()
    return expert


def record_result(project: Project, actor, *, verdict, reason: str) -> AcceptanceResult:
    """Record this round's 验收 result with its reason, once every invited expert has given an opinion; it is
    published on the project's page. 通过 and 有条件通过 put the project in the showcase; 延期 sends it back to
    work, for a later round."""
    _require(permissions.can_run_acceptance(actor, locked(project)))
    verdict = _verdict(verdict)
    reason = _text("reason", reason, required=_("请填写验收结论的理由。"))
    experts = project.round_experts
    if not experts:
        raise NotReady(_("请先邀请验收专家。"))
    if any(not e.has_given for e in experts):
        raise NotReady(_("尚有专家未出具验收意见。"))
    project.state = PROJECTS.ensure_transition(project, verdict.value)
    now = clock.now()
    result = AcceptanceResult(project=project, round=project.acceptance_round, verdict=verdict, reason=reason,
                              recorded_at=now, recorded_by_id=actor.id)
    db.session.add(result)
    project.result_at, project.result_reason, project.updated_at = now, reason, now
    db.session.flush()
    audit.record(actor, "project.acceptance." + verdict.value, project, round=project.acceptance_round,
                 reason=reason)
    notify(organization_users(project.organization_id), "acceptance_result",
           _("验收结果：%(verdict)s — %(title)s", verdict=verdict.label, title=project.title), reason[:200],
           _winner_page(project))
    return result


# --- the public case (场景创新成果) --------------------------------------------------------------------

def update_case(project: Project, actor, *, summary: str, results: str, product_ids=(), capability_ids=()
                ) -> Project:
    """Write the public case: summary, measured results, and the winner's own public products and capabilities."""
    _require(permissions.can_edit_case(actor, project))
    summary = _text("summary", summary, required=_("请填写成果简介。"))
    results = _text("results", results)
    product_ids = sorted({int(i) for i in product_ids or []})
    capability_ids = sorted({int(i) for i in capability_ids or []})
    products = list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)))) if product_ids else []
    if len(products) != len(product_ids) or any(
            p.organization_id != project.organization_id or p.state != ProductState.APPROVED for p in products):
        raise ProjectInputError("product_ids", _("只能关联本单位已公开的产品。"))
    capabilities = (list(db.session.scalars(select(Capability).where(Capability.id.in_(capability_ids))))
                    if capability_ids else [])
    if len(capabilities) != len(capability_ids) or any(
            c.organization_id != project.organization_id or c.state != CapabilityState.APPROVED
            for c in capabilities):
        raise ProjectInputError("capability_ids", _("只能关联本单位已公开的场景能力。"))
    project.case_summary, project.case_results = summary, results
    project.products, project.capabilities = products, capabilities
    project.updated_at = clock.now()
    audit.record(actor, "project.case.update", project, products=product_ids, capabilities=capability_ids)
    db.session.flush()
    return project


def add_picture(project: Project, actor, upload, caption: str = "") -> CasePicture:
    """Add a picture to the case: a PNG or JPG checked by its content (portal/uploads)."""
    _require(permissions.can_edit_case(actor, project))
    if upload is None:
        raise ProjectInputError("picture", _("请选择图片。"))
    if upload.kind not in IMAGE_KINDS:
        raise ProjectInputError("picture", _("成果图片只能是 PNG 或 JPG 图片。"))
    if len(project.pictures) >= MAX_PICTURES:
        raise ProjectInputError("picture", _("最多 %(n)d 张图片。", n=MAX_PICTURES))
    caption = _text("caption", caption, limit=TITLE_MAX)
    picture = CasePicture(project=project, stored_name=upload.stored_name, display_name=upload.display_name,
                          mimetype=upload.mimetype, size=upload.size, sha256=upload.sha256, caption=caption)
    db.session.add(picture)
    db.session.flush()
    audit.record(actor, "project.case.picture", picture, project=project.id, sha256=upload.sha256)
    return picture


def remove_picture(picture: CasePicture, actor) -> None:
    """Take a picture out of the case (the sweep removes the file once no row names it)."""
    _require(permissions.can_edit_case(actor, picture.project))
    audit.record(actor, "project.case.picture.remove", picture, project=picture.project_id)
    db.session.delete(picture)
    db.session.flush()


def case_choices(project: Project) -> tuple[list[Product], list[Capability]]:
    """The winner's public products and capabilities a case may link."""
    products = db.session.scalars(select(Product).where(Product.organization_id == project.organization_id,
                                                        Product.state == ProductState.APPROVED)
                                  .order_by(Product.id)).all()
    capabilities = db.session.scalars(select(Capability).where(
        Capability.organization_id == project.organization_id, Capability.state == CapabilityState.APPROVED)
        .order_by(Capability.id)).all()
    return list(products), list(capabilities)
