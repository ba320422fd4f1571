"""A state machine as a table of (state, action) → next state, with the three questions every domain asks of it."""

from collections.abc import Mapping
from enum import Enum

from flask_babel import gettext as _

from portal.errors import InvalidTransition


class StateMachine:
    def __init__(self, transitions: Mapping[tuple[Enum, str], Enum]):
        self.transitions = dict(transitions)

    def allowed_actions(self, current) -> list[str]:
        return [action for (state, action) in self.transitions if state == current]

    def permits(self, obj, action: str) -> bool:
        """Whether `action` may be taken on `obj` in its current state."""
        return (obj.state, action) in self.transitions

    def ensure_transition(self, obj, action: str):
        """Return the state `action` leads to from `obj`'s state, or refuse it."""
        target = self.transitions.get((obj.state, action))
        if target is None:
            raise InvalidTransition(_("当前状态为“%(state)s”，不能执行该操作。", state=obj.state.label))
        return target
