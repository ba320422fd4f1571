"""The opening record (开标记录): after the deadline, how many proposals arrived in time and, where the scenario's
terms say so, from whom — never before, never on a scenario cancelled before its deadline; on the page and in the
API alike. Runs on both databases (the seal's SQL twin is part of its queries)."""

from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.clarifications import operations
from portal.clarifications.opening import opening_record
from portal.proposals import operations as proposal_ops
from portal.reviews import policy
from portal.reviews.setup import save_setup
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import ScenarioState
from portal.util import clock
from tests.factories import _owner_of

pytestmark = pytest.mark.both_databases


@pytest.fixture
def bidding(db, frozen_now, create_scenario, create_user, create_org, submit_proposal):
    """A scenario with two submissions, one withdrawal and one draft; `names` sets its terms while a draft."""

    def build(names=False):
        scenario = create_scenario(deadline=clock.now() + timedelta(days=5))
        owner = _owner_of(scenario.batch)
        if names:
            operations.set_call_terms(scenario, owner, question_deadline=None, opening_names_bidders=True)
        scenario_ops.publish_batch(scenario.batch, owner)
        db.session.commit()
        bidders = [create_user(Role.ENTERPRISE, org=create_org(name=name))
                   for name in ("乙方智能科技有限公司", "甲方视觉有限公司", "丙方撤回有限公司", "丁方草稿有限公司")]
        submit_proposal(scenario, bidders[0])
        submit_proposal(scenario, bidders[1])
        withdrawn = submit_proposal(scenario, bidders[2])
        proposal_ops.withdraw_proposal(withdrawn.proposal, bidders[2])
        proposal_ops.open_proposal(scenario, bidders[3])
        db.session.commit()
        return scenario, owner

    return build


def page(client, scenario):
    return client.get(f"/scenarios/{scenario.id}").text


def api(client, scenario):
    return client.get(f"/api/v1/scenarios/{scenario.id}").json


def test_before_the_deadline_nobody_learns_anything_of_the_proposals(db, client, bidding):
    scenario, owner = bidding(names=True)

    assert opening_record(scenario, None) is None and opening_record(scenario, owner) is None
    assert "opening-record-h" not in page(client, scenario) and api(client, scenario)["opening_record"] is None
    assert "甲方视觉" not in page(client, scenario)


def test_after_the_deadline_the_count_of_proposals_in_time_is_public(db, client, bidding):
    scenario, _owner = bidding()
    clock.travel(timedelta(days=5, minutes=1))

    record = opening_record(scenario, None)
    assert record.count == 2 and record.bidders is None and not record.names_wait_for_review
    assert "共收到按时提交的揭榜方案 2 份" in page(client, scenario)
    assert api(client, scenario)["opening_record"] == {
        "opened_at": clock.to_local(scenario.deadline).isoformat(timespec="seconds"), "count": 2,
        "bidders": None}
    assert "甲方视觉" not in page(client, scenario)


def test_named_bidders_wait_for_the_ranking_of_a_blind_review(db, client, bidding):
    scenario, _owner = bidding(names=True)
    clock.travel(timedelta(days=5, minutes=1))

    record = opening_record(scenario, None)
    assert record.count == 2 and record.bidders is None and record.names_wait_for_review
    assert "揭榜单位名称将在定榜后公布" in page(client, scenario)
    assert "甲方视觉" not in page(client, scenario)

    scenario.state = ScenarioState.DECIDED  # the ranking's own steps are tested in tests/announcements
    db.session.commit()
    assert opening_record(scenario, None).bidders == sorted(["乙方智能科技有限公司", "甲方视觉有限公司"])


def test_an_open_review_names_the_bidders_as_soon_as_the_deadline_passes(db, client, bidding):
    scenario, owner = bidding(names=True)
    clock.travel(timedelta(days=5, minutes=1))
    scenario_ops.close_if_due(scenario)
    save_setup(scenario, owner, blind=False, criteria=policy.DEFAULT_RUBRIC)
    db.session.commit()

    names = sorted(["乙方智能科技有限公司", "甲方视觉有限公司"])
    assert opening_record(scenario, None).bidders == names
    assert api(client, scenario)["opening_record"]["bidders"] == names
    text = page(client, scenario)
    assert "、".join(names) in text and "丙方撤回" not in text and "丁方草稿" not in text


def test_a_scenario_cancelled_before_its_deadline_never_reveals_a_count(db, client, bidding):
    scenario, owner = bidding(names=True)
    scenario_ops.cancel_scenario(scenario, owner, "需求调整")
    db.session.commit()
    clock.travel(timedelta(days=30))

    assert opening_record(scenario, None) is None and opening_record(scenario, owner) is None
    assert "opening-record-h" not in page(client, scenario) and api(client, scenario)["opening_record"] is None


def test_a_scenario_cancelled_after_its_deadline_keeps_its_record(db, client, bidding):
    scenario, owner = bidding()
    clock.travel(timedelta(days=5, minutes=1))
    scenario_ops.cancel_scenario(scenario, owner, "经费调整")
    db.session.commit()

    assert opening_record(scenario, None).count == 2


def test_bidders_see_beforehand_that_their_names_will_be_published(db, client, bidding):
    scenario, _owner = bidding(names=True)
    assert "开标记录将公布按时提交方案的份数及揭榜单位名称" in page(client, scenario)
