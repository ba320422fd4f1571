"""Accounts and what belongs to them: administration, messages, followed sectors, the second factor."""

from portal.accounts.models import Role
from portal.permissions.roles import has_role, is_admin


def can_administer(user) -> bool:
    """Accounts, enterprise verification and the audit log belong to platform admins."""
    return is_admin(user)


def can_read_notification(user, notification) -> bool:
    """A message belongs to its recipient only."""
    return bool(user and user.is_authenticated) and notification.user_id == user.id


def can_follow_sectors(user) -> bool:
    """Any enterprise account (verified or not yet) chooses the sectors whose new scenarios it hears of."""
    return has_role(user, Role.ENTERPRISE)


def can_use_two_factor(user) -> bool:
    """Staff accounts (departments, reviewers, admins) may protect their sign-in with a second factor."""
    return has_role(user, Role.GOVERNMENT, Role.REVIEWER, Role.ADMIN)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (can_administer, can_follow_sectors, can_use_two_factor)
