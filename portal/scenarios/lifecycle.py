"""The scenario state machine: every state change goes through `ensure_transition`.

draft → published → closed → under_review → decided → announced → final, and cancelled from any
state before final. `closed` is reached by the deadline, by server time, never by a person.
An objection upheld during 公示 sends an announced scenario back to under_review: with every review
returned to its reviewer (reopen_review) or with the reviews as they are, for a new decision
(reopen_decision); either way a new decision and a new 公示 follow before the result can be final.
The permission predicates ask `permits` and the operations `ensure_transition`: one table answers both.
"""

from flask_babel import gettext as _

from portal.errors import InvalidTransition
from portal.scenarios.models import ScenarioState as S

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.DRAFT, "publish"): S.PUBLISHED,
    (S.PUBLISHED, "close"): S.CLOSED,
    (S.CLOSED, "start_review"): S.UNDER_REVIEW,
    (S.UNDER_REVIEW, "decide"): S.DECIDED,
    (S.DECIDED, "announce"): S.ANNOUNCED,
    (S.ANNOUNCED, "finalize"): S.FINAL,
    (S.ANNOUNCED, "reopen_review"): S.UNDER_REVIEW,
    (S.ANNOUNCED, "reopen_decision"): S.UNDER_REVIEW,
}
CANCELLABLE = frozenset(S) - {S.FINAL, S.CANCELLED}
# Once published, a scenario's terms are fixed for every bidder: only a draft is edited.
EDITABLE = frozenset({S.DRAFT})


def target_state(current: S, action: str) -> S | None:
    if action == "cancel":
        return S.CANCELLED if current in CANCELLABLE else None
    return TRANSITIONS.get((current, action))


def allowed_actions(current: S) -> list[str]:
    actions = [action for (state, action) in TRANSITIONS if state == current]
    if current in CANCELLABLE:
        actions.append("cancel")
    return actions


def permits(scenario, action: str) -> bool:
    """Whether `action` may be taken on the scenario in its current state (by server time)."""
    return action in allowed_actions(scenario.status)


def is_editable(scenario) -> bool:
    return scenario.status in EDITABLE


def ensure_transition(scenario, action: str) -> S:
    """Return the state `action` leads to from the scenario's current state, or refuse it."""
    current = scenario.status
    target = target_state(current, action)
    if target is None:
        raise InvalidTransition(_("当前状态为“%(state)s”，不能执行该操作。", state=current.label))
    return target
