"""Who may do what: every authorization decision of the portal is made here.

Predicates take the user explicitly and are registered as Jinja globals, so the same function
decides the 403/404 in a view and whether a template shows the button.
"""

from collections.abc import Callable

from flask import abort

from portal.accounts.models import Role
from portal.extensions import db
from portal.util import masking


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
    """公示 is public from its start; the department sees it as soon as it is announced. A 公示 reopened by an
    upheld objection stays public, on record, while the new decision is prepared."""
    # It names the winning bidders: never on a scenario whose bids are sealed (no decision should exist there).
    if is_sealed(scenario):
        return False
    return can_view_current_announcement(user, scenario) or has_past_announcements(scenario)


def can_view_current_announcement(user, scenario) -> bool:
    """The 公示 of the current decision: from its start, or once announced for the owning department."""
    decision = scenario.decision
    if decision is None or not decision.is_announced or is_sealed(scenario):
        return False
    return decision.window_started or can_manage_scenario(user, scenario)


def has_past_announcements(scenario) -> bool:
    """Whether an upheld objection reopened an earlier 公示 of the scenario (kept on record)."""
    from sqlalchemy import exists, select

    from portal.announcements.models import PastDecision
    from portal.scenarios.models import ScenarioState

    # Only a scenario that has been in review can have had a 公示: the others are not asked (one query saved on
    # every scenario page).
    if scenario.state in (ScenarioState.DRAFT, ScenarioState.PUBLISHED, ScenarioState.CLOSED):
        return False
    return bool(db.session.scalar(select(exists().where(PastDecision.scenario_id == scenario.id))))


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
            or can_manage_scenario(user, objection.scenario))


def can_answer_objection(user, objection) -> bool:
    return can_manage_scenario(user, objection.scenario)


def can_view_feedback(user, proposal) -> bool:
    """A bidder reads its own proposal's review (score, place, anonymised comments) once the result is final,
    as far as the department chose to give it; nobody reads another bidder's."""
    decision = proposal.scenario.decision
    return (owns_proposal(user, proposal) and proposal.is_submitted and proposal.scenario.is_final
            and decision is not None
            and decision.feedback.shows_total and not is_sealed(proposal.scenario))


def load_feedback_proposal_or_404(ident: int, user):
    return load_proposal_or_404(ident, user, need=can_view_feedback)


def load_review_or_404(ident: int, user, need: Callable = can_view_review):
    from portal.reviews.models import Review

    return load_or_404(Review, ident, user, need)


def load_objection_or_404(ident: int, user, need: Callable = can_view_objection):
    from portal.announcements.models import Objection

    return load_or_404(Objection, ident, user, need)


def is_on_panel(user, proposal) -> bool:
    """A reviewer assigned to the proposal's scenario whose work it still is there, and not kept out of this
    proposal (excluded, recused or replaced): a conflicted or replaced reviewer never reads its discussion."""
    from sqlalchemy import select

    from portal.reviews.models import ACTIVE_STATES, Review

    if not is_reviewer(user):
        return False
    states = set(db.session.scalars(select(Review.state).where(Review.scenario_id == proposal.scenario_id,
                                                               Review.reviewer_id == user.id)))
    kept_out = db.session.scalar(select(Review.id).where(Review.proposal_id == proposal.id,
                                                         Review.reviewer_id == user.id,
                                                         Review.state.not_in(ACTIVE_STATES)))
    return bool(states & set(ACTIVE_STATES)) and kept_out is None


def can_view_discussion(user, proposal) -> bool:
    """The discussion of a proposal flagged 需讨论: the panel and the owning department only; never the bidders,
    the public or platform admins, who take no part in a review (the audit log keeps every post)."""
    from portal.proposals.models import ProposalState
    from portal.scenarios.models import ScenarioState

    scenario = proposal.scenario
    if is_sealed(scenario) or proposal.state != ProposalState.SUBMITTED:
        return False
    if can_manage_review(user, scenario):
        return True
    return scenario.state != ScenarioState.CANCELLED and is_on_panel(user, proposal)


def load_discussion_or_404(proposal_id: int, user):
    from portal.proposals.models import Proposal

    return load_or_404(Proposal, proposal_id, user, can_view_discussion)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (is_reviewer, can_manage_review, can_view_review, can_review_proposal,
                                                  can_view_announcement, objection_refusal, can_file_objection,
                                                  can_view_objection, can_answer_objection, can_recuse,
                                                  can_view_current_announcement, can_view_feedback,
                                                  has_past_announcements,
                                                  can_reopen_review, can_decide, can_announce,
                                                  can_view_discussion)})


# --- Sector follows ---------------------------------------------------------------------------------

def can_follow_sectors(user) -> bool:
    """Any enterprise account (verified or not yet) chooses the sectors whose new scenarios it hears of."""
    return has_role(user, Role.ENTERPRISE)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_follow_sectors,)})


