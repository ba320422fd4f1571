"""Product states: pending → approved | rejected, approved → revoked; audited; only approved is public."""

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.catalogue import operations
from portal.catalogue.lifecycle import TRANSITIONS, allowed_actions
from portal.catalogue.models import Product, ProductState
from portal.errors import InvalidTransition, NotReady, PermissionDenied
from portal.search.models import SearchChange
from tests.catalogue.conftest import product_fields


def _actions(db, product):
    return [r.action for r in db.session.scalars(select(AuditRecord).where(AuditRecord.object_type == "Product",
                                                                       AuditRecord.object_id == product.id)
                                                 .order_by(AuditRecord.id))]


def test_verified_enterprise_applies_and_waits_for_approval(db, create_user, search_index):
    owner = create_user(Role.ENTERPRISE)
    product = operations.apply_product(owner, **product_fields())
    db.session.commit()
    assert product.state == ProductState.PENDING and not product.is_public
    assert product.organization_id == owner.organization_id and product.submitted_by_id == owner.id
    assert _actions(db, product) == ["product.apply"]
    # Nothing to index until it is approved.
    assert db.session.scalar(select(SearchChange).where(SearchChange.object_id == product.id)) is None


@pytest.mark.parametrize("role, verified", [(Role.ENTERPRISE, False), (Role.GOVERNMENT, True), (Role.REVIEWER, True),
                                            (Role.ADMIN, True)])
def test_only_a_verified_enterprise_may_apply(db, create_user, role, verified):
    with pytest.raises(PermissionDenied):
        operations.apply_product(create_user(role, verified=verified), **product_fields())


def test_approval_makes_it_public_audited_and_logged_for_the_index(db, create_product, create_user):
    product = create_product(state="pending")
    department = create_user(Role.GOVERNMENT)
    operations.approve_product(product, department)
    db.session.commit()
    assert product.state == ProductState.APPROVED and product.approved_at and product.decided_by_id == department.id
    assert _actions(db, product) == ["product.apply", "product.approve"]
    change = db.session.scalar(select(SearchChange).where(SearchChange.object_id == product.id))
    assert change.kind == "product"


def test_rejection_and_revocation_need_a_reason(db, create_product, create_user):
    admin = create_user(Role.ADMIN)
    pending = create_product(state="pending")
    with pytest.raises(NotReady):
        operations.reject_product(pending, admin, "  ")
    operations.reject_product(pending, admin, "认定文件不清晰")
    approved = create_product()
    operations.revoke_product(approved, admin, "认定已被撤销")
    db.session.commit()
    assert (pending.state, pending.reason) == (ProductState.REJECTED, "认定文件不清晰")
    assert (approved.state, approved.reason) == (ProductState.REVOKED, "认定已被撤销")
    assert _actions(db, approved)[-1] == "product.revoke"


@pytest.mark.parametrize("state, action", [("pending", "revoke"), ("approved", "approve"), ("approved", "reject"),
                                           ("revoked", "approve"), ("rejected", "revoke")])
def test_impossible_transitions_are_refused(db, create_product, create_user, state, action):
    product = create_product(state=state)
    admin = create_user(Role.ADMIN)
    with pytest.raises(InvalidTransition):
        if action == "approve":
            operations.approve_product(product, admin)
        elif action == "reject":
            operations.reject_product(product, admin, "原因")
        else:
            operations.revoke_product(product, admin, "原因")


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REVIEWER])
def test_only_departments_and_admins_review(db, create_product, create_user, role):
    product = create_product(state="pending")
    with pytest.raises(PermissionDenied):
        operations.approve_product(product, create_user(role))


def test_amending_a_rejected_application_sends_it_back(db, create_product, create_user):
    owner = create_user(Role.ENTERPRISE)
    product = create_product(owner=owner, state="rejected")
    operations.update_product(product, owner, **product_fields(description="补充了检测报告。"))
    db.session.commit()
    assert product.state == ProductState.PENDING and product.reason is None
    assert product.description == "补充了检测报告。"
    other = create_user(Role.ENTERPRISE)
    with pytest.raises(PermissionDenied):
        operations.update_product(product, other, **product_fields())


def test_the_transition_table_has_a_way_out_of_every_state_but_revoked():
    assert {state for state, _action in TRANSITIONS} == set(ProductState) - {ProductState.REVOKED}
    assert allowed_actions(ProductState.REVOKED) == []


def test_database_refuses_an_approved_product_without_a_time(db, create_product):
    product = create_product(state="pending")
    product.state = ProductState.APPROVED
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(Product, product.id).state == ProductState.PENDING
