"""Every transition × every role, as an invariant: at each state of a project's life, an action succeeds exactly
for the party whose action it is and in the states the lifecycle allows it; everyone else is refused and
nothing changes. The permission predicate (which hides the button) agrees with the operation."""

from datetime import timedelta

import pytest

from portal import permissions
from portal.errors import DomainError
from portal.extensions import db
from portal.projects import operations
from portal.projects.models import PlanState, ProjectState, Verdict
from portal.util import clock

# Check constraints, the unique keys and the row locks hold on both databases.
pytestmark = pytest.mark.both_databases

ROLES = ("winner", "loser", "department", "other_department", "expert", "other_reviewer", "admin")


def _absent(_user):
    raise DomainError("nothing to act on in this state")


def _on(obj, run):
    return run if obj is not None else _absent


def _actions(project, people):
    """action → (predicate, run); run(user) performs the action on the project's current objects."""
    plan = project.open_plan or project.agreed_plan
    pending = next((m for m in project.milestones if not m.is_marked), None)
    invitation = next((e for e in project.round_experts if e.reviewer_id == people.expert.id), None)
    soon = clock.local_today() + timedelta(days=10)
    return {
        "draft_plan": (lambda u: permissions.can_draft_plan(u, project),
                       lambda u: operations.draft_plan(project, u)),
        "add_milestone": (lambda u: plan is not None and permissions.can_edit_plan(u, plan),
                          _on(plan, lambda u: operations.add_milestone(plan, u, title="补充里程碑", due_on=soon,
                                                             deliverables="报告"))),
        "propose_plan": (lambda u: plan is not None and permissions.can_propose_plan(u, plan),
                         _on(plan, lambda u: operations.propose_plan(plan, u))),
        "agree_plan": (lambda u: plan is not None and permissions.can_answer_plan(u, plan),
                       _on(plan, lambda u: operations.agree_plan(plan, u))),
        "return_plan": (lambda u: plan is not None and permissions.can_answer_plan(u, plan),
                        _on(plan, lambda u: operations.return_plan(plan, u, "请细化交付物。"))),
        "file_report": (lambda u: permissions.can_report_progress(u, project),
                        lambda u: operations.file_report(project, u, text="本月完成部署。")),
        "mark_milestone": (lambda u: pending is not None and permissions.can_mark_milestone(u, pending),
                           _on(pending, lambda u: operations.mark_milestone(pending, u, "late", "晚两天"))),
        "open_acceptance": (lambda u: permissions.can_open_acceptance(u, project),
                            lambda u: operations.open_acceptance(project, u)),
        "invite_expert": (lambda u: permissions.can_run_acceptance(u, project),
                          lambda u: operations.invite_expert(project, u, people.other_reviewer.id)),
        "give_opinion": (lambda u: invitation is not None and permissions.can_give_opinion(u, invitation),
                         _on(invitation, lambda u: operations.give_opinion(invitation, u, verdict="pass",
                                                                           opinion="达到要求。"))),
        "record_result": (lambda u: permissions.can_record_result(u, project),
                          lambda u: operations.record_result(project, u, verdict="conditional", reason="尚需补充。")),
        "edit_case": (lambda u: permissions.can_edit_case(u, project),
                      lambda u: operations.update_case(project, u, summary="成果简介", results="")),
    }


# state → the (action, role) pairs that succeed there; every other pair is refused.
EXPECTED = {
    "planning, draft": {("add_milestone", "department"), ("propose_plan", "department")},
    "planning, proposed": {("agree_plan", "winner"), ("return_plan", "winner")},
    "planning, returned": {("add_milestone", "department"), ("propose_plan", "department")},
    "in progress": {("draft_plan", "department"), ("file_report", "winner"), ("mark_milestone", "department")},
    "in progress, all marked": {("draft_plan", "department"), ("file_report", "winner"),
                                ("open_acceptance", "department")},
    "acceptance": {("file_report", "winner"), ("invite_expert", "department"), ("give_opinion", "expert"),
                   ("edit_case", "winner")},
    "acceptance, opinions given": {("file_report", "winner"), ("invite_expert", "department"),
                                   ("record_result", "department"), ("edit_case", "winner")},
    "passed": {("edit_case", "winner")},
}


