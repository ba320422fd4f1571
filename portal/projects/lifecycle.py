"""The three state machines of a project, as tables.

Project: planning → in_progress (the first 任务书 agreed) → acceptance (验收 opened) → passed / conditional /
failed, or back to in_progress (延期). A 任务书 version: draft → proposed → agreed, or returned → proposed again;
an agreed version is superseded when a later one is agreed. A milestone: pending → met or late.
"""

from portal.projects.models import MilestoneState as M
from portal.projects.models import PlanState as P
from portal.projects.models import ProjectState as S
from portal.projects.models import Verdict
from portal.util.state_machine import StateMachine

PROJECT_TRANSITIONS = {
    (S.PLANNING, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "open_acceptance"): S.ACCEPTANCE,
    (S.ACCEPTANCE, Verdict.PASSED.value): S.PASSED,
    (S.ACCEPTANCE, Verdict.CONDITIONAL.value): S.CONDITIONAL,
    (S.ACCEPTANCE, Verdict.FAIL.value): S.FAILED,
    (S.ACCEPTANCE, Verdict.EXTEND.value): S.IN_PROGRESS,
}
PLAN_TRANSITIONS = {
    (P.DRAFT, "propose"): P.PROPOSED,
    (P.RETURNED, "propose"): P.PROPOSED,
    (P.PROPOSED, "agree"): P.AGREED,
    (P.PROPOSED, "return"): P.RETURNED,
    (P.AGREED, "supersede"): P.SUPERSEDED,
}
MILESTONE_TRANSITIONS = {
    (M.PENDING, "met"): M.MET,
    (M.PENDING, "late"): M.LATE,
}

PROJECTS = StateMachine(PROJECT_TRANSITIONS)
PLANS = StateMachine(PLAN_TRANSITIONS)
MILESTONES = StateMachine(MILESTONE_TRANSITIONS)

# The department edits the milestones of a version it has not sent, or that came back.
EDITABLE_PLAN = frozenset({P.DRAFT, P.RETURNED})
# A 任务书 may be drafted (first or a new version) while the project is not yet concluded or under 验收.
PLANNABLE = frozenset({S.PLANNING, S.IN_PROGRESS})
# Progress is reported while the work runs, and during 验收 (the experts read it).
REPORTABLE = frozenset({S.IN_PROGRESS, S.ACCEPTANCE})


def plan_is_editable(plan) -> bool:
    return plan.state in EDITABLE_PLAN
