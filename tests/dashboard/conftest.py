"""A small city: two departments, scenarios in every stage, bids sealed and opened, one 揭榜成功."""

from dataclasses import dataclass
from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import Scenario
from portal.util import clock
from tests.announcements import helpers as announcement_helpers
from tests.catalogue.conftest import create_product, search_index  # noqa: F401 -- fixtures used here too
from tests.reviews import helpers

DAYS_TO_RESULT = 40


@dataclass
class City:
    owner: object  # department A's user
    other: object  # department B's user
    open_a: Scenario  # A, accepting bids, 2 sealed proposals
    closed_a: Scenario  # A, deadline passed, 3 proposals
    final_a: Scenario  # A, 揭榜成功, 2 proposals, 公示 started 40 days after publication
    cancelled_a: Scenario  # A, published then cancelled
    draft_a: Scenario  # A, never published
    open_b: Scenario  # B, accepting bids, 1 sealed proposal
    closed_b: Scenario  # B, deadline passed, 1 proposal


@pytest.fixture
def city(frozen_now, create_user, create_batch, create_scenario, submit_proposal) -> City:
    owner, other = create_user(Role.GOVERNMENT), create_user(Role.GOVERNMENT)
    bidders = [create_user(Role.ENTERPRISE) for _ in range(3)]
    batch_a, batch_b = create_batch(owner), create_batch(other)

    final_a, _versions = helpers.closed_scenario(create_scenario, submit_proposal, bidders[:2], batch=batch_a,
                                                 title="园区安防视频智能分析", sector="security", district="滨江区")
    clock.travel(timedelta(days=DAYS_TO_RESULT))
    proposals = helpers.fully_reviewed(final_a, [create_user(Role.REVIEWER) for _ in range(3)],
                                       [[80, 82, 84], [70, 71, 72]])
    announcement_helpers.decided(final_a, proposals[:1])
    announcement_helpers.announced(final_a)
    # The 公示 window (5 working days) is over with no objection: 揭榜成功.
    clock.set_now(final_a.decision.ends_at + timedelta(minutes=1))

    closed_a, _versions = helpers.closed_scenario(create_scenario, submit_proposal, bidders, batch=batch_a,
                                                  title="锂电池极片缺陷检测", sector="industrial_vision",
                                                  district="西湖区")
    closed_b, _versions = helpers.closed_scenario(create_scenario, submit_proposal, bidders[:1], batch=batch_b,
                                                  title="医学影像云质控", sector="medical_imaging",
                                                  district="萧山区")
    open_a = create_scenario(batch_a, state="published", title="城市道路病害智能巡检", sector="security",
                             district="滨江区")
    for bidder in bidders[:2]:
        submit_proposal(open_a, bidder)
    open_b = create_scenario(batch_b, state="published", title="自动驾驶公交接驳", sector="autonomous_driving",
                             district="余杭区")
    submit_proposal(open_b, bidders[2])
    cancelled_a = create_scenario(batch_a, state="published", title="已撤销的场景", sector="other",
                                  district="建德市")
    scenario_ops.cancel_scenario(cancelled_a, owner, "需求调整")
    draft_a = create_scenario(batch_a, title="尚未发布的草稿场景", sector="vr_metaverse", district="淳安县")
    db.session.commit()
    return City(owner, other, open_a, closed_a, final_a, cancelled_a, draft_a, open_b, closed_b)
