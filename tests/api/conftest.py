"""An opportunity list in every public state, a catalogue, and the secrets that must never reach the API."""

from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.models import Role
from portal.catalogue.models import Product
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import Batch, Scenario
from tests.announcements import helpers as announcement_helpers
from tests.catalogue.conftest import create_product, search_index  # noqa: F401 -- fixtures
from tests.conftest import MODULE_DATA
from tests.reviews import helpers

SECRET_BIDDER = "保密投标科技有限公司"
SECRET_TITLE = "绝密揭榜方案标题"
SECRET_TEXT = "只有投标企业自己能看到的技术路线"


@dataclass
class OpenData:
    batch: object
    other_batch: object
    draft_batch: object
    open: object
    cancelled: object
    final: object
    announced: object
    decided: object
    draft: object
    winner: str
    decided_winner: str
    product: object
    hidden_products: list


def _reviewed(create_scenario, submit_proposal, create_user, batch, title, bidders):
    scenario, _versions = helpers.closed_scenario(create_scenario, submit_proposal, bidders, batch=batch, title=title)
    proposals = helpers.fully_reviewed(scenario, [create_user(Role.REVIEWER) for _ in range(3)],
                                       [[88, 86, 84], [70, 72, 74]][:len(bidders)])
    announcement_helpers.decided(scenario, proposals[:1])
    return scenario, proposals[0].organization.name


def _build_open_data(module=None):
    """Two published batches and a draft one; scenarios open, cancelled, decided, in 公示 and final; products.

    Built once per module (tests/conftest.py MODULE_DATA): returns the ids and the moment the clock stands at.
    """
    from portal.extensions import db
    from portal.util import clock
    from tests import factories
    from tests.catalogue.conftest import product_factory

    create_org = factories.org_factory(db)
    create_user = factories.user_factory(db, create_org)
    create_batch = factories.batch_factory(db, create_user)
    create_scenario = factories.scenario_factory(db, create_batch)
    submit_proposal = factories.submit_proposal_factory(db)
    make_product = product_factory(db, create_user)
    before = clock._frozen
    clock.set_now(FROZEN_START)
    try:
        data = _open_data(db, clock, create_user, create_org, create_batch, create_scenario, submit_proposal,
                          make_product)
        return _ids_of(data), clock.now()
    finally:
        clock.set_now(before)


FROZEN_START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # the moment `frozen_now` starts at


def _ids_of(data: OpenData) -> dict:
    return {field.name: ([item.id for item in value] if isinstance(value, list)
                         else value if isinstance(value, str) else value.id)
            for field in fields(OpenData) for value in [getattr(data, field.name)]}


def _open_data(db, frozen_now, create_user, create_org, create_batch, create_scenario, submit_proposal,
               make_product):
    department = create_user(Role.GOVERNMENT)
    batch = create_batch(department, title="2026年第一批人工智能场景机会清单")
    other_batch = create_batch(create_user(Role.GOVERNMENT), title="2026年第二批数字安防场景机会清单")
    draft_batch = create_batch(department, title="尚未发布的批次")
    create_scenario(draft_batch, title="未发布批次里的场景")

    bidders = [create_user(Role.ENTERPRISE) for _ in range(2)]
    final, winner = _reviewed(create_scenario, submit_proposal, create_user, batch, "城市道路病害智能巡检", bidders)
    decision = announcement_helpers.announced(final)
    announced, _ = _reviewed(create_scenario, submit_proposal, create_user, other_batch, "园区周界热成像防范",
                             bidders[::-1])
    decided, decided_winner = _reviewed(create_scenario, submit_proposal, create_user, batch, "医学影像辅助阅片",
                                        [create_user(Role.ENTERPRISE, org=create_org(name="已定榜未公示企业"))])
    # The first 公示 is over (final); the second one has just started.
    frozen_now.set_now(decision.ends_at + timedelta(minutes=1))
    announcement_helpers.announced(announced)

    open_scenario = create_scenario(batch, state="published", title="隧道衬砌裂缝红外热像检测",
                                    sector="special_imaging", district="滨江区",
                                    description="采用红外热像仪对隧道衬砌进行无损检测。",
                                    deadline=frozen_now.now() + timedelta(days=20))
    secret = create_user(Role.ENTERPRISE, org=create_org(name=SECRET_BIDDER))
    submit_proposal(open_scenario, secret, title=SECRET_TITLE, approach=SECRET_TEXT)
    cancelled = create_scenario(other_batch, state="published", title="已撤销的场景")
    scenario_ops.cancel_scenario(cancelled, helpers.department_of(cancelled), "需求调整，另行发布")
    db.session.commit()
    draft = create_scenario(batch, title="已发布批次里的草稿场景")

    product = make_product(name="非制冷红外热像仪", model="IR-640U")
    hidden = [make_product(state="pending", name="待审核的红外热像仪"),
              make_product(state="revoked", name="已撤销的红外热像仪")]
    make_product(name="工业视觉缺陷检测系统", model="DV-100", product_type="software", sector="industrial_vision",
                   level="provincial", year=2023, description="基于深度学习的表面缺陷检测。")
    return OpenData(batch, other_batch, draft_batch, open_scenario, cancelled, final, announced, decided, draft,
                    winner, decided_winner, product, hidden)


@pytest.fixture
def open_data(module_data, db, frozen_now):
    """The module's open data (see `_build_open_data`), each test at the moment it was built at."""
    ids, moment = module_data["open_data"]
    frozen_now.set_now(moment)
    values = {}
    for name, value in ids.items():
        model = Batch if name.endswith("batch") else Product if "product" in name else Scenario
        values[name] = ([db.session.get(model, item) for item in value] if isinstance(value, list)
                        else value if isinstance(value, str) else db.session.get(model, value))
    return OpenData(**values)


MODULE_DATA["open_data"] = _build_open_data


@pytest.fixture
def api_sample(request, db, frozen_now, create_user, create_batch, create_scenario, submit_proposal):
    """The least data on which every endpoint has something to answer: what the conformance test runs against."""
    make_product = request.getfixturevalue("create_product")
    batch = create_batch(create_user(Role.GOVERNMENT))
    final, _winner = _reviewed(create_scenario, submit_proposal, create_user, batch, "城市道路病害智能巡检",
                               [create_user(Role.ENTERPRISE)])
    decision = announcement_helpers.announced(final)
    frozen_now.set_now(decision.ends_at + timedelta(minutes=1))
    create_scenario(batch, state="published", title="隧道衬砌裂缝红外热像检测",
                    deadline=frozen_now.now() + timedelta(days=9))
    make_product()
    return batch
