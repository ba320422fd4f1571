"""The proposal state machine: draft → submitted ⇄ withdrawn, and submitted again to replace a submission.

Each submission is a new immutable version; the state only says whether the latest one stands. When a
proposal may act (the scenario open, or the proposal void) is decided by the caller, not by this table.
"""

from flask_babel import gettext as _

from portal.errors import InvalidTransition
from portal.proposals.models import ProposalState as S

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "submit"): S.SUBMITTED,
    (S.WITHDRAWN, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
}


def allowed_actions(current: S) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == current]


def permits(proposal, action: str) -> bool:
    """Whether `action` may be taken on the proposal in its current state."""
    return action in allowed_actions(proposal.state)


def ensure_transition(proposal, action: str) -> S:
    """Return the state `action` leads to from the proposal's state, or refuse it."""
    target = TRANSITIONS.get((proposal.state, action))
    if target is None:
        raise InvalidTransition(_("当前状态为“%(state)s”，不能执行该操作。", state=proposal.state.label))
    return target
