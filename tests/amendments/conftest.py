from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.amendments import operations
from portal.extensions import db
from portal.util import clock


@pytest.fixture
def open_scenario(create_scenario, frozen_now):
    """A call taking proposals for ten more days."""
    return create_scenario(state="published", deadline=clock.now() + timedelta(days=10),
                           requirements="1. 识别准确率不低于95%\n2. 支持车载部署")


@pytest.fixture
def department(open_scenario):
    return next(u for u in open_scenario.batch.department.users if u.role == Role.GOVERNMENT)


@pytest.fixture
def bidder(create_user):
    return create_user(Role.ENTERPRISE)


@pytest.fixture
def amend(department):
    """Amend a call as its department, committed; fields default to the call as it stands."""

    def run(scenario, actor=None, reason="根据现场调研调整指标", files=(), remove_ids=(), **fields):
        values = {"requirements": scenario.requirements_html, "budget": scenario.budget,
                  "deadline": scenario.deadline, **fields}
        amendment = operations.amend_scenario(scenario, actor or department, reason=reason, files=files,
                                              remove_ids=remove_ids, **values)
        db.session.commit()
        return amendment

    return run
