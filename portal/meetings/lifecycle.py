"""The meeting state machine: requested (待确认) → accepted | declined; the side asked may instead propose
another time, which asks the first side in turn; an accepted meeting may be moved the same way, and once its
time has come either side records the outcome (已记录结果)."""

from portal.meetings.models import MeetingState as S
from portal.util.state_machine import StateMachine

TRANSITIONS: dict[tuple[S, str], S] = {
    (S.REQUESTED, "accept"): S.ACCEPTED,
    (S.REQUESTED, "decline"): S.DECLINED,
    (S.REQUESTED, "propose"): S.REQUESTED,
    (S.ACCEPTED, "propose"): S.REQUESTED,
    (S.ACCEPTED, "record"): S.RECORDED,
}

MACHINE = StateMachine(TRANSITIONS)
permits = MACHINE.permits
ensure_transition = MACHINE.ensure_transition
