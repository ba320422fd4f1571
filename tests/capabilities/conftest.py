"""Capability fixtures: capabilities built through the operations, a private search index per test."""

import pytest

from portal.accounts.models import Role
from portal.capabilities import operations
from portal.capabilities.models import CapabilityState
from tests.access.capabilities import capability_fields
from tests.catalogue.conftest import create_product, search_index  # noqa: F401 -- fixtures


@pytest.fixture
def create_capability(db, create_user, search_index):  # noqa: F811 -- the fixture imported above
    """Build a capability in the given state through the operations (as its enterprise and an admin would)."""
    admin = {}

    def make(state="approved", owner=None, **overrides):
        owner = owner or create_user(Role.ENTERPRISE)
        capability = operations.create_capability(owner, **capability_fields(**overrides))
        state = CapabilityState(state)
        if state != CapabilityState.DRAFT:
            operations.submit_capability(capability, owner)
        reviewer = admin.setdefault("admin", create_user(Role.ADMIN)) if state != CapabilityState.DRAFT else None
        if state == CapabilityState.APPROVED:
            operations.approve_capability(capability, reviewer)
        elif state == CapabilityState.RETURNED:
            operations.return_capability(capability, reviewer, "案例材料不全")
        elif state == CapabilityState.WITHDRAWN:
            operations.withdraw_capability(capability, owner)
        db.session.commit()
        assert capability.state == state
        return capability

    return make