def can_use_two_factor(user) -> bool:
    """Staff accounts (departments, reviewers, admins) may protect their sign-in with a second factor."""
    return has_role(user, Role.GOVERNMENT, Role.REVIEWER, Role.ADMIN)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_use_two_factor,)})


# --- Clarifications (答疑) and the opening record (开标记录) -------------------------------------------

def is_enterprise_account(user) -> bool:
    """Any enterprise account, verified or not yet (the rules of each action say what it may do)."""
    return has_role(user, Role.ENTERPRISE)


def question_refusal(user, scenario) -> str | None:
    """Why `user` cannot ask a question on `scenario` right now, or None when it can."""
    from flask_babel import gettext as _

    from portal.clarifications.queries import question_deadline
    from portal.util import clock

    if not scenario.is_open:
        return _("该场景不在揭榜期内，不能提问。")
    closes = question_deadline(scenario)
    if closes is not None and closes <= clock.now():
        return _("提问已于 %(deadline)s 截止。", deadline=clock.to_local(closes).strftime("%Y-%m-%d %H:%M"))
    if not (user and user.is_authenticated):
        return _("提问需以企业账号登录。")
    if not has_role(user, Role.ENTERPRISE):
        return _("只有企业账号可以提问。")
    if not user.organization.is_verified:
        return _("贵单位尚未通过平台认证，认证通过后即可提问。")
    return None


def can_ask_question(user, scenario) -> bool:
    return question_refusal(user, scenario) is None


def can_manage_questions(user, scenario) -> bool:
    """The owning department reads its scenarios' questions (never who asked them) and sets the call's terms."""
    return can_manage_scenario(user, scenario)


def can_answer_question(user, question) -> bool:
    """Answer or decline a pending question while the scenario still takes proposals."""
    return (can_manage_scenario(user, question.scenario) and question.is_pending
            and question.scenario.is_open)


def owns_question(user, question) -> bool:
    """The asking enterprise: the only one ever told who asked."""
    return has_role(user, Role.ENTERPRISE) and question.organization_id == user.organization_id


def can_view_question_as_department(user, question) -> bool:
    return can_manage_questions(user, question.scenario)


def can_view_question(user, question) -> bool:
    return owns_question(user, question) or can_view_question_as_department(user, question)


def can_set_call_terms(user, scenario) -> bool:
    """The question deadline, while the scenario is a draft or open; see can_set_opening_names for the rest."""
    return can_manage_scenario(user, scenario) and (scenario.is_draft or scenario.is_open)


def can_set_opening_names(user, scenario) -> bool:
    """Whether the opening record names the bidders is a term bidders rely on: fixed once published."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.is_editable(scenario)


def can_view_opening_record(user, scenario) -> bool:
    """Everyone who sees the scenario, once its deadline has unsealed the bids; never before, and never on a
    scenario cancelled before its deadline (the sealed-bid rule, Scenario.bids_unsealed)."""
    return can_view_scenario(user, scenario) and not is_sealed(scenario)


def load_question_or_404(ident: int, user, need: Callable = can_view_question):
    from portal.clarifications.models import Question

    return load_or_404(Question, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (question_refusal, can_ask_question, can_manage_questions,
                                                  can_answer_question, owns_question, can_set_call_terms,
                                                  can_set_opening_names, can_view_opening_record)})
# --- 变更公告 and the files of a call -----------------------------------------------------------------

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

    return (owns_proposal(user, proposal) and proposal.scenario.is_open
            and pending_amendment(proposal) is not None)


def can_set_amendment_policy(user) -> bool:
    return is_admin(user)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_amend_scenario, can_attach_to_scenario,
                                                  can_download_scenario_attachment, can_confirm_proposal)})
# --- Personal information (个人信息保护法) -------------------------------------------------------------
# Contacts' names, phones and e-mail addresses are shown in full only to whoever needs them; everybody else, the
# open-data API and every export see them masked (portal/util/masking.py).

def can_see_scenario_contact(user, scenario) -> bool:
    """The owning department and platform admins see a scenario's contact in full."""
    return is_admin(user) or can_manage_scenario(user, scenario)


def can_see_enterprise_contact(user, organization) -> bool:
    """The enterprise itself and platform admins see an enterprise's contact in full."""
    return is_admin(user) or (has_role(user, Role.ENTERPRISE) and user.organization_id == organization.id)


def scenario_contact(user, scenario) -> dict:
    """The scenario's contact as `user` may see it: in full or masked."""
    return masking.contact(scenario.contact_name, scenario.contact_phone, scenario.contact_email,
                           full=can_see_scenario_contact(user, scenario))


