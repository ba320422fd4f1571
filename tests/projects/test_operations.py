"""The rules of each step: bad input refused with a message naming the field, conflicts of interest for experts,
uploads checked by content, reminders sent once, every change audited."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit import AuditRecord
from portal.errors import Conflict, DomainError, NotReady
from portal.extensions import db
from portal.notifications.models import Notification
from portal.projects import operations, reminders
from portal.projects.models import MilestoneReminder
from portal.projects.operations import ProjectInputError
from portal.reviews import conflicts
from portal.uploads.kinds import UploadRejected
from portal.util import clock
from tests.catalogue.conftest import PNG, stored
from tests.factories import MINIMAL_PDF
from tests.projects import helpers

# Check constraints, the unique keys and the row locks hold on both databases.
pytestmark = pytest.mark.both_databases


def _draft(project, people):
    return operations.draft_plan(project, people.department)


@pytest.mark.parametrize(("values", "field"), [
    ({"title": "", "due_on": 30, "deliverables": "报告"}, "title"),
    ({"title": "  ", "due_on": 30, "deliverables": "报告"}, "title"),
    ({"title": "长" * 201, "due_on": 30, "deliverables": "报告"}, "title"),
    ({"title": "部署", "due_on": None, "deliverables": "报告"}, "due_on"),
    ({"title": "部署", "due_on": "2026-01-01", "deliverables": "报告"}, "due_on"),
    ({"title": "部署", "due_on": -1, "deliverables": "报告"}, "due_on"),
    ({"title": "部署", "due_on": 365 * 11, "deliverables": "报告"}, "due_on"),
    ({"title": "部署", "due_on": 30, "deliverables": ""}, "deliverables"),
])
def test_a_bad_milestone_is_refused_naming_its_field(project, people, values, field):
    plan = _draft(project, people)
    due = values["due_on"]
    if isinstance(due, int):
        due = clock.local_today() + timedelta(days=due)
    with pytest.raises(ProjectInputError) as refused:
        operations.add_milestone(plan, people.department, title=values["title"], due_on=due,
                                 deliverables=values["deliverables"])
    assert refused.value.field == field and refused.value.message


def test_an_empty_plan_cannot_be_sent(project, people):
    with pytest.raises(NotReady):
        operations.propose_plan(_draft(project, people), people.department)


def test_returning_a_plan_needs_a_comment(project, people):
    plan = _draft(project, people)
    operations.add_milestone(plan, people.department, title="部署", deliverables="报告",
                             due_on=clock.local_today() + timedelta(days=5))
    operations.propose_plan(plan, people.department)
    with pytest.raises(ProjectInputError):
        operations.return_plan(plan, people.winner, "   ")


def test_an_agreed_plan_is_fixed(project, people):
    plan = helpers.agreed_plan(project, people.winner)
    with pytest.raises(DomainError):
        operations.add_milestone(plan, people.department, title="追加", deliverables="报告",
                                 due_on=clock.local_today() + timedelta(days=5))
    with pytest.raises(DomainError):
        operations.remove_milestone(plan.milestones[0], people.department)


def test_only_one_open_version_at_a_time(project, people):
    helpers.agreed_plan(project, people.winner)
    _draft(project, people)
    with pytest.raises(DomainError):
        _draft(project, people)


def test_a_milestone_is_marked_once_with_a_known_outcome(project, people):
    helpers.agreed_plan(project, people.winner)
    milestone = project.milestones[0]
    with pytest.raises(ProjectInputError):
        operations.mark_milestone(milestone, people.department, "done")
    operations.mark_milestone(milestone, people.department, "late", "延迟一周")
    with pytest.raises(DomainError):
        operations.mark_milestone(milestone, people.department, "met")


def test_acceptance_waits_for_every_milestone(project, people):
    helpers.agreed_plan(project, people.winner)
    operations.mark_milestone(project.milestones[0], people.department, "met")
    with pytest.raises(DomainError):
        operations.open_acceptance(project, people.department)


def test_a_report_without_text_or_with_a_foreign_milestone_is_refused(project, people):
    helpers.agreed_plan(project, people.winner)
    with pytest.raises(ProjectInputError):
        operations.file_report(project, people.winner, text="  ")
    with pytest.raises(ProjectInputError) as refused:
        operations.file_report(project, people.winner, text="进展", milestone_id=10**6)
    assert refused.value.field == "milestone_id"


def test_an_expert_with_a_conflict_is_refused_with_the_reason(project, people):
    winner_org = people.winner.organization
    conflicts.save_employer(people.expert, people.expert, employer=winner_org.name, uscc=winner_org.uscc)
    helpers.agreed_plan(project, people.winner)
    helpers.all_met(project)
    operations.open_acceptance(project, people.department)
    with pytest.raises(Conflict) as refused:
        operations.invite_expert(project, people.department, people.expert.id)
    assert "回避" in refused.value.message
    operations.invite_expert(project, people.department, people.other_reviewer.id)


def test_only_reviewers_are_invited_and_each_once(project, people):
    helpers.in_acceptance(project, people.winner, [people.expert])
    for who in (people.winner.id, people.admin.id, None, "1", 10**6):
        with pytest.raises(ProjectInputError):
            operations.invite_expert(project, people.department, who)
    with pytest.raises(Conflict):
        operations.invite_expert(project, people.department, people.expert.id)


def test_the_result_waits_for_every_opinion_and_needs_a_reason(project, people):
    [invitation] = helpers.in_acceptance(project, people.winner, [people.expert])
    with pytest.raises(NotReady):
        operations.record_result(project, people.department, verdict="pass", reason="通过")
    with pytest.raises(ProjectInputError):
        operations.give_opinion(invitation, people.expert, verdict="maybe", opinion="意见")
    with pytest.raises(ProjectInputError):
        operations.give_opinion(invitation, people.expert, verdict="pass", opinion="")
    operations.give_opinion(invitation, people.expert, verdict="pass", opinion="同意通过。")
    with pytest.raises(DomainError):
        operations.give_opinion(invitation, people.expert, verdict="fail", opinion="改主意了。")
    with pytest.raises(ProjectInputError):
        operations.record_result(project, people.department, verdict="pass", reason=" ")
    with pytest.raises(ProjectInputError):
        operations.record_result(project, people.department, verdict="", reason="通过")


def test_report_attachments_and_pictures_are_refused_by_content(project, people):
    with pytest.raises(UploadRejected):
        stored(b"MZ" + b"\x00" * 100, "进展.pdf")
    with pytest.raises(UploadRejected):
        stored(b"<html><script>alert(1)</script></html>", "现场.png")
    helpers.concluded(project, people.winner, [people.expert])
    # A PDF is a good attachment but no picture.
    with pytest.raises(ProjectInputError) as refused:
        operations.add_picture(project, people.winner, stored(MINIMAL_PDF, "现场.pdf"))
    assert refused.value.field == "picture"
    picture = operations.add_picture(project, people.winner, stored(PNG, "现场.png"), "巡检车")
    assert picture.mimetype == "image/png"


def test_a_case_links_only_the_winners_public_products_and_capabilities(project, people, create_user):
    from portal.catalogue.models import Product

    helpers.concluded(project, people.winner, [people.expert])
    foreign = db.session.scalar(select(Product).limit(1))
    with pytest.raises(ProjectInputError):
        operations.update_case(project, people.winner, summary="简介", results="",
                               product_ids=[foreign.id if foreign else 10**6])
    with pytest.raises(ProjectInputError):
        operations.update_case(project, people.winner, summary="简介", results="", capability_ids=[10**6])
    with pytest.raises(ProjectInputError):
        operations.update_case(project, people.winner, summary="", results="")


def test_milestone_reminders_go_once_before_each_due_date(project, people):
    helpers.agreed_plan(project, people.winner, milestones=(("部署上线", 7), ("试运行", 60)))
    now = clock.now()
    assert reminders.send_reminders(now) == 1  # seven days before the first
    assert reminders.send_reminders(now) == 0
    assert reminders.send_reminders(now + timedelta(hours=3)) == 0
    assert reminders.send_reminders(now + timedelta(days=6)) == 1  # the day before
    assert reminders.send_reminders(now + timedelta(days=6, hours=1)) == 0
    db.session.commit()
    rows = db.session.scalars(select(MilestoneReminder).order_by(MilestoneReminder.id)).all()
    assert [(r.title, r.days_before) for r in rows] == [("部署上线", 7), ("部署上线", 1)]
    sent = db.session.scalars(select(Notification).where(Notification.kind == "milestone_reminder",
                                                         Notification.user_id == people.winner.id)).all()
    assert len(sent) == 2


def test_a_marked_milestone_is_not_reminded(project, people):
    helpers.agreed_plan(project, people.winner, milestones=(("部署上线", 1),))
    operations.mark_milestone(project.milestones[0], people.department, "met")
    assert reminders.send_reminders() == 0


def test_a_new_version_does_not_remind_again(project, people):
    helpers.agreed_plan(project, people.winner, milestones=(("部署上线", 1),))
    assert reminders.send_reminders() == 1
    plan = operations.draft_plan(project, people.department)
    operations.propose_plan(plan, people.department)
    operations.agree_plan(plan, people.winner)
    assert reminders.send_reminders() == 0


def test_every_transition_is_audited(project, people):
    helpers.concluded(project, people.winner, [people.expert])
    db.session.commit()
    actions = set(db.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("project.%"))))
    assert {"project.open", "project.plan.draft", "project.milestone.add", "project.plan.propose",
            "project.plan.agree", "project.milestone.met", "project.acceptance.open", "project.expert.invite",
            "project.expert.opinion", "project.acceptance.pass"} <= actions


def test_a_case_links_the_winners_public_capability(project, people):
    from portal.capabilities import operations as capability_ops
    from tests.access.capabilities import capability_fields

    helpers.concluded(project, people.winner, [people.expert])
    capability = capability_ops.create_capability(people.winner, **capability_fields())
    with pytest.raises(ProjectInputError):  # not public yet
        operations.update_case(project, people.winner, summary="简介", results="", capability_ids=[capability.id])
    capability_ops.submit_capability(capability, people.winner)
    capability_ops.approve_capability(capability, people.admin)
    operations.update_case(project, people.winner, summary="简介", results="", capability_ids=[capability.id])
    assert project.public_capabilities == [capability]
    capability_ops.withdraw_capability(capability, people.winner)
    assert project.public_capabilities == []  # a withdrawn capability leaves the public case
