"""Reviews: the department running one, the reviewers' assignments and files, discussions, the 专家库."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.extensions import db
from portal.permissions.guards import load_or_404
from portal.permissions.roles import is_admin, is_reviewer
from portal.permissions.scenarios import can_manage_scenario, is_sealed


def can_manage_review(user, scenario) -> bool:
    """The owning department runs the review once the deadline has opened the proposals."""
    return can_manage_scenario(user, scenario) and not is_sealed(scenario)


def can_view_review(user, review) -> bool:
    """A reviewer sees only its own assignments that are still its work (not excluded, recused or cancelled),
    and never on a scenario whose bids are sealed."""
    from portal.scenarios.models import ScenarioState

    return (
        is_reviewer(user)
        and review.reviewer_id == user.id
        and review.is_active
        and review.scenario.state != ScenarioState.CANCELLED
        and not is_sealed(review.scenario)
    )


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


def can_edit_conflict_profile(user, reviewer) -> bool:
    """Only the reviewer keeps its conflict profile (an admin sets the employer when creating the account)."""
    return is_reviewer(user) and user.id == reviewer.id


def reviewable_review(user, attachment):
    """The user's review that lets it read `attachment` (a file of the reviewed version), or None."""
    latest = attachment.proposal.latest_version
    if latest is None or attachment not in latest.attachments:
        return None
    return reading_review(user, attachment.proposal)


def reading_review(user, proposal):
    """The user's review of `proposal` that lets it read the proposal's content now, or None."""
    from sqlalchemy import select

    from portal.reviews.models import Review

    if not is_reviewer(user):
        return None
    review = db.session.scalar(select(Review).where(Review.proposal_id == proposal.id, Review.reviewer_id == user.id))
    return review if review is not None and can_review_proposal(user, review) else None


def is_blind_review(scenario) -> bool:
    from portal.reviews.models import ReviewSetup

    setup = db.session.get(ReviewSetup, scenario.id)
    return setup is None or setup.blind


def can_download_attachment_as_reviewer(user, attachment) -> bool:
    """Under its own name only in an open review; blind reviewers get neutral names from their workspace."""
    return reviewable_review(user, attachment) is not None and not is_blind_review(attachment.proposal.scenario)


def load_review_or_404(ident: int, user, need: Callable = can_view_review):
    from portal.reviews.models import Review

    return load_or_404(Review, ident, user, need)


def is_on_panel(user, proposal) -> bool:
    """A reviewer assigned to the proposal's scenario whose work it still is there, and not kept out of this
    proposal (excluded, recused or replaced): a conflicted or replaced reviewer never reads its discussion."""
    from sqlalchemy import select

    from portal.reviews.models import ACTIVE_STATES, Review

    if not is_reviewer(user):
        return False
    states = set(
        db.session.scalars(
            select(Review.state).where(Review.scenario_id == proposal.scenario_id, Review.reviewer_id == user.id)
        )
    )
    kept_out = db.session.scalar(
        select(Review.id).where(
            Review.proposal_id == proposal.id, Review.reviewer_id == user.id, Review.state.not_in(ACTIVE_STATES)
        )
    )
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


# --- 专家库 and the random draw of experts ---------------------------------------------------------


def can_edit_expert_profile(user, reviewer) -> bool:
    """The reviewer keeps its fields, district and availability; a platform admin may set them for it."""

    if reviewer is None or reviewer.role != Role.REVIEWER:
        return False
    return (is_reviewer(user) and user.id == reviewer.id) or is_admin(user)


def can_draw_experts(user, scenario) -> bool:
    """The department that runs the review draws (and hand-picks) its experts; the operation also needs the
    scenario closed or under review."""
    return can_manage_review(user, scenario)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_manage_review,
    can_view_review,
    can_review_proposal,
    can_recuse,
    can_reopen_review,
    can_view_discussion,
    can_edit_expert_profile,
    can_draw_experts,
)
