"""场景能力清单: the capabilities of verified enterprises, reviewed before they are public."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.roles import has_role, is_admin, is_department, is_verified_enterprise


def can_publish_capability(user) -> bool:
    """Only a verified enterprise publishes its capabilities."""
    return is_verified_enterprise(user)


def owns_capability(user, capability) -> bool:
    return has_role(user, Role.ENTERPRISE) and capability.organization_id == user.organization_id


def can_review_capability(user, capability=None) -> bool:
    """Departments and platform admins approve capabilities or return them with a reason; a draft is the
    enterprise's alone until it is submitted."""
    from portal.capabilities import lifecycle

    return (is_admin(user) or is_department(user)) and (capability is None or lifecycle.was_sent(capability))


def can_view_capability(user, capability) -> bool:
    """Public once approved; the enterprise sees its own in every state; reviewers see what was sent to them."""
    return capability.is_public or owns_capability(user, capability) or can_review_capability(user, capability)


def can_see_capability_contact(user, capability) -> bool:
    """The contact person is the enterprise's and its reviewers'; the public sees the organisation only."""
    return owns_capability(user, capability) or can_review_capability(user, capability)


def can_edit_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return owns_capability(user, capability) and is_verified_enterprise(user) and lifecycle.is_editable(capability)


def can_submit_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return (
        owns_capability(user, capability) and is_verified_enterprise(user) and lifecycle.permits(capability, "submit")
    )


def can_withdraw_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return owns_capability(user, capability) and lifecycle.permits(capability, "withdraw")


def can_approve_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return can_review_capability(user, capability) and lifecycle.permits(capability, "approve")


def can_return_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return can_review_capability(user, capability) and lifecycle.permits(capability, "return")


def load_capability_or_404(ident: int, user, need: Callable = can_view_capability):
    from portal.capabilities.models import Capability

    return load_or_404(Capability, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_publish_capability,
    owns_capability,
    can_review_capability,
    can_view_capability,
    can_see_capability_contact,
    can_edit_capability,
    can_submit_capability,
    can_withdraw_capability,
    can_approve_capability,
    can_return_capability,
)
