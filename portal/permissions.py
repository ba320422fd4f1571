"""Who may do what: every authorization decision of the portal is made here.

Predicates take the user explicitly and are registered as Jinja globals, so the same function
decides the 403/404 in a view and whether a template shows the button.
"""

from collections.abc import Callable

from flask import abort

from portal.accounts.models import Role
from portal.extensions import db


def has_role(user, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role in roles)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def is_department(user) -> bool:
    return has_role(user, Role.GOVERNMENT)


def is_verified_enterprise(user) -> bool:
    return has_role(user, Role.ENTERPRISE) and user.organization.is_verified


def can_administer(user) -> bool:
    """Accounts, enterprise verification and the audit log belong to platform admins."""
    return is_admin(user)


def can_create_batch(user) -> bool:
    return is_department(user)


def can_manage_batch(user, batch) -> bool:
    """A department touches only its own batches."""
    return is_department(user) and batch.department_id == user.organization_id


def can_view_batch(user, batch) -> bool:
    return batch.is_published or can_manage_batch(user, batch)


def can_manage_scenario(user, scenario) -> bool:
    return is_department(user) and scenario.department_id == user.organization_id


def can_view_scenario(user, scenario) -> bool:
    return (scenario.is_public and scenario.batch.is_published) or can_manage_scenario(user, scenario)


# The state rules below are the lifecycle's (portal/scenarios/lifecycle.py), which the operations enforce
# with `ensure_transition`: a button shows exactly when the operation would accept the state.

def can_edit_scenario(user, scenario) -> bool:
    """Only a draft: once published, a scenario's terms are fixed for every bidder."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.is_editable(scenario)


def can_publish_scenario(user, scenario) -> bool:
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.permits(scenario, "publish")


def can_cancel_scenario(user, scenario) -> bool:
    """Any state before final; the operation also asks for the reason the public will see."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.permits(scenario, "cancel")


# Ids are 32-bit integers in the database; a larger number in a URL would make the query itself fail.
MAX_ID = 2**31 - 1


def load_or_404(model, ident: int, user=None, need: Callable | None = None):
    """Load a row by id, answering 404 when it is missing or `need(user, obj)` refuses it."""
    obj = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    # Objects the user may not see answer 404, so their existence does not leak.
    if obj is None or (need is not None and not need(user, obj)):
        abort(404)
    return obj


def load_batch_or_404(ident: int, user, need: Callable = can_view_batch):
    from portal.scenarios.models import Batch

    return load_or_404(Batch, ident, user, need)


def load_scenario_or_404(ident: int, user, need: Callable = can_view_scenario):
    from portal.scenarios.models import Scenario

    return load_or_404(Scenario, ident, user, need)


# --- Proposals: sealed until the deadline -------------------------------------------------------

def is_sealed(scenario) -> bool:
    """Nobody but the bidder sees a proposal's content or the bidder's name: before the deadline, and for
    good on a scenario cancelled before it (the rule itself is `Scenario.bids_unsealed`)."""
    return not scenario.bids_unsealed


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

    return (can_manage_scenario(user, proposal.scenario) and not is_sealed(proposal.scenario)
            and proposal.state == ProposalState.SUBMITTED)


def can_view_proposal(user, proposal) -> bool:
    return owns_proposal(user, proposal) or can_view_submission(user, proposal)


def can_withdraw_proposal(user, proposal) -> bool:
    """The bidder takes back its submission while the scenario is open, or once it is void."""
    from portal.proposals import lifecycle

    return (owns_proposal(user, proposal) and lifecycle.permits(proposal, "withdraw")
            and (proposal.scenario.is_open or proposal.is_void))


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


def can_read_notification(user, notification) -> bool:
    """A message belongs to its recipient only."""
    return bool(user and user.is_authenticated) and notification.user_id == user.id


JINJA_GLOBALS = {
    fn.__name__: fn
    for fn in (is_admin, is_department, is_verified_enterprise, can_administer, can_create_batch,
               can_manage_batch, can_view_batch, can_manage_scenario, can_view_scenario, can_edit_scenario,
               can_publish_scenario, can_cancel_scenario, is_sealed,
               take_list_refusal, can_take_list, owns_proposal, can_view_proposal, can_withdraw_proposal,
               can_see_proposal_count, can_download_attachment)
}


# --- Catalogue: 首台（套）products ------------------------------------------------------------------

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


def load_enterprise_or_404(ident: int, user, need: Callable = can_view_enterprise):
    from portal.accounts.models import Organization

    return load_or_404(Organization, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_apply_product, owns_product, can_review_product, can_edit_product,
                                                  can_approve_product, can_reject_product, can_revoke_product,
                                                  can_classify_product, can_view_product, can_import_products)})


# --- Reviews, 公示 and objections ------------------------------------------------------------------

def is_reviewer(user) -> bool:
    return has_role(user, Role.REVIEWER)


def can_manage_review(user, scenario) -> bool:
    """The owning department runs the review once the deadline has opened the proposals."""
    return can_manage_scenario(user, scenario) and not is_sealed(scenario)


def can_view_review(user, review) -> bool:
    """A reviewer sees only its own assignments that are still its work (not excluded, recused or cancelled),
    and never on a scenario whose bids are sealed."""
    from portal.scenarios.models import ScenarioState

    return (is_reviewer(user) and review.reviewer_id == user.id and review.is_active
            and review.scenario.state != ScenarioState.CANCELLED and not is_sealed(review.scenario))


