"""Meeting fixtures: a published scenario, its department, a verified enterprise, and meetings built through
the operations."""

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.meetings import operations
from tests.access.matchmaking import meeting_fields


@dataclass
class Parties:
    scenario: object
    department: User
    enterprise: User


@pytest.fixture
def parties(db, frozen_now, create_user, create_scenario):
    scenario = create_scenario(state="published")
    department = db.session.scalar(select(User).where(User.organization_id == scenario.department_id,
                                                      User.role == Role.GOVERNMENT))
    return Parties(scenario, department, create_user(Role.ENTERPRISE))


@pytest.fixture
def create_meeting(db, parties):
    """A meeting asked for by `by` ("enterprise" or "department"), then taken to `state`."""

    def make(state="requested", by="enterprise", **overrides):
        actor = getattr(parties, by)
        extra = {"enterprise_id": parties.enterprise.organization_id} if by == "department" else {}
        meeting = operations.request_meeting(parties.scenario, actor, **meeting_fields(**overrides), **extra)
        other = parties.department if by == "enterprise" else parties.enterprise
        if state in ("accepted", "recorded"):
            operations.accept_meeting(meeting, other)
        if state == "declined":
            operations.decline_meeting(meeting, other, "时间冲突")
        if state == "recorded":
            from portal.util import clock

            clock.set_now(meeting.starts_at)
            operations.record_outcome(meeting, actor, "agreed", "双方同意开展试点。")
        db.session.commit()
        return meeting

    return make
