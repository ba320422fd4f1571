"""The product state machine: pending → approved | rejected; approved → revoked.

Only approved products are public. A rejected application may be amended and sent again.
"""

from portal.catalogue.models import ProductState as S
from portal.util.state_machine import StateMachine

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.PENDING, "approve"): S.APPROVED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.APPROVED, "revoke"): S.REVOKED,
    (S.REJECTED, "resubmit"): S.PENDING,
}
# The enterprise amends its application until it is listed; a rejected one goes back through "resubmit".
EDITABLE = frozenset({S.PENDING, S.REJECTED})


MACHINE = StateMachine(TRANSITIONS)
allowed_actions = MACHINE.allowed_actions
permits = MACHINE.permits
ensure_transition = MACHINE.ensure_transition
