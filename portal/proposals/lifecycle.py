"""The proposal state machine: draft → submitted ⇄ withdrawn, and submitted again to replace a submission.

Each submission is a new immutable version; the state only says whether the latest one stands. When a
proposal may act (the scenario open, or the proposal void) is decided by the caller, not by this table.
"""

from portal.proposals.models import ProposalState as S
from portal.util.state_machine import StateMachine

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "submit"): S.SUBMITTED,
    (S.WITHDRAWN, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
}


MACHINE = StateMachine(TRANSITIONS)
allowed_actions = MACHINE.allowed_actions
permits = MACHINE.permits
ensure_transition = MACHINE.ensure_transition
