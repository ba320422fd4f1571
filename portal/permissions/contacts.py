"""Personal information (个人信息保护法): whose contact is shown in full.

Contacts' names, phones and e-mail addresses are shown in full only to whoever needs them; everybody else, the
open-data API and every export see them masked (portal/util/masking.py).
"""

from portal.accounts.models import Role
from portal.permissions.roles import has_role, is_admin
from portal.permissions.scenarios import can_manage_scenario
from portal.util import masking


def can_see_scenario_contact(user, scenario) -> bool:
    """The owning department and platform admins see a scenario's contact in full."""
    return is_admin(user) or can_manage_scenario(user, scenario)


def can_see_enterprise_contact(user, organization) -> bool:
    """The enterprise itself and platform admins see an enterprise's contact in full."""
    return is_admin(user) or (has_role(user, Role.ENTERPRISE) and user.organization_id == organization.id)


def scenario_contact(user, scenario) -> dict:
    """The scenario's contact as `user` may see it: in full or masked."""
    return masking.contact(
        scenario.contact_name,
        scenario.contact_phone,
        scenario.contact_email,
        full=can_see_scenario_contact(user, scenario),
    )


def enterprise_contact(user, organization) -> dict:
    """The enterprise's contact as `user` may see it: in full or masked."""
    return masking.contact(
        organization.contact_name, organization.contact_phone, None, full=can_see_enterprise_contact(user, organization)
    )


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (can_see_scenario_contact, can_see_enterprise_contact, scenario_contact, enterprise_contact)
