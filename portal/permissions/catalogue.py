"""The 首台（套）catalogue: products and the pages of the enterprises that list them."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.roles import has_role, is_admin, is_department, is_verified_enterprise


def can_apply_product(user) -> bool:
    """Only a verified enterprise applies to list its products."""
    return is_verified_enterprise(user)


def owns_product(user, product) -> bool:
    return has_role(user, Role.ENTERPRISE) and product.organization_id == user.organization_id


def can_review_product(user, product=None) -> bool:
    """Departments and platform admins approve, reject and revoke catalogue products."""
    return is_admin(user) or is_department(user)


def can_edit_product(user, product) -> bool:
    from portal.catalogue import lifecycle

    return owns_product(user, product) and is_verified_enterprise(user) and product.state in lifecycle.EDITABLE


def can_approve_product(user, product) -> bool:
    from portal.catalogue import lifecycle

    return can_review_product(user, product) and lifecycle.permits(product, "approve")


def can_reject_product(user, product) -> bool:
    from portal.catalogue import lifecycle

    return can_review_product(user, product) and lifecycle.permits(product, "reject")


def can_revoke_product(user, product) -> bool:
    from portal.catalogue import lifecycle

    return can_review_product(user, product) and lifecycle.permits(product, "revoke")


def can_classify_product(user, product) -> bool:
    """Whoever reviews the catalogue (departments, admins) may correct a product's 领域 and 类别."""
    return can_review_product(user, product)


def can_view_product(user, product) -> bool:
    return product.is_public or owns_product(user, product) or can_review_product(user, product)


def can_import_products(user) -> bool:
    return is_admin(user)


def can_view_enterprise(user, organization) -> bool:
    from portal.accounts.models import OrgKind

    return organization.kind == OrgKind.ENTERPRISE and organization.is_verified


def load_product_or_404(ident: int, user, need: Callable = can_view_product):
    from portal.catalogue.models import Product

    return load_or_404(Product, ident, user, need)


def can_correct_product_validity(user, product) -> bool:
    """Platform admins correct the last day a 首台（套）recognition counts (an official notice may set another)."""
    return is_admin(user)


def load_enterprise_or_404(ident: int, user, need: Callable = can_view_enterprise):
    from portal.accounts.models import Organization

    return load_or_404(Organization, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_apply_product,
    owns_product,
    can_review_product,
    can_edit_product,
    can_approve_product,
    can_reject_product,
    can_revoke_product,
    can_classify_product,
    can_view_product,
    can_import_products,
    can_correct_product_validity,
)
