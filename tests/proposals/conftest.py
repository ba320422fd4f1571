from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.util import clock
from tests.factories import MINIMAL_PDF, proposal_fields


@pytest.fixture
def open_scenario(create_scenario, frozen_now):
    return create_scenario(state="published", deadline=clock.now() + timedelta(days=3))


@pytest.fixture
def bidder(create_user):
    return create_user(Role.ENTERPRISE)


@pytest.fixture
def department(open_scenario):
    return open_scenario.batch.department.users[0]


def form_data(action="submit", declaration=True, files=(), **overrides):
    """The proposal form as a browser posts it."""
    data = {k: str(v) for k, v in proposal_fields(**overrides).items()}
    data[action] = "1"
    if declaration:
        data["declaration"] = "y"
    if files:
        data["attachments"] = list(files)
    return data


def pdf_upload(name="技术方案.pdf", data=MINIMAL_PDF):
    import io

    return (io.BytesIO(data), name)
