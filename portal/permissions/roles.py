"""Who the user is: the roles every rule of the portal starts from."""

from portal.accounts.models import Role


def has_role(user, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def is_department(user) -> bool:
    return has_role(user, Role.GOVERNMENT)


def is_verified_enterprise(user) -> bool:
    return has_role(user, Role.ENTERPRISE) and user.organization.is_verified


def is_reviewer(user) -> bool:
    return has_role(user, Role.REVIEWER)


def is_enterprise_account(user) -> bool:
    """Any enterprise account, verified or not yet (the rules of each action say what it may do)."""
    return has_role(user, Role.ENTERPRISE)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (is_admin, is_department, is_verified_enterprise, is_reviewer, is_enterprise_account)