def enterprise_contact(user, organization) -> dict:
    """The enterprise's contact as `user` may see it: in full or masked."""
    return masking.contact(organization.contact_name, organization.contact_phone, None,
                           full=can_see_enterprise_contact(user, organization))


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_see_scenario_contact, can_see_enterprise_contact,
                                                  scenario_contact, enterprise_contact)})
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


# --- Two-way matchmaking: 邀请揭榜 and 对接 meetings ---------------------------------------------------

def can_invite_to_bid(user, scenario) -> bool:
    """The department owning a scenario invites enterprises to bid while it is open (揭榜期内)."""
    return can_manage_scenario(user, scenario) and scenario.is_open


def can_use_meetings(user) -> bool:
    """对接 is between departments and verified enterprises."""
    return is_department(user) or is_verified_enterprise(user)


def can_request_meeting(user, scenario) -> bool:
    """The owning department or a verified enterprise, about a public scenario not cancelled."""
    from portal.scenarios.models import ScenarioState

    public = (scenario.is_public and scenario.batch.is_published and scenario.state != ScenarioState.CANCELLED)
    return public and (can_manage_scenario(user, scenario) or is_verified_enterprise(user))


def meeting_side(user, meeting) -> str | None:
    """"department" or "enterprise" when the user's organization takes part in the meeting, else None."""
    if is_department(user) and meeting.department_id == user.organization_id:
        return "department"
    if has_role(user, Role.ENTERPRISE) and meeting.enterprise_id == user.organization_id:
        return "enterprise"
    return None


def can_view_meeting(user, meeting) -> bool:
    return meeting_side(user, meeting) is not None


def can_answer_meeting(user, meeting) -> bool:
    """Accept or decline: the side the current time and place wait for."""
    from portal.meetings import lifecycle

    side = meeting_side(user, meeting)
    return (side is not None and meeting.awaiting == side and lifecycle.permits(meeting, "accept"))


def can_accept_meeting(user, meeting) -> bool:
    """A time already passed cannot be accepted: the side asked proposes another or declines."""
    from portal.util import clock

    return can_answer_meeting(user, meeting) and clock.now() < meeting.starts_at


def can_propose_meeting_time(user, meeting) -> bool:
    """Another time: the side asked, or either side of an accepted meeting before it starts."""
    from portal.meetings import lifecycle
    from portal.meetings.models import MeetingState
    from portal.util import clock

    if meeting.state == MeetingState.ACCEPTED:
        return can_view_meeting(user, meeting) and clock.now() < meeting.starts_at
    return can_answer_meeting(user, meeting) and lifecycle.permits(meeting, "propose")


def can_record_meeting(user, meeting) -> bool:
    """Either side records the outcome of an accepted meeting once its time has come."""
    from portal.meetings import lifecycle
    from portal.util import clock

    return (can_view_meeting(user, meeting) and lifecycle.permits(meeting, "record")
            and clock.now() >= meeting.starts_at)


def load_meeting_or_404(ident: int, user, need: Callable = can_view_meeting):
    from portal.meetings.models import Meeting

    return load_or_404(Meeting, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_invite_to_bid, can_use_meetings,
                                                  can_request_meeting, meeting_side, can_view_meeting,
                                                  can_answer_meeting, can_accept_meeting, can_propose_meeting_time,
                                                  can_record_meeting)})

# --- Projects after 揭榜成功: 任务书, progress, 验收; the 场景创新成果 showcase ----------------------------
# The parties are the winner's accounts and the owning department; experts invited to 验收 read the project
# too. State rules are portal/projects/lifecycle.py's, so a button shows exactly when the operation accepts.

def is_project_winner(user, project) -> bool:
    return has_role(user, Role.ENTERPRISE) and user.organization_id == project.organization_id


def is_project_department(user, project) -> bool:
    return is_department(user) and user.organization_id == project.department_id


def is_project_party(user, project) -> bool:
    return is_project_winner(user, project) or is_project_department(user, project)


def is_project_expert(user, project) -> bool:
    return is_reviewer(user) and any(e.reviewer_id == user.id for e in project.experts)


def can_view_project(user, project) -> bool:
    return is_project_party(user, project) or is_project_expert(user, project)


def can_draft_plan(user, project) -> bool:
    """A first 任务书, or a new version of the agreed one, while none is open."""
    from portal.projects import lifecycle

    return (is_project_department(user, project) and project.state in lifecycle.PLANNABLE
            and project.open_plan is None)


def can_edit_plan(user, plan) -> bool:
    from portal.projects import lifecycle

    return (is_project_department(user, plan.project) and lifecycle.plan_is_editable(plan)
            and plan.project.state in lifecycle.PLANNABLE)


def can_propose_plan(user, plan) -> bool:
    from portal.projects import lifecycle

    return can_edit_plan(user, plan) and lifecycle.PLANS.permits(plan, "propose")


