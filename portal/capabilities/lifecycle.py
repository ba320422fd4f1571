"""The capability state machine: draft → submitted (待审核) → approved (公开) | returned (退回);
a returned capability is amended and submitted again; the enterprise withdraws it from any state but withdrawn.

Only approved capabilities are public.
"""

from portal.capabilities.models import CapabilityState as S
from portal.util.state_machine import StateMachine

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "submit"): S.SUBMITTED,
    (S.RETURNED, "submit"): S.SUBMITTED,
    (S.SUBMITTED, "approve"): S.APPROVED,
    (S.SUBMITTED, "return"): S.RETURNED,
    (S.DRAFT, "withdraw"): S.WITHDRAWN,
    (S.SUBMITTED, "withdraw"): S.WITHDRAWN,
    (S.RETURNED, "withdraw"): S.WITHDRAWN,
    (S.APPROVED, "withdraw"): S.WITHDRAWN,
}
# The enterprise edits a draft, and a returned capability before sending it again.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})
# What the enterprise does (the owner's actions) and what a reviewer does.
OWNER_ACTIONS = frozenset({"submit", "withdraw"})
REVIEWER_ACTIONS = frozenset({"approve", "return"})

MACHINE = StateMachine(TRANSITIONS)
allowed_actions = MACHINE.allowed_actions
permits = MACHINE.permits
ensure_transition = MACHINE.ensure_transition


def is_editable(capability) -> bool:
    return capability.state in EDITABLE


def was_sent(capability) -> bool:
    """Whether the enterprise ever sent it to the reviewers (a draft never was)."""
    return capability.state != S.DRAFT