def can_review_proposal(user, review) -> bool:
    """The proposal's content only after the reviewer declared no conflict, and never once excluded."""
    from portal.reviews.models import ReviewState

    return can_view_review(user, review) and review.state in (ReviewState.IN_PROGRESS, ReviewState.SUBMITTED)


def can_recuse(user, review) -> bool:
    """A reviewer may withdraw from its review at any time before submitting the scores, with a reason."""
    from portal.reviews import lifecycle

    return can_view_review(user, review) and lifecycle.permits(review, "recuse")


def can_reopen_review(user, review) -> bool:
    """The department sends a submitted review back (退回) while its scenario is still under review."""
    from portal.reviews import lifecycle

    return can_manage_review(user, review.scenario) and lifecycle.permits(review, "reopen")


def can_decide(user, scenario) -> bool:
    """定榜 from the review stage; the operation also needs a complete ranking."""
    from portal.scenarios import lifecycle

    return can_manage_review(user, scenario) and lifecycle.permits(scenario, "decide")


def can_announce(user, scenario) -> bool:
    from portal.scenarios import lifecycle

    return can_manage_review(user, scenario) and lifecycle.permits(scenario, "announce")


def can_edit_conflict_profile(user, reviewer) -> bool:
    """Only the reviewer keeps its conflict profile (an admin sets the employer when creating the account)."""
    return is_reviewer(user) and user.id == reviewer.id


def reviewable_review(user, attachment):
    """The user's review that lets it read `attachment` (a file of the reviewed version), or None."""
    from sqlalchemy import select

    from portal.reviews.models import Review

    if not is_reviewer(user):
        return None
    latest = attachment.proposal.latest_version
    if latest is None or attachment not in latest.attachments:
        return None
    review = db.session.scalar(select(Review).where(Review.proposal_id == attachment.proposal_id,
                                                    Review.reviewer_id == user.id))
    return review if review is not None and can_review_proposal(user, review) else None


def is_blind_review(scenario) -> bool:
    from portal.reviews.models import ReviewSetup

    setup = db.session.get(ReviewSetup, scenario.id)
    return setup is None or setup.blind


def can_download_attachment_as_reviewer(user, attachment) -> bool:
    """Under its own name only in an open review; blind reviewers get neutral names from their workspace."""
    return reviewable_review(user, attachment) is not None and not is_blind_review(attachment.proposal.scenario)


def can_view_announcement(user, scenario) -> bool:
    """公示 is public from its start; the department sees it as soon as it is announced."""
    decision = scenario.decision
    # It names the winning bidders: never on a scenario whose bids are sealed (no decision should exist there).
    if decision is None or not decision.is_announced or is_sealed(scenario):
        return False
    return decision.window_started or can_manage_scenario(user, scenario)


def objection_refusal(user, scenario) -> str | None:
    """Why `user` cannot object to the scenario's 公示 right now, or None when it can."""
    from flask_babel import gettext as _

    from portal.scenarios.models import ScenarioState

    decision = scenario.decision
    # A scenario cancelled during its 公示 takes no more objections: its window no longer leads anywhere.
    if decision is None or not decision.window_open or scenario.status != ScenarioState.ANNOUNCED:
        return _("不在公示期内，不能提出异议。")
    if not (user and user.is_authenticated):
        return _("提出异议需以企业账号登录。")
    if not is_verified_enterprise(user):
        return _("只有通过平台认证的企业可以提出异议。")
    return None


def can_file_objection(user, scenario) -> bool:
    return objection_refusal(user, scenario) is None


def can_view_objection(user, objection) -> bool:
    """The objecting enterprise and the owning department."""
    return ((has_role(user, Role.ENTERPRISE) and objection.organization_id == user.organization_id)
            or can_manage_scenario(user, objection.decision.scenario))


def can_answer_objection(user, objection) -> bool:
    return can_manage_scenario(user, objection.decision.scenario)


def load_review_or_404(ident: int, user, need: Callable = can_view_review):
    from portal.reviews.models import Review

    return load_or_404(Review, ident, user, need)


def load_objection_or_404(ident: int, user, need: Callable = can_view_objection):
    from portal.announcements.models import Objection

    return load_or_404(Objection, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (is_reviewer, can_manage_review, can_view_review, can_review_proposal,
                                                  can_view_announcement, objection_refusal, can_file_objection,
                                                  can_view_objection, can_answer_objection, can_recuse,
                                                  can_reopen_review, can_decide, can_announce)})


# --- Sector follows ---------------------------------------------------------------------------------

def can_follow_sectors(user) -> bool:
    """Any enterprise account (verified or not yet) chooses the sectors whose new scenarios it hears of."""
    return has_role(user, Role.ENTERPRISE)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_follow_sectors,)})


def can_use_two_factor(user) -> bool:
    """Staff accounts (departments, reviewers, admins) may protect their sign-in with a second factor."""
    return has_role(user, Role.GOVERNMENT, Role.REVIEWER, Role.ADMIN)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_use_two_factor,)})


# --- 场景能力清单: capabilities of verified enterprises ------------------------------------------------

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

    return (owns_capability(user, capability) and is_verified_enterprise(user)
            and lifecycle.is_editable(capability))


def can_submit_capability(user, capability) -> bool:
    from portal.capabilities import lifecycle

    return (owns_capability(user, capability) and is_verified_enterprise(user)
            and lifecycle.permits(capability, "submit"))


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


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_publish_capability, owns_capability, can_review_capability,
                                                  can_view_capability, can_see_capability_contact,
                                                  can_edit_capability, can_submit_capability,
                                                  can_withdraw_capability, can_approve_capability,
                                                  can_return_capability)})
