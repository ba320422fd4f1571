"""Objection outcomes: each answer states 成立 / 部分成立 / 不成立 with its reason; an upheld objection reopens the
result (back to the review or to a new decision), the old 公示 stays on record, a new 公示 follows, and only a
公示 with nothing pending ends in 揭榜成功."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.announcements import operations as ops
from portal.announcements.models import Consequence, Objection, Outcome, PastDecision
from portal.audit import AuditRecord
from portal.errors import Conflict, DomainError, InvalidTransition, NotReady, PermissionDenied
from portal.notifications.models import Notification
from portal.reviews.models import ReviewState
from portal.scenarios import lifecycle
from portal.scenarios.models import Scenario, ScenarioState
from tests.announcements.helpers import announced, decided
from tests.reviews.helpers import fully_reviewed, review_of, score, split

pytestmark = pytest.mark.both_databases  # the settled clause by round, objections kept past their decision

S = ScenarioState


@pytest.fixture
def in_announcement(closed, reviewers, proposals):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    announced(closed)
    return closed


@pytest.fixture
def objector(bidders):
    return bidders[1]  # a losing bidder


def _object(db, scenario, user, text="评分有失公允，请复核。"):
    objection = ops.file_objection(scenario, user, text=text)
    db.session.commit()
    return objection


def _final_ids(db):
    return set(db.session.scalars(select(Scenario.id).where(Scenario.status_clause(S.FINAL))))


# --- The lifecycle table ------------------------------------------------------------------------------

@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", [c.value for c in Consequence])
def test_only_a_scenario_in_announcement_can_be_reopened_and_it_goes_back_to_review(state, action):
    expected = S.UNDER_REVIEW if state == S.ANNOUNCED else None
    assert lifecycle.target_state(state, action) == expected
    assert (action in lifecycle.allowed_actions(state)) is (state == S.ANNOUNCED)


# --- Every outcome × consequence, answered by every role ----------------------------------------------

ROLES = ["owner", "other_department", "objector", "reviewer", "admin"]


def _actor(role, department, objector, create_user, reviewers):
    return {"owner": department, "objector": objector, "reviewer": reviewers[0],
            "other_department": create_user(Role.GOVERNMENT), "admin": create_user(Role.ADMIN)}[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("consequence", [None, *Consequence])
def test_every_outcome_and_consequence_by_every_role(db, in_announcement, department, objector, create_user,
                                                      reviewers, role, outcome, consequence):
    objection = _object(db, in_announcement, objector)
    actor = _actor(role, department, objector, create_user, reviewers)
    answer = lambda: ops.answer_objection(objection, actor, "经复核，理由如下。", outcome=outcome,  # noqa: E731
                                          consequence=consequence)
    if role != "owner":
        with pytest.raises(PermissionDenied):
            answer()
        db.session.rollback()
        assert db.session.get(Objection, objection.id).answered_at is None
        return
    if outcome.reopens and consequence is None:
        with pytest.raises(NotReady, match="退回评审或重新定榜"):
            answer()
        db.session.rollback()
        assert in_announcement.status == S.ANNOUNCED
        return
    answer()
    db.session.commit()
    db.session.refresh(in_announcement)
    stored = db.session.get(Objection, objection.id)
    assert stored.outcome == outcome and stored.answer == "经复核，理由如下。"
    if outcome.reopens:
        assert stored.consequence == consequence
        assert in_announcement.state == S.UNDER_REVIEW and in_announcement.decision is None
        past = db.session.scalar(select(PastDecision))
        assert past.round == 1 and past.objection_id == objection.id and past.consequence == consequence
        assert [o.id for o in past.objections] == [objection.id]  # the objection stays on record
        submitted = {r.state for r in in_announcement_reviews(db, in_announcement)}
        assert submitted == ({ReviewState.IN_PROGRESS} if consequence == Consequence.REVIEW
                             else {ReviewState.SUBMITTED})
    else:
        # 不成立: no consequence is recorded, the 公示 runs on.
        assert stored.consequence is None and in_announcement.status == S.ANNOUNCED
        assert db.session.scalar(select(PastDecision)) is None


def in_announcement_reviews(db, scenario):
    from portal.reviews.models import Review

    return db.session.scalars(select(Review).where(Review.scenario_id == scenario.id)).all()


def test_an_answer_needs_a_finding_and_a_reason_and_is_given_once(db, in_announcement, department, objector):
    objection = _object(db, in_announcement, objector)
    with pytest.raises(NotReady, match="是否成立"):
        ops.answer_objection(objection, department, "理由")
    with pytest.raises(NotReady, match="处理结果"):
        ops.answer_objection(objection, department, "理由", outcome="maybe")
    with pytest.raises(NotReady, match="答复内容"):
        ops.answer_objection(objection, department, "  ", outcome=Outcome.REJECTED)
    db.session.rollback()
    ops.answer_objection(objection, department, "评分依据充分。", outcome=Outcome.REJECTED)
    db.session.commit()
    with pytest.raises(Conflict):
        ops.answer_objection(objection, department, "再答一次", outcome=Outcome.UPHELD,
                             consequence=Consequence.DECISION)


def test_the_answer_form_keeps_what_was_typed_when_refused(client, login_as, db, in_announcement, department,
                                                            objector):
    objection = _object(db, in_announcement, objector)
    login_as(department)
    page = client.post(f"/manage/objections/{objection.id}", data={"answer": "部分评分偏低属实。",
                                                                    "outcome": "partly_upheld"})
    assert page.status_code == 200 and "退回评审或重新定榜" in page.text and "部分评分偏低属实。" in page.text
    assert in_announcement.status == S.ANNOUNCED


# --- The upheld path to a new 公示 ending in 揭榜成功 ---------------------------------------------------

def test_an_upheld_objection_leads_to_a_new_decision_and_a_new_announcement_ending_in_success(
        client, login_as, db, frozen_now, in_announcement, department, objector, proposals, bidders):
    first = in_announcement.decision
    objection = _object(db, in_announcement, objector, text="第一名的报价超出预算上限。")
    login_as(department)
    response = client.post(f"/manage/objections/{objection.id}", data={
        "answer": "经核实报价确实超出预算，异议成立。", "outcome": "upheld", "consequence": "reopen_decision"})
    assert response.status_code == 302
    db.session.expire_all()
    scenario = db.session.get(Scenario, in_announcement.id)
    assert scenario.status == S.UNDER_REVIEW and scenario.decision is None
    # Nobody can object to, nor finalize, a 公示 that no longer runs; the old one is on the public page.
    client.post("/logout")
    page = client.get(f"/scenarios/{scenario.id}/announcement")
    assert page.status_code == 200 and "历次公示" in page.text and "已终止" in page.text
    assert proposals[0].organization.name in page.text and "第一名的报价超出预算上限" not in page.text
    assert scenario.id not in _final_ids(db)
    # A new decision (round 2) and its 公示.
    decided(scenario, proposals[1:2], rationale="原第一名报价超出预算，改由第二名揭榜。")
    assert scenario.decision.round == 2
    second = announced(scenario)
    assert second.ends_at > first.ends_at - timedelta(seconds=1)
    frozen_now.set_now(second.ends_at - timedelta(seconds=1))
    assert scenario.status == S.ANNOUNCED and scenario.id not in _final_ids(db)
    frozen_now.set_now(second.ends_at)
    db.session.expire_all()
    scenario = db.session.get(Scenario, in_announcement.id)
    assert scenario.status == S.FINAL and scenario.id in _final_ids(db)
    # The results name the new winner; the history keeps the first.
    results = client.get("/results").text
    assert scenario.title in results and proposals[1].organization.name in results
    login_as(objector)
    page = client.get(f"/scenarios/{scenario.id}/announcement").text
    assert "第一名的报价超出预算上限" in page and "成立" in page and "第 1 次公示" in page
    actions = [r.action for r in db.session.scalars(select(AuditRecord).where(
        AuditRecord.object_type == "Scenario", AuditRecord.object_id == scenario.id).order_by(AuditRecord.id))]
    assert actions[-5:] == ["scenario.decide", "scenario.announce", "scenario.reopen_decision", "scenario.decide",
                            "scenario.announce"]
    # Told at every step: the objector of its answer; every bidder of the reopening and of the new 公示.
    kinds = lambda user: [n.kind for n in db.session.scalars(select(Notification).where(  # noqa: E731
        Notification.user_id == user.id).order_by(Notification.id))]
    assert kinds(objector)[-3:] == ["objection_answered", "result_reopened", "result_announced"]
    for bidder in bidders:
        assert kinds(bidder)[-2:] == ["result_reopened", "result_announced"]


def test_back_to_review_returns_every_score_and_the_decision_waits_for_new_ones(
        db, in_announcement, department, objector, reviewers, proposals):
    objection = _object(db, in_announcement, objector)
    ops.answer_objection(objection, department, "专家对技术指标理解有误。", outcome=Outcome.UPHELD,
                         consequence=Consequence.REVIEW)
    db.session.commit()
    with pytest.raises(NotReady, match="评审尚未完成"):
        ops.decide(in_announcement, department, winner_ids=[proposals[1].id], rationale="重新评审后")
    db.session.rollback()
    for proposal, totals in zip(proposals, [[70, 71, 72], [90, 91, 92], [60, 61, 62]], strict=True):
        for reviewer, total in zip(reviewers[:3], totals, strict=True):
            score(review_of(in_announcement, reviewer, proposal), split(total))
    decided(in_announcement, proposals[1:2])
    assert in_announcement.status == S.DECIDED and in_announcement.decision.round == 2
    reviewer_kinds = {n.kind for n in db.session.scalars(select(Notification).where(
        Notification.user_id == reviewers[0].id))}
    assert "review_reopened" in reviewer_kinds


def test_an_objection_open_after_the_window_can_still_reopen_the_result(db, frozen_now, in_announcement, department,
                                                                      objector):
    objection = _object(db, in_announcement, objector)
    frozen_now.set_now(in_announcement.decision.ends_at + timedelta(days=2))
    assert in_announcement.status == S.ANNOUNCED  # held by the open objection
    ops.answer_objection(objection, department, "成立。", outcome=Outcome.PARTLY_UPHELD,
                         consequence=Consequence.DECISION)
    db.session.commit()
    assert in_announcement.status == S.UNDER_REVIEW and in_announcement.id not in _final_ids(db)


def test_a_pending_objection_of_the_new_announcement_holds_the_result(db, frozen_now, in_announcement, department,
                                                                      objector, bidders, proposals):
    first = _object(db, in_announcement, objector)
    ops.answer_objection(first, department, "成立。", outcome=Outcome.UPHELD, consequence=Consequence.DECISION)
    db.session.commit()
    decided(in_announcement, proposals[1:2])
    second_decision = announced(in_announcement)
    late = _object(db, in_announcement, bidders[0], text="对新结果的异议。")
    assert late.round == 2 and [o.id for o in second_decision.objections] == [late.id]
    frozen_now.set_now(second_decision.ends_at + timedelta(days=1))
    assert in_announcement.status == S.ANNOUNCED and in_announcement.id not in _final_ids(db)
    ops.answer_objection(late, department, "不成立。", outcome=Outcome.REJECTED)
    db.session.commit()
    assert in_announcement.state == S.FINAL and in_announcement.id in _final_ids(db)


def test_an_objection_left_open_from_a_reopened_round_is_answered_for_the_record_only(
        db, in_announcement, department, objector, bidders, proposals):
    first = _object(db, in_announcement, objector)
    other = _object(db, in_announcement, bidders[2], text="另一条异议。")
    ops.answer_objection(first, department, "成立。", outcome=Outcome.UPHELD, consequence=Consequence.DECISION)
    db.session.commit()
    decided(in_announcement, proposals[1:2])
    announced(in_announcement)
    ops.answer_objection(other, department, "已在新公示中处理。", outcome=Outcome.UPHELD,
                         consequence=Consequence.REVIEW)
    db.session.commit()
    assert other.outcome == Outcome.UPHELD and other.consequence is None
    assert in_announcement.status == S.ANNOUNCED and in_announcement.decision.round == 2


@pytest.mark.parametrize("state", [S.UNDER_REVIEW, S.DECIDED, S.FINAL])
def test_no_reopening_outside_the_announcement(db, frozen_now, closed, reviewers, proposals, department, state):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    if state != S.UNDER_REVIEW:
        decided(closed, proposals[:1])
    if state == S.FINAL:
        frozen_now.set_now(announced(closed).ends_at)
    assert closed.status == state
    for action in Consequence:
        with pytest.raises(InvalidTransition):
            lifecycle.ensure_transition(closed, action.value)


def test_an_objection_during_the_new_review_is_refused(db, in_announcement, department, objector, bidders):
    objection = _object(db, in_announcement, objector)
    ops.answer_objection(objection, department, "成立。", outcome=Outcome.UPHELD, consequence=Consequence.REVIEW)
    db.session.commit()
    with pytest.raises(DomainError, match="不在公示期内"):
        ops.file_objection(in_announcement, bidders[0], text="再提一次")
