"""Two-way matchmaking: 邀请揭榜 and 对接 meetings between departments and verified enterprises."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.roles import has_role, is_department, is_verified_enterprise
from portal.permissions.scenarios import can_manage_scenario


def can_invite_to_bid(user, scenario) -> bool:
    """The department owning a scenario invites enterprises to bid while it is open (揭榜期内)."""
    return can_manage_scenario(user, scenario) and scenario.is_open


def can_use_meetings(user) -> bool:
    """对接 is between departments and verified enterprises."""
    return is_department(user) or is_verified_enterprise(user)


def can_request_meeting(user, scenario) -> bool:
    """The owning department or a verified enterprise, about a public scenario not cancelled."""
    from portal.scenarios.models import ScenarioState

    public = scenario.is_public and scenario.batch.is_published and scenario.state != ScenarioState.CANCELLED
    return public and (can_manage_scenario(user, scenario) or is_verified_enterprise(user))


def meeting_side(user, meeting) -> str | None:
    """ "department" or "enterprise" when the user's organization takes part in the meeting, else None."""
    if is_department(user) and meeting.department_id == user.organization_id:
        return "department"
    if has_role(user, Role.ENTERPRISE) and meeting.enterprise_id == user.organization_id:
        return "enterprise"
    return None


def can_view_meeting(user, meeting) -> bool:
    return meeting_side(user, meeting) is not None


def can_answer_meeting(user, meeting) -> bool:
    """Accept or decline: the side the current time and place wait for."""
    from portal.meetings import lifecycle

    side = meeting_side(user, meeting)
    return side is not None and meeting.awaiting == side and lifecycle.permits(meeting, "accept")


def can_accept_meeting(user, meeting) -> bool:
    """A time already passed cannot be accepted: the side asked proposes another or declines."""
    from portal.util import clock

    return can_answer_meeting(user, meeting) and clock.now() < meeting.starts_at


def can_propose_meeting_time(user, meeting) -> bool:
    """Another time: the side asked, or either side of an accepted meeting before it starts."""
    from portal.meetings import lifecycle
    from portal.meetings.models import MeetingState
    from portal.util import clock

    if meeting.state == MeetingState.ACCEPTED:
        return can_view_meeting(user, meeting) and clock.now() < meeting.starts_at
    return can_answer_meeting(user, meeting) and lifecycle.permits(meeting, "propose")


def can_record_meeting(user, meeting) -> bool:
    """Either side records the outcome of an accepted meeting once its time has come."""
    from portal.meetings import lifecycle
    from portal.util import clock

    return can_view_meeting(user, meeting) and lifecycle.permits(meeting, "record") and clock.now() >= meeting.starts_at


def load_meeting_or_404(ident: int, user, need: Callable = can_view_meeting):
    from portal.meetings.models import Meeting

    return load_or_404(Meeting, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_invite_to_bid,
    can_use_meetings,
    can_request_meeting,
    meeting_side,
    can_view_meeting,
    can_answer_meeting,
    can_accept_meeting,
    can_propose_meeting_time,
    can_record_meeting,
)
