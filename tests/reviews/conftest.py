import pytest

from portal.accounts.models import Role
from tests.reviews import helpers


@pytest.fixture
def bidders(create_user):
    return [create_user(Role.ENTERPRISE) for _ in range(3)]


@pytest.fixture
def reviewers(create_user):
    return [create_user(Role.REVIEWER) for _ in range(6)]


@pytest.fixture
def closed(frozen_now, create_scenario, submit_proposal, bidders, stored_file):
    """A closed scenario with three submissions; the first carries a PDF whose name names its bidder."""
    files = {bidders[0].id: lambda: [stored_file(name=f"{bidders[0].organization.name}技术白皮书.pdf")]}
    scenario, versions = helpers.closed_scenario(create_scenario, submit_proposal, bidders,
                                                 files_for=lambda b: files.get(b.id, list)())
    return scenario


@pytest.fixture
def department(closed):
    return helpers.department_of(closed)


@pytest.fixture
def proposals(closed):
    from portal.reviews.queries import reviewed_proposals

    return reviewed_proposals(closed)
