"""Projects reached through the domain operations: a final result, an agreed 任务书, a round of 验收."""

from datetime import timedelta

from portal.extensions import db
from portal.projects import operations
from portal.projects.models import Project
from portal.util import clock
from tests.announcements.helpers import announced, decided
from tests.reviews import helpers as review_helpers
from tests.reviews.helpers import department_of


def final_result(create_scenario, submit_proposal, winner, others, reviewers, batch=None, title="道路病害智能识别"):
    """A scenario whose 公示 ended yesterday with nothing open: `winner` 揭榜成功 (by server time, no event)."""
    scenario, _versions = review_helpers.closed_scenario(create_scenario, submit_proposal, [winner, *others],
                                                         batch=batch, title=title)
    totals = [[90] * len(reviewers)] + [[70] * len(reviewers) for _ in others]
    proposals = review_helpers.fully_reviewed(scenario, reviewers, totals)
    won = next(p for p in proposals if p.organization_id == winner.organization_id)
    decided(scenario, [won])
    decision = announced(scenario)
    decision.starts_at, decision.ends_at = clock.now() - timedelta(days=6), clock.now() - timedelta(days=1)
    db.session.commit()
    return scenario, won


def project_of(proposal) -> Project:
    operations.open_projects()
    db.session.commit()
    return db.session.scalar(db.select(Project).where(Project.proposal_id == proposal.id))


def agreed_plan(project, winner, milestones=(("需求调研与方案设计", 30), ("系统部署与试运行", 90))):
    department = department_of(project.scenario)
    plan = operations.draft_plan(project, department)
    for title, days in milestones:
        operations.add_milestone(plan, department, title=title, due_on=clock.local_today() + timedelta(days=days),
                                 deliverables=f"{title}报告")
    operations.propose_plan(plan, department)
    operations.agree_plan(plan, winner)
    db.session.commit()
    return plan


def all_met(project):
    department = department_of(project.scenario)
    for milestone in project.milestones:
        operations.mark_milestone(milestone, department, "met")
    db.session.commit()


def in_acceptance(project, winner, experts):
    """An agreed 任务书, every milestone met, 验收 open, `experts` invited."""
    department = department_of(project.scenario)
    if project.agreed_plan is None:
        agreed_plan(project, winner)
    if any(not m.is_marked for m in project.milestones):
        all_met(project)
    operations.open_acceptance(project, department)
    invited = [operations.invite_expert(project, department, e.id) for e in experts]
    db.session.commit()
    return invited


def concluded(project, winner, experts, verdict="pass"):
    invited = in_acceptance(project, winner, experts)
    for invitation, expert in zip(invited, experts, strict=True):
        operations.give_opinion(invitation, expert, verdict=verdict, opinion="交付物齐全，指标达到任务书要求。")
    operations.record_result(project, department_of(project.scenario), verdict=verdict,
                             reason="专家一致认为达到验收要求。")
    db.session.commit()
    return invited
