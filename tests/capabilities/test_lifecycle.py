"""The capability lifecycle as invariants: every state × role × action is allowed exactly when the transition
table permits it and the role may take it, the predicate (the button) agrees with the operation (the server),
and every change is audited."""

import pytest
from sqlalchemy import select

from portal import permissions
from portal.accounts.models import Role, Verification
from portal.audit import AuditRecord
from portal.capabilities import lifecycle, operations
from portal.capabilities.models import CapabilityState as S
from portal.errors import DomainError, InvalidTransition, PermissionDenied

# Check constraints and the district and product joins hold on both databases.
pytestmark = pytest.mark.both_databases

ROLES = ["owner", "unverified_owner", "other_enterprise", "department", "admin", "reviewer", "anonymous"]
ACTIONS = ["edit", "submit", "approve", "return", "withdraw"]

# Who may act at all (the state decides the rest, through the table).
MAY = {
    "edit": {"owner"},
    "submit": {"owner"},
    "withdraw": {"owner", "unverified_owner"},
    "approve": {"department", "admin"},
    "return": {"department", "admin"},
}
PREDICATES = {"edit": permissions.can_edit_capability, "submit": permissions.can_submit_capability,
              "withdraw": permissions.can_withdraw_capability, "approve": permissions.can_approve_capability,
              "return": permissions.can_return_capability}


def expected(state: S, role: str, action: str) -> bool:
    if role not in MAY[action]:
        return False
    if action == "edit":
        return state in (S.DRAFT, S.RETURNED)
    return (state, action) in lifecycle.TRANSITIONS


def actor_for(role, owner, create_user):
    from flask_login import AnonymousUserMixin

    if role == "owner":
        return owner
    if role == "unverified_owner":
        owner.organization.verification = Verification.PENDING
        return owner
    if role == "anonymous":
        return AnonymousUserMixin()
    return create_user({"other_enterprise": Role.ENTERPRISE, "department": Role.GOVERNMENT, "admin": Role.ADMIN,
                        "reviewer": Role.REVIEWER}[role])


def run(action, capability, actor):
    from tests.access.capabilities import capability_fields

    if action == "edit":
        return operations.update_capability(capability, actor, **capability_fields(title="改过的名称"))
    if action == "submit":
        return operations.submit_capability(capability, actor)
    if action == "approve":
        return operations.approve_capability(capability, actor)
    if action == "return":
        return operations.return_capability(capability, actor, "请补充案例")
    return operations.withdraw_capability(capability, actor)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(S))
def test_every_state_role_and_action(db, create_capability, create_user, state, role, action):
    owner = create_user(Role.ENTERPRISE)
    capability = create_capability(state, owner=owner)
    actor = actor_for(role, owner, create_user)
    allowed = expected(state, role, action)
    assert PREDICATES[action](actor, capability) == allowed
    before = db.session.scalar(select(AuditRecord.id).order_by(AuditRecord.id.desc()).limit(1))
    if allowed:
        run(action, capability, actor)
        record = db.session.scalars(select(AuditRecord).where(AuditRecord.id > before)).all()
        assert [r.action for r in record] == [f"capability.{'update' if action == 'edit' else action}"]
        if action != "edit":
            assert capability.state == lifecycle.TRANSITIONS[(state, action)]
    else:
        with pytest.raises((PermissionDenied, InvalidTransition)):
            run(action, capability, actor)
        db.session.rollback()
        assert db.session.get(type(capability), capability.id).state == state


def test_the_table_has_exactly_the_designed_transitions():
    assert lifecycle.TRANSITIONS == {
        (S.DRAFT, "submit"): S.SUBMITTED, (S.RETURNED, "submit"): S.SUBMITTED,
        (S.SUBMITTED, "approve"): S.APPROVED, (S.SUBMITTED, "return"): S.RETURNED,
        (S.DRAFT, "withdraw"): S.WITHDRAWN, (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
        (S.RETURNED, "withdraw"): S.WITHDRAWN, (S.APPROVED, "withdraw"): S.WITHDRAWN,
    }
    assert lifecycle.allowed_actions(S.WITHDRAWN) == []


def test_a_returned_capability_keeps_its_reason_until_amended_and_resubmitted(db, create_capability):
    capability = create_capability("returned")
    assert capability.reason == "案例材料不全"
    owner = capability.created_by
    operations.update_capability(capability, owner, **_fields(summary="补充了三个案例。"))
    assert capability.state == S.RETURNED
    operations.submit_capability(capability, owner)
    assert capability.state == S.SUBMITTED


def test_returning_needs_a_reason(db, create_capability, create_user):
    capability = create_capability("submitted")
    with pytest.raises(DomainError, match="请填写退回原因"):
        operations.return_capability(capability, create_user(Role.ADMIN), "  ")
    assert capability.state == S.SUBMITTED


def _fields(**overrides):
    from tests.access.capabilities import capability_fields

    return capability_fields(**overrides)
