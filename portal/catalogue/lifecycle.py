"""The product state machine: pending → approved | rejected; approved → revoked.

Only approved products are public. A rejected application may be amended and sent again.
"""

from flask_babel import gettext as _

from portal.catalogue.models import ProductState as S
from portal.errors import InvalidTransition

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.PENDING, "approve"): S.APPROVED,
    (S.PENDING, "reject"): S.REJECTED,
    (S.APPROVED, "revoke"): S.REVOKED,
    (S.REJECTED, "resubmit"): S.PENDING,
}
# The enterprise amends its application until it is listed; a rejected one goes back through "resubmit".
EDITABLE = frozenset({S.PENDING, S.REJECTED})


def allowed_actions(current: S) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == current]


def permits(product, action: str) -> bool:
    """Whether `action` may be taken on the product in its current state; the predicates ask this table too."""
    return action in allowed_actions(product.state)


def ensure_transition(product, action: str) -> S:
    """Return the state `action` leads to from the product's state, or refuse it."""
    target = TRANSITIONS.get((product.state, action))
    if target is None:
        raise InvalidTransition(_("当前状态为“%(state)s”，不能执行该操作。", state=product.state.label))
    return target
