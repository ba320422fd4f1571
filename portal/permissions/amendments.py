"""变更公告 and the files of a call."""

from portal.permissions.proposals import owns_proposal
from portal.permissions.roles import is_admin
from portal.permissions.scenarios import can_edit_scenario, can_manage_scenario, can_view_scenario


def can_amend_scenario(user, scenario) -> bool:
    """The owner department changes a call only while it takes proposals; before, it edits the draft."""
    return can_manage_scenario(user, scenario) and scenario.is_open


def can_attach_to_scenario(user, scenario) -> bool:
    """Files are added to a draft freely; once published only through an amendment."""
    return can_edit_scenario(user, scenario)


def can_download_scenario_attachment(user, attachment) -> bool:
    """The call's files are public with the call: a draft's only to its department."""
    return can_view_scenario(user, attachment.scenario)


def can_confirm_proposal(user, proposal) -> bool:
    """The bidder confirms its submission after the requirements changed, while the call is open."""
    from portal.amendments.queries import pending_amendment

    return owns_proposal(user, proposal) and proposal.scenario.is_open and pending_amendment(proposal) is not None


def can_set_amendment_policy(user) -> bool:
    return is_admin(user)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (can_amend_scenario, can_attach_to_scenario, can_download_scenario_attachment, can_confirm_proposal)
