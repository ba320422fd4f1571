"""Projects after 揭榜成功: 任务书, progress, 验收; the 场景创新成果 showcase.

The parties are the winner's accounts and the owning department; experts invited to 验收 read the project
too. State rules are portal/projects/lifecycle.py's, so a button shows exactly when the operation accepts.
"""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.roles import has_role, is_department, is_reviewer


def is_project_winner(user, project) -> bool:
    return has_role(user, Role.ENTERPRISE) and user.organization_id == project.organization_id


def is_project_department(user, project) -> bool:
    return is_department(user) and user.organization_id == project.department_id


def is_project_party(user, project) -> bool:
    return is_project_winner(user, project) or is_project_department(user, project)


def is_project_expert(user, project) -> bool:
    return is_reviewer(user) and any(e.reviewer_id == user.id for e in project.experts)


def can_view_project(user, project) -> bool:
    return is_project_party(user, project) or is_project_expert(user, project)


def can_draft_plan(user, project) -> bool:
    """A first 任务书, or a new version of the agreed one, while none is open."""
    from portal.projects import lifecycle

    return is_project_department(user, project) and project.state in lifecycle.PLANNABLE and project.open_plan is None


def can_edit_plan(user, plan) -> bool:
    from portal.projects import lifecycle

    return (
        is_project_department(user, plan.project)
        and lifecycle.plan_is_editable(plan)
        and plan.project.state in lifecycle.PLANNABLE
    )


def can_propose_plan(user, plan) -> bool:
    from portal.projects import lifecycle

    return can_edit_plan(user, plan) and lifecycle.PLANS.permits(plan, "propose")


def can_answer_plan(user, plan) -> bool:
    """The winner agrees to a sent 任务书, or returns it with a comment."""
    from portal.projects import lifecycle

    return (
        is_project_winner(user, plan.project)
        and lifecycle.PLANS.permits(plan, "agree")
        and plan.project.state in lifecycle.PLANNABLE
    )


def can_report_progress(user, project) -> bool:
    from portal.projects import lifecycle

    return is_project_winner(user, project) and project.state in lifecycle.REPORTABLE


def can_mark_milestone(user, milestone) -> bool:
    from portal.projects import lifecycle
    from portal.projects.models import PlanState, ProjectState

    project = milestone.plan.project
    return (
        is_project_department(user, project)
        and milestone.plan.state == PlanState.AGREED
        and project.state in (ProjectState.IN_PROGRESS, ProjectState.ACCEPTANCE)
        and lifecycle.MILESTONES.permits(milestone, "met")
    )


def can_open_acceptance(user, project) -> bool:
    """Once every milestone of the 任务书 in force is marked and no new version is pending."""
    from portal.projects import lifecycle

    return (
        is_project_department(user, project)
        and lifecycle.PROJECTS.permits(project, "open_acceptance")
        and project.open_plan is None
        and all(m.is_marked for m in project.milestones)
    )


def can_run_acceptance(user, project) -> bool:
    """Invite experts and record the result, while 验收 is open."""
    from portal.projects.models import ProjectState

    return is_project_department(user, project) and project.state == ProjectState.ACCEPTANCE


def can_record_result(user, project) -> bool:
    """Once every expert invited to this round has given an opinion."""
    experts = project.round_experts
    return can_run_acceptance(user, project) and bool(experts) and all(e.has_given for e in experts)


def can_give_opinion(user, expert) -> bool:
    from portal.projects.models import ProjectState

    project = expert.project
    return (
        is_reviewer(user)
        and expert.reviewer_id == user.id
        and project.state == ProjectState.ACCEPTANCE
        and expert.round == project.acceptance_round
        and not expert.has_given
    )


def can_view_opinions(user, project) -> bool:
    """The department reads every opinion; an expert reads its own (shown on its page)."""
    return is_project_department(user, project)


def can_edit_case(user, project) -> bool:
    """The winner writes the public case (summary, measured results, pictures, links) from 验收 on."""
    from portal.projects.models import ProjectState

    return is_project_winner(user, project) and project.state in (
        ProjectState.ACCEPTANCE,
        ProjectState.PASSED,
        ProjectState.CONDITIONAL,
    )


def can_view_case(user, project) -> bool:
    """场景创新成果: projects that passed 验收 (with or without conditions) are public."""
    return project.is_showcased


def can_view_project_result(user, project) -> bool:
    """A recorded 验收 result is published, whatever it is."""
    return bool(project.results) or can_view_project(user, project)


def can_download_report_attachment(user, attachment) -> bool:
    return can_view_project(user, attachment.report.project)


def load_project_or_404(ident: int, user, need: Callable = can_view_project):
    from portal.projects.models import Project

    return load_or_404(Project, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    is_project_winner,
    is_project_department,
    is_project_party,
    is_project_expert,
    can_view_project,
    can_draft_plan,
    can_edit_plan,
    can_propose_plan,
    can_answer_plan,
    can_report_progress,
    can_mark_milestone,
    can_open_acceptance,
    can_run_acceptance,
    can_record_result,
    can_give_opinion,
    can_view_opinions,
    can_edit_case,
    can_view_case,
    can_view_project_result,
)