def _check(state, project, people):
    for action, (predicate, run) in _actions(project, people).items():
        for role in ROLES:
            user = getattr(people, role)
            allowed = (action, role) in EXPECTED[state]
            assert predicate(user) == allowed, f"{state}: {action} by {role}"
            before = (project.state, [(p.id, p.state) for p in project.plans])
            # Each state is committed before it is checked: a rollback returns to it after every try.
            try:
                run(user)
                succeeded = True
            except DomainError:
                succeeded = False
            db.session.rollback()
            assert succeeded == allowed, f"{state}: {action} by {role} {'refused' if allowed else 'accepted'}"
            assert (project.state, [(p.id, p.state) for p in project.plans]) == before


def test_every_action_belongs_to_one_party_in_its_states(project, people):
    department, winner = people.department, people.winner
    plan = operations.draft_plan(project, department)
    operations.add_milestone(plan, department, title="部署上线", due_on=clock.local_today() + timedelta(days=30),
                             deliverables="上线报告")
    db.session.commit()
    _check("planning, draft", project, people)
    operations.propose_plan(plan, department)
    db.session.commit()
    _check("planning, proposed", project, people)
    operations.return_plan(plan, winner, "请写明验收指标。")
    db.session.commit()
    _check("planning, returned", project, people)
    operations.propose_plan(plan, department)
    operations.agree_plan(plan, winner)
    db.session.commit()
    assert project.state == ProjectState.IN_PROGRESS
    _check("in progress", project, people)
    operations.mark_milestone(project.milestones[0], department, "met")
    db.session.commit()
    _check("in progress, all marked", project, people)
    operations.open_acceptance(project, department)
    invitation = operations.invite_expert(project, department, people.expert.id)
    db.session.commit()
    _check("acceptance", project, people)
    operations.give_opinion(invitation, people.expert, verdict="pass", opinion="指标达到要求。")
    db.session.commit()
    _check("acceptance, opinions given", project, people)
    operations.record_result(project, department, verdict="pass", reason="专家一致通过。")
    db.session.commit()
    assert project.state == ProjectState.PASSED
    _check("passed", project, people)


@pytest.mark.parametrize(("verdict", "state", "showcased"), [
    ("pass", ProjectState.PASSED, True), ("conditional", ProjectState.CONDITIONAL, True),
    ("fail", ProjectState.FAILED, False), ("extend", ProjectState.IN_PROGRESS, False)])
def test_each_result_leads_to_its_state(project, people, verdict, state, showcased):
    from tests.projects import helpers

    helpers.concluded(project, people.winner, [people.expert], verdict=verdict)
    assert project.state == state and project.is_showcased == showcased
    assert project.last_result.verdict == Verdict(verdict) and project.last_result.reason


def test_an_extended_project_goes_through_a_second_round(project, people):
    from tests.projects import helpers

    helpers.concluded(project, people.winner, [people.expert], verdict="extend")
    department = people.department
    operations.open_acceptance(project, department)
    assert project.acceptance_round == 2 and project.round_experts == []
    # The expert of the first round may be invited again for the second.
    invitation = operations.invite_expert(project, department, people.expert.id)
    operations.give_opinion(invitation, people.expert, verdict="pass", opinion="延期后完成。")
    operations.record_result(project, department, verdict="pass", reason="补充材料后通过。")
    db.session.commit()
    assert [r.verdict for r in project.results] == [Verdict.EXTEND, Verdict.PASSED]


def test_a_new_version_of_the_agreed_plan_replaces_it_only_once_agreed(project, people):
    from tests.projects import helpers

    first = helpers.agreed_plan(project, people.winner)
    operations.mark_milestone(project.milestones[0], people.department, "met")
    second = operations.draft_plan(project, people.department)
    # The milestones are copied with their outcomes; the marked one cannot be removed.
    assert [m.state for m in second.milestones] == [m.state for m in first.milestones]
    with pytest.raises(DomainError):
        operations.remove_milestone(second.milestones[0], people.department)
    operations.remove_milestone(second.milestones[1], people.department)
    operations.add_milestone(second, people.department, title="扩展到全区", deliverables="推广报告",
                             due_on=clock.local_today() + timedelta(days=200))
    operations.propose_plan(second, people.department)
    assert project.agreed_plan is first  # still in force while the change is not agreed
    operations.agree_plan(second, people.winner)
    db.session.commit()
    assert (first.state, second.state) == (PlanState.SUPERSEDED, PlanState.AGREED)
    assert [m.title for m in project.milestones] == ["需求调研与方案设计", "扩展到全区"]
