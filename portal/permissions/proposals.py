"""Proposals (揭榜方案): taking the list, the sealed bid, its files, and consortium bids."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.reviews import can_download_attachment_as_reviewer
from portal.permissions.roles import has_role, is_verified_enterprise
from portal.permissions.scenarios import can_manage_scenario, is_sealed


def take_list_refusal(user, scenario) -> str | None:
    """Why `user` cannot take the list on `scenario` right now, or None when it can."""
    from flask_babel import gettext as _

    if not scenario.is_open:
        return _("该场景已截止或不在揭榜期内。")
    if not (user and user.is_authenticated):
        return _("揭榜需以企业账号登录。")
    if not has_role(user, Role.ENTERPRISE):
        return _("只有企业账号可以揭榜。")
    if not user.organization.is_verified:
        return _("贵单位尚未通过平台认证，认证通过后即可揭榜。")
    return None


def can_take_list(user, scenario) -> bool:
    return take_list_refusal(user, scenario) is None


def owns_proposal(user, proposal) -> bool:
    return has_role(user, Role.ENTERPRISE) and proposal.organization_id == user.organization_id


def can_view_submission(user, proposal) -> bool:
    """The owning department reads submitted proposals once the deadline has opened them."""
    from portal.proposals.models import ProposalState

    return (
        can_manage_scenario(user, proposal.scenario)
        and not is_sealed(proposal.scenario)
        and proposal.state == ProposalState.SUBMITTED
    )


def can_view_proposal(user, proposal) -> bool:
    return owns_proposal(user, proposal) or can_view_submission(user, proposal)


def can_withdraw_proposal(user, proposal) -> bool:
    """The bidder takes back its submission while the scenario is open, or once it is void."""
    from portal.proposals import lifecycle

    return (
        owns_proposal(user, proposal)
        and lifecycle.permits(proposal, "withdraw")
        and (proposal.scenario.is_open or proposal.is_void)
    )


def can_see_proposal_count(user, scenario) -> bool:
    return can_manage_scenario(user, scenario)


def can_download_attachment(user, attachment) -> bool:
    """The bidder always; the department only for files of the submission it may read; an assigned
    reviewer who declared no conflict, in an open (not blind) review."""
    proposal = attachment.proposal
    if owns_proposal(user, proposal):
        return True
    latest = proposal.latest_version
    if can_view_submission(user, proposal) and latest is not None and attachment in latest.attachments:
        return True
    return can_download_attachment_as_reviewer(user, attachment)


def load_proposal_or_404(ident: int, user, need: Callable = can_view_proposal):
    from portal.proposals.models import Proposal

    return load_or_404(Proposal, ident, user, need)


# --- 联合体: consortium bids ----------------------------------------------------------------------------------
# The lead (the proposal's organization) names the members; a member sees that it is part of the bid, who leads it
# and who else is in it, never the sealed content, which stays the lead's (owns_proposal) like any proposal's.


def can_manage_consortium(user, proposal) -> bool:
    """The lead names and removes members of its own proposal."""
    return owns_proposal(user, proposal) and is_verified_enterprise(user)


def is_invited_member(user, member) -> bool:
    """The enterprise a consortium invitation was sent to."""
    return has_role(user, Role.ENTERPRISE) and member.organization_id == user.organization_id


def can_answer_invitation(user, member) -> bool:
    """Confirm, decline or withdraw while the call is open; the operation checks the rest."""
    from portal.proposals import consortia

    return (
        is_invited_member(user, member)
        and is_verified_enterprise(user)
        and member.proposal.scenario.is_open
        and bool(consortia.MACHINE.allowed_actions(member.state))
    )


def load_invitation_or_404(ident: int, user, need: Callable = is_invited_member):
    from portal.proposals.models import ConsortiumMember

    return load_or_404(ConsortiumMember, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    take_list_refusal,
    can_take_list,
    owns_proposal,
    can_view_proposal,
    can_withdraw_proposal,
    can_see_proposal_count,
    can_download_attachment,
    can_manage_consortium,
    is_invited_member,
    can_answer_invitation,
)