def can_answer_plan(user, plan) -> bool:
    """The winner agrees to a sent 任务书, or returns it with a comment."""
    from portal.projects import lifecycle

    return (is_project_winner(user, plan.project) and lifecycle.PLANS.permits(plan, "agree")
            and plan.project.state in lifecycle.PLANNABLE)


def can_report_progress(user, project) -> bool:
    from portal.projects import lifecycle

    return is_project_winner(user, project) and project.state in lifecycle.REPORTABLE


def can_mark_milestone(user, milestone) -> bool:
    from portal.projects import lifecycle
    from portal.projects.models import PlanState, ProjectState

    project = milestone.plan.project
    return (is_project_department(user, project) and milestone.plan.state == PlanState.AGREED
            and project.state in (ProjectState.IN_PROGRESS, ProjectState.ACCEPTANCE)
            and lifecycle.MILESTONES.permits(milestone, "met"))


def can_open_acceptance(user, project) -> bool:
    """Once every milestone of the 任务书 in force is marked and no new version is pending."""
    from portal.projects import lifecycle

    return (is_project_department(user, project) and lifecycle.PROJECTS.permits(project, "open_acceptance")
            and project.open_plan is None and all(m.is_marked for m in project.milestones))


def can_run_acceptance(user, project) -> bool:
    """Invite experts and record the result, while 验收 is open."""
    from portal.projects.models import ProjectState

    return is_project_department(user, project) and project.state == ProjectState.ACCEPTANCE


def can_record_result(user, project) -> bool:
    """Once every expert invited to this round has given an opinion."""
    experts = project.round_experts
    return can_run_acceptance(user, project) and bool(experts) and all(e.has_given for e in experts)


def can_give_opinion(user, expert) -> bool:
    from portal.projects.models import ProjectState

    project = expert.project
    return (is_reviewer(user) and expert.reviewer_id == user.id and project.state == ProjectState.ACCEPTANCE
            and expert.round == project.acceptance_round and not expert.has_given)


def can_view_opinions(user, project) -> bool:
    """The department reads every opinion; an expert reads its own (shown on its page)."""
    return is_project_department(user, project)


def can_edit_case(user, project) -> bool:
    """The winner writes the public case (summary, measured results, pictures, links) from 验收 on."""
    from portal.projects.models import ProjectState

    return is_project_winner(user, project) and project.state in (
        ProjectState.ACCEPTANCE, ProjectState.PASSED, ProjectState.CONDITIONAL)


def can_view_case(user, project) -> bool:
    """场景创新成果: projects that passed 验收 (with or without conditions) are public."""
    return project.is_showcased


def can_view_project_result(user, project) -> bool:
    """A recorded 验收 result is published, whatever it is."""
    return bool(project.results) or can_view_project(user, project)


def can_download_report_attachment(user, attachment) -> bool:
    return can_view_project(user, attachment.report.project)


def load_project_or_404(ident: int, user, need: Callable = can_view_project):
    from portal.projects.models import Project

    return load_or_404(Project, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (
    is_project_winner, is_project_department, is_project_party, is_project_expert, can_view_project,
    can_draft_plan, can_edit_plan, can_propose_plan, can_answer_plan, can_report_progress, can_mark_milestone,
    can_open_acceptance, can_run_acceptance, can_record_result, can_give_opinion, can_view_opinions,
    can_edit_case, can_view_case, can_view_project_result, is_enterprise_account)})

# --- 专家库 and the random draw of experts ---------------------------------------------------------

def can_edit_expert_profile(user, reviewer) -> bool:
    """The reviewer keeps its fields, district and availability; a platform admin may set them for it."""
    from portal.accounts.models import Role

    if reviewer is None or reviewer.role != Role.REVIEWER:
        return False
    return (is_reviewer(user) and user.id == reviewer.id) or is_admin(user)


def can_draw_experts(user, scenario) -> bool:
    """The department that runs the review draws (and hand-picks) its experts; the operation also needs the
    scenario closed or under review."""
    return can_manage_review(user, scenario)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_edit_expert_profile, can_draw_experts)})

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

    return (is_invited_member(user, member) and is_verified_enterprise(user) and member.proposal.scenario.is_open
            and bool(consortia.MACHINE.allowed_actions(member.state)))


def load_invitation_or_404(ident: int, user, need: Callable = is_invited_member):
    from portal.proposals.models import ConsortiumMember

    return load_or_404(ConsortiumMember, ident, user, need)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_manage_consortium, is_invited_member, can_answer_invitation)})


# --- Catalogue: 首台（套）validity -------------------------------------------------------------------------

def can_correct_product_validity(user, product) -> bool:
    """Platform admins correct the last day a recognition counts (an official notice may set another)."""
    return is_admin(user)


JINJA_GLOBALS.update({fn.__name__: fn for fn in (can_correct_product_validity,)})
