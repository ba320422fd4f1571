"""变更公告 rules: who may amend and when, the reason, the days that must remain before the deadline, the
bidders' confirmation after a change of the requirements, and that an unconfirmed proposal is not reviewed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import permissions
from portal.accounts.models import Role
from portal.amendments import operations, policy, queries
from portal.amendments.models import ScenarioAmendment
from portal.errors import DeadlinePassed, DomainError, InvalidInput, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db
from portal.notifications.models import Notification
from portal.proposals import operations as proposal_operations
from portal.proposals.models import Proposal
from portal.reviews import queries as review_queries
from portal.scenarios import operations as scenario_operations
from portal.util import clock

pytestmark = pytest.mark.both_databases  # the waiting proposals are found in SQL (queries.awaiting_confirmation_clause)

NEW_REQUIREMENTS = "1. 识别准确率不低于98%\n2. 支持车载部署\n3. 提供离线模式"


# --- who may amend, in which state ------------------------------------------------------------------

STATES = ["draft", "published", "closed", "cancelled"]
ROLES = ["department", "other_department", "enterprise", "reviewer", "admin", "anonymous"]


@pytest.fixture
def people(create_user, department):
    return {"department": department, "other_department": create_user(Role.GOVERNMENT),
            "enterprise": create_user(Role.ENTERPRISE), "reviewer": create_user(Role.REVIEWER),
            "admin": create_user(Role.ADMIN), "anonymous": None}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_department_amends_and_only_while_the_call_is_open(create_scenario, open_scenario, people,
                                                                          frozen_now, state, role):
    scenario = create_scenario(open_scenario.batch, state=state)
    allowed = role == "department" and state == "published"
    assert permissions.can_amend_scenario(people[role], scenario) is allowed
    if people[role] is None:
        return
    try:
        operations.amend_scenario(scenario, people[role], reason="调整", requirements=NEW_REQUIREMENTS,
                                  budget=scenario.budget, deadline=scenario.deadline)
    except (PermissionDenied, InvalidTransition) as error:
        assert not allowed, error.message
        db.session.rollback()
        assert db.session.scalar(select(ScenarioAmendment).where(ScenarioAmendment.scenario_id == scenario.id)) is None
    else:
        assert allowed


def test_a_call_past_its_deadline_is_not_amended_even_before_the_row_says_closed(open_scenario, amend, frozen_now):
    frozen_now.travel(timedelta(days=11))
    with pytest.raises(InvalidTransition):
        amend(open_scenario, requirements=NEW_REQUIREMENTS)


def test_the_reason_is_required(open_scenario, amend):
    with pytest.raises(NotReady) as refused:
        amend(open_scenario, reason="  ", requirements=NEW_REQUIREMENTS)
    assert refused.value.field == "reason"


def test_an_amendment_that_changes_nothing_is_refused(open_scenario, amend):
    with pytest.raises(NotReady, match="没有任何变更"):
        amend(open_scenario)


def test_each_change_is_a_numbered_version_with_old_and_new_values(open_scenario, amend):
    old_html = open_scenario.requirements_html
    first = amend(open_scenario, requirements=NEW_REQUIREMENTS)
    second = amend(open_scenario, budget=Decimal("150"), reason="预算追加")
    assert (first.number, second.number) == (1, 2)
    assert first.changes["requirements"]["old"] == old_html
    assert "98%" in first.changes["requirements"]["new"] and "98%" in open_scenario.requirements_html
    assert first.requirements_changed and not second.requirements_changed
    assert second.changes == {"budget": {"old": "120.00", "new": "150.00"}}
    assert open_scenario.budget == Decimal("150.00")
    assert [a.number for a in queries.amendments_of(open_scenario.id)] == [1, 2]


# --- the days that must remain before the deadline (default 5) ---------------------------------------

def test_far_from_the_deadline_a_change_keeps_the_deadline(open_scenario, amend):
    deadline = open_scenario.deadline
    amendment = amend(open_scenario, requirements=NEW_REQUIREMENTS)
    assert open_scenario.deadline == deadline and not amendment.deadline_moved


def test_exactly_five_days_before_the_deadline_no_extension_is_needed(open_scenario, amend, frozen_now):
    frozen_now.set_now(open_scenario.deadline - timedelta(days=5))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)


def test_less_than_five_days_before_the_deadline_the_change_must_extend_it(open_scenario, amend, frozen_now):
    frozen_now.set_now(open_scenario.deadline - timedelta(days=5) + timedelta(minutes=1))
    with pytest.raises(NotReady, match="不足 5 天") as refused:
        amend(open_scenario, requirements=NEW_REQUIREMENTS)
    assert refused.value.field == "deadline"
    db.session.rollback()
    # Extended, but a minute short of five days: refused; to five days exactly: accepted.
    with pytest.raises(NotReady):
        amend(open_scenario, requirements=NEW_REQUIREMENTS,
              deadline=clock.now() + timedelta(days=5) - timedelta(minutes=1))
    db.session.rollback()
    before = open_scenario.deadline
    amendment = amend(open_scenario, requirements=NEW_REQUIREMENTS, deadline=clock.now() + timedelta(days=5))
    assert open_scenario.deadline == clock.now() + timedelta(days=5)
    assert (amendment.deadline_before, amendment.deadline_after) == (before, open_scenario.deadline)


def test_a_deadline_brought_forward_must_still_leave_five_days(open_scenario, amend):
    with pytest.raises(NotReady, match="提前截止"):
        amend(open_scenario, deadline=clock.now() + timedelta(days=4))
    db.session.rollback()
    amend(open_scenario, deadline=clock.now() + timedelta(days=6))


def test_the_days_are_an_admin_policy(open_scenario, amend, frozen_now, create_user):
    admin = create_user(Role.ADMIN)
    assert policy.min_days() == 5
    with pytest.raises(InvalidInput):
        policy.set_min_days(admin, 0)
    with pytest.raises(PermissionDenied):
        policy.set_min_days(open_scenario.batch.department.users[0], 3)
    assert policy.set_min_days(admin, 3) is True
    db.session.commit()
    frozen_now.set_now(open_scenario.deadline - timedelta(days=4))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)  # four days remain: enough under the new rule


# --- 需确认: a change of the requirements asks the earlier bidders to confirm ----------------------------

def _waiting(scenario_id):
    return db.session.scalars(select(Proposal.id).where(Proposal.scenario_id == scenario_id,
                                                        queries.awaiting_confirmation_clause())).all()


def _agree(proposals):
    """The predicate and its SQL twin say the same of every proposal."""
    ids = {p.id for p in proposals if queries.pending_amendment(p) is not None}
    assert ids == set(_waiting(proposals[0].scenario_id))
    return ids


def test_a_change_of_requirements_flags_earlier_submissions_only(open_scenario, amend, submit_proposal,
                                                                 create_user, frozen_now):
    earlier = submit_proposal(open_scenario, create_user(Role.ENTERPRISE)).proposal
    draft = proposal_operations.open_proposal(open_scenario, create_user(Role.ENTERPRISE))
    withdrawn = submit_proposal(open_scenario, create_user(Role.ENTERPRISE)).proposal
    proposal_operations.withdraw_proposal(withdrawn, withdrawn.created_by)
    db.session.commit()
    frozen_now.travel(timedelta(minutes=5))
    amend(open_scenario, budget=Decimal("200"))  # not the requirements: nobody must confirm
    assert _agree([earlier, draft, withdrawn]) == set()
    frozen_now.travel(timedelta(minutes=5))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    frozen_now.travel(timedelta(minutes=5))
    later = submit_proposal(open_scenario, create_user(Role.ENTERPRISE)).proposal
    assert _agree([earlier, draft, withdrawn, later]) == {earlier.id}


def test_a_change_of_the_call_files_also_asks_for_confirmation(open_scenario, amend, submit_proposal, bidder,
                                                               stored_file, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, files=[stored_file(name="需求说明书.pdf")])
    assert _agree([proposal]) == {proposal.id}


def test_confirming_clears_the_flag_until_the_next_change(open_scenario, amend, submit_proposal, bidder, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    assert permissions.can_confirm_proposal(bidder, proposal)
    operations.confirm_proposal(proposal, bidder)
    db.session.commit()
    assert _agree([proposal]) == set() and not permissions.can_confirm_proposal(bidder, proposal)
    with pytest.raises(DomainError, match="无需确认"):
        operations.confirm_proposal(proposal, bidder)
    db.session.rollback()
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS + "\n4. 新增夜间识别")
    assert _agree([proposal]) == {proposal.id}


def test_amending_and_resubmitting_also_confirms(open_scenario, amend, submit_proposal, bidder, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    frozen_now.travel(timedelta(minutes=1))
    submit_proposal(open_scenario, bidder, price="88")
    assert _agree([proposal]) == set()


def test_only_the_bidder_confirms_and_only_before_the_deadline(open_scenario, amend, submit_proposal, bidder,
                                                               create_user, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    for other in (create_user(Role.ENTERPRISE), open_scenario.batch.department.users[0]):
        assert not permissions.can_confirm_proposal(other, proposal)
        with pytest.raises(PermissionDenied):
            operations.confirm_proposal(proposal, other)
    frozen_now.travel(timedelta(days=11))
    assert not permissions.can_confirm_proposal(bidder, proposal)
    with pytest.raises(DeadlinePassed):
        operations.confirm_proposal(proposal, bidder)


def test_a_proposal_not_confirmed_by_the_deadline_is_not_reviewed(open_scenario, amend, submit_proposal,
                                                                  create_user, frozen_now):
    confirmed, ignored, resubmitted = (submit_proposal(open_scenario, create_user(Role.ENTERPRISE)).proposal
                                       for _ in range(3))
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    operations.confirm_proposal(confirmed, confirmed.created_by)
    db.session.commit()
    frozen_now.travel(timedelta(minutes=1))
    submit_proposal(open_scenario, resubmitted.created_by, price="90")
    frozen_now.travel(timedelta(days=11))
    scenario_operations.close_if_due(open_scenario)
    db.session.commit()
    reviewed = review_queries.reviewed_proposals(open_scenario)
    assert {p.id for p in reviewed} == {confirmed.id, resubmitted.id}
    labels = review_queries.labels_for_scenarios([open_scenario.id])
    assert ignored.id not in labels and set(labels.values()) == {"A", "B"}
    assert review_queries.proposal_labels(reviewed) == labels


# --- everyone concerned is told; the department learns nothing of the bids ---------------------------

def test_bidders_and_followers_are_told_each_of_its_own(open_scenario, amend, submit_proposal, create_user,
                                                        frozen_now, department):
    from portal.follows.operations import set_followed_sectors

    submitter, drafter, follower, stranger = (create_user(Role.ENTERPRISE) for _ in range(4))
    proposal = submit_proposal(open_scenario, submitter).proposal
    proposal_operations.open_proposal(open_scenario, drafter)
    set_followed_sectors(follower, [open_scenario.sector])
    db.session.commit()
    frozen_now.travel(timedelta(minutes=1))
    amendment = amend(open_scenario, requirements=NEW_REQUIREMENTS)
    told = {n.user_id: n for n in db.session.scalars(select(Notification)
                                                     .where(Notification.kind == "scenario_amended"))}
    assert set(told) == {submitter.id, drafter.id, follower.id}
    assert "确认" in told[submitter.id].body and told[submitter.id].link == f"/proposals/{proposal.id}"
    assert "确认" not in told[drafter.id].body and "确认" not in told[follower.id].body
    assert amendment.reason in told[follower.id].body
    assert stranger.id not in told and department.id not in told


def test_the_amendment_record_names_no_bidder_and_counts_none(open_scenario, amend, submit_proposal, bidder,
                                                              frozen_now):
    from portal.audit.models import AuditRecord

    submit_proposal(open_scenario, bidder)
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements=NEW_REQUIREMENTS)
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "scenario.amend")).one()
    text = str(record.details)
    assert bidder.organization.name not in text and "proposal" not in text
