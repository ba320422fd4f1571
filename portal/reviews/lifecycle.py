"""The review state machine, one reviewer's review of one proposal.

pending → in_progress (declared no conflict) → submitted; submitted → in_progress when the department
reopens it; pending or in_progress → replaced when the reviewer is overdue after the review period and the
department gives the work to a standby reviewer (portal/reviews/period.py). Before submitting, a review leaves
the work as excluded (the conflict profile matches the bidder) or recused (the reviewer declared a conflict).
Reviews change only while their scenario is under review.
"""

from flask_babel import gettext as _

from portal.errors import InvalidTransition
from portal.reviews.models import ReviewState as R
from portal.scenarios.models import ScenarioState

TRANSITIONS: dict[tuple[R, str], R] = {
    (R.PENDING, "declare"): R.IN_PROGRESS,
    (R.PENDING, "exclude"): R.EXCLUDED,
    (R.IN_PROGRESS, "exclude"): R.EXCLUDED,
    (R.SUBMITTED, "exclude"): R.EXCLUDED,  # a profile updated after submitting still excludes
    (R.PENDING, "recuse"): R.RECUSED,
    (R.IN_PROGRESS, "recuse"): R.RECUSED,
    (R.IN_PROGRESS, "submit"): R.SUBMITTED,
    (R.SUBMITTED, "reopen"): R.IN_PROGRESS,
    # Overdue after the review period: the department gives the unfinished work to a standby reviewer.
    (R.PENDING, "replace"): R.REPLACED,
    (R.IN_PROGRESS, "replace"): R.REPLACED,
}


def allowed_actions(current: R) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == current]


def in_review(scenario) -> bool:
    """Whether the scenario's reviews may still change (declared, scored, recused, reopened)."""
    return scenario.status == ScenarioState.UNDER_REVIEW


def permits(review, action: str) -> bool:
    """Whether `action` may be taken on the review now: its state allows it and its scenario is under review."""
    return action in allowed_actions(review.state) and in_review(review.scenario)


def ensure_transition(review, action: str) -> R:
    """Return the state `action` leads to from the review's state, or refuse it."""
    target = TRANSITIONS.get((review.state, action))
    if target is None:
        raise InvalidTransition(_("当前状态为“%(state)s”，不能执行该操作。", state=review.state.label))
    return target
