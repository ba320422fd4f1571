"""Deadline reminders: once per unsubmitted draft and member, only in the last 24 hours before the deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.notifications.models import Notification
from portal.notifications.reminders import send_deadline_reminders
from portal.proposals.models import Proposal, ProposalState
from portal.util import clock


@pytest.fixture
def make_proposal(db):
    """A proposal row as the proposals domain would leave it (built directly: only its state matters here)."""

    def make(scenario, user, state=ProposalState.DRAFT, versions=0):
        now = clock.now()
        proposal = Proposal(scenario=scenario, organization=user.organization, created_by=user, state=state,
                            version_count=versions, created_at=now, updated_at=now,
                            submitted_at=now if state == ProposalState.SUBMITTED else None,
                            withdrawn_at=now if state == ProposalState.WITHDRAWN else None)
        db.session.add(proposal)
        db.session.commit()
        return proposal

    return make


@pytest.fixture
def enterprise(create_user, create_org):
    """An enterprise with two active members and one deactivated."""
    org = create_org()
    first = create_user(Role.ENTERPRISE, org=org)
    second = create_user(Role.ENTERPRISE, org=org)
    create_user(Role.ENTERPRISE, org=org, active=False)
    return first, second


def reminders(db):
    return db.session.scalars(select(Notification).where(Notification.kind == "deadline_reminder")
                              .order_by(Notification.user_id)).all()


def test_each_active_member_is_reminded_once_of_a_draft_due_within_24_hours(db, frozen_now, create_scenario,
                                                                            make_proposal, enterprise):
    scenario = create_scenario(state="published", title="城市道路病害智能巡检",
                               deadline=clock.now() + timedelta(hours=12))
    make_proposal(scenario, enterprise[0])

    assert send_deadline_reminders() == 2
    db.session.commit()
    assert send_deadline_reminders() == 0, "running again (cron every few minutes) sends nothing new"

    sent = reminders(db)
    assert [n.user_id for n in sent] == sorted(u.id for u in enterprise)
    first = sent[0]
    assert first.title == "揭榜截止提醒：城市道路病害智能巡检"
    assert "2026-03-02 22:00" in first.body, "the deadline in Asia/Shanghai (10:00 + 12 h)"
    assert "草稿" in first.body and "尚未提交" in first.body
    assert first.link == f"/scenarios/{scenario.id}"


@pytest.mark.parametrize(("hours", "reminded"), [
    (0.5, True), (24, True), (24 + 1 / 3600, False), (48, False),
])
def test_only_the_last_24_hours_count(db, frozen_now, create_scenario, make_proposal, enterprise, hours, reminded):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=hours))
    make_proposal(scenario, enterprise[0])

    assert send_deadline_reminders() == (2 if reminded else 0)


def test_a_passed_deadline_is_too_late_to_remind(db, frozen_now, create_scenario, make_proposal, enterprise):
    open_scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=1))
    closed_scenario = create_scenario(state="closed")
    make_proposal(open_scenario, enterprise[0])
    make_proposal(closed_scenario, enterprise[0])

    frozen_now.travel(timedelta(hours=1))  # exactly at the deadline: closed

    assert send_deadline_reminders() == 0


def test_submitted_withdrawn_and_cancelled_are_not_reminded(db, frozen_now, create_scenario, make_proposal,
                                                            create_user, enterprise):
    due = clock.now() + timedelta(hours=6)
    submitted = create_scenario(state="published", deadline=due)
    withdrawn = create_scenario(state="published", deadline=due)
    cancelled = create_scenario(state="cancelled", deadline=due)
    make_proposal(submitted, enterprise[0], ProposalState.SUBMITTED, versions=1)
    make_proposal(withdrawn, enterprise[0], ProposalState.WITHDRAWN, versions=1)
    make_proposal(cancelled, enterprise[0])
    # A draft that was submitted once and is being amended is not "never submitted".
    amended = create_scenario(state="published", deadline=due)
    make_proposal(amended, create_user(Role.ENTERPRISE), ProposalState.DRAFT, versions=1)

    assert send_deadline_reminders() == 0


def test_each_draft_is_reminded_separately(db, frozen_now, create_scenario, make_proposal, enterprise, create_user):
    due = clock.now() + timedelta(hours=6)
    first, second = create_scenario(state="published", deadline=due), create_scenario(state="published", deadline=due)
    make_proposal(first, enterprise[0])
    make_proposal(second, enterprise[0])
    make_proposal(first, create_user(Role.ENTERPRISE))

    assert send_deadline_reminders() == 2 + 2 + 1


def test_cli_send_reminders_commits_mails_and_is_safe_to_repeat(app, db, frozen_now, create_scenario, make_proposal,
                                                                enterprise, outbox):
    scenario = create_scenario(state="published", deadline=clock.now() + timedelta(hours=3))
    make_proposal(scenario, enterprise[0])
    runner = app.test_cli_runner()

    first = runner.invoke(args=["send-reminders"])
    second = runner.invoke(args=["send-reminders"])

    assert first.exit_code == 0, first.output
    assert "deadline reminders sent: 2" in first.output and "e-mails sent: 2" in first.output
    assert "deadline reminders sent: 0" in second.output and "e-mails sent: 0" in second.output
    db.session.rollback()
    assert len(reminders(db)) == 2 and all(n.email_status == "sent" for n in reminders(db))
    assert len(list(outbox.glob("*.eml"))) == 2
