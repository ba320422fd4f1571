"""The decision (定榜): only from a complete ranking, and every transition of the scenario from closed to final
with the ones that are refused on the way."""


import pytest
from sqlalchemy import select

from portal.announcements import operations as announcement_ops
from portal.audit import AuditRecord
from portal.errors import InvalidTransition, NotReady
from portal.reviews import operations
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import ScenarioState
from tests.announcements.helpers import announced, decided
from tests.reviews.helpers import assign, fully_reviewed, review_of, score, split


def test_every_transition_in_order_and_the_ones_refused_on_the_way(db, frozen_now, closed, department, reviewers,
                                                                     proposals, create_user):
    assert closed.status == ScenarioState.CLOSED
    with pytest.raises(InvalidTransition):
        announcement_ops.decide(closed, department, winner_ids=[proposals[0].id], rationale="x")
    assign(closed, reviewers[:3])
    assert closed.status == ScenarioState.UNDER_REVIEW
    with pytest.raises(InvalidTransition):
        announcement_ops.announce(closed, department)
    # The ranking is incomplete until every active review is submitted and each proposal has three.
    with pytest.raises(NotReady, match="至少需要 3 份"):
        announcement_ops.decide(closed, department, winner_ids=[proposals[0].id], rationale="x")
    for proposal, totals in zip(proposals, [[80, 81, 82], [70, 71, 72], [60, 61, 62]], strict=True):
        for reviewer, total in zip(reviewers[:3], totals, strict=True):
            score(review_of(closed, reviewer, proposal), split(total))
    with pytest.raises(NotReady, match="揭榜单位"):
        announcement_ops.decide(closed, department, winner_ids=[], rationale="x")
    with pytest.raises(NotReady, match="定榜理由"):
        announcement_ops.decide(closed, department, winner_ids=[proposals[0].id], rationale=" ")
    decided(closed, proposals[:1])
    assert closed.status == ScenarioState.DECIDED
    with pytest.raises(InvalidTransition):
        announcement_ops.decide(closed, department, winner_ids=[proposals[0].id], rationale="again")
    with pytest.raises(InvalidTransition):
        assign(closed, reviewers[3:4])
    with pytest.raises(InvalidTransition):
        operations.reopen_review(review_of(closed, reviewers[0], proposals[0]), department, "晚了")
    with pytest.raises(NotReady, match="晚于开始时间"):
        announcement_ops.announce(closed, department, starts_at=frozen_now.now(), ends_at=frozen_now.now())
    decision = announced(closed)
    assert closed.status == ScenarioState.ANNOUNCED
    with pytest.raises(InvalidTransition):
        announcement_ops.announce(closed, department)
    frozen_now.set_now(decision.ends_at)
    assert closed.status == ScenarioState.FINAL
    with pytest.raises(InvalidTransition):
        scenario_ops.cancel_scenario(closed, department, "不再需要")
    assert scenario_ops.finalize_if_due(closed) and closed.state == ScenarioState.FINAL
    assert not scenario_ops.finalize_if_due(closed)
    actions = [r.action for r in db.session.scalars(select(AuditRecord).where(
        AuditRecord.object_type == "Scenario", AuditRecord.object_id == closed.id).order_by(AuditRecord.id))]
    assert actions[-4:] == ["scenario.start_review", "scenario.decide", "scenario.announce", "scenario.finalize"]


def test_the_winner_must_come_from_the_ranking(closed, department, reviewers, proposals, create_scenario,
                                              submit_proposal, create_user):
    fully_reviewed(closed, reviewers[:3], [[80] * 3, [70] * 3, [60] * 3])
    with pytest.raises(NotReady):
        announcement_ops.decide(closed, department, winner_ids=[proposals[0].id, 999_999], rationale="x")
