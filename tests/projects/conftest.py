from types import SimpleNamespace

import pytest

from portal.accounts.models import Role
from tests.projects import helpers
from tests.reviews.helpers import department_of


@pytest.fixture
def people(db, create_user, create_org):
    """Everyone a project may meet: the winner, a losing bidder, the department (set once the scenario exists),
    another department, an expert to invite, another reviewer, an admin."""
    return SimpleNamespace(
        winner=create_user(Role.ENTERPRISE, org=create_org(name="杭州揭榜智能科技有限公司")),
        loser=create_user(Role.ENTERPRISE, org=create_org(name="杭州落选科技有限公司")),
        other_department=create_user(Role.GOVERNMENT),
        expert=create_user(Role.REVIEWER),
        other_reviewer=create_user(Role.REVIEWER),
        admin=create_user(Role.ADMIN),
        review_panel=[create_user(Role.REVIEWER) for _ in range(3)],
        department=None)


@pytest.fixture
def won(db, create_scenario, submit_proposal, people):
    """(scenario, winning proposal) of a result final by server time."""
    scenario, proposal = helpers.final_result(create_scenario, submit_proposal, people.winner, [people.loser],
                                              people.review_panel)
    people.department = department_of(scenario)
    return scenario, proposal


@pytest.fixture
def project(won):
    return helpers.project_of(won[1])
