"""Rows for two-way matchmaking: 邀请揭榜 by the owning department, an enterprise's invitations, 对接 meetings."""

from datetime import timedelta

from tests.access import FORBIDDEN, LOGIN, NOT_FOUND, OK, everyone


def meeting_area(department=OK, enterprise=OK, other_department=NOT_FOUND):
    """Departments and verified enterprises use 对接; a meeting is its two sides' alone."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": department, "enterprise": enterprise,
            "other_department": other_department}


ROWS = {
    "capability_invitations.invite": ("POST", {"scenario_id": "published_scenario",
                                               "capability_id": "approved_capability"},
                                      {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": OK,
                                       "other_department": NOT_FOUND}),
    "my_capabilities.my_invitations": ("GET", {}, {**everyone(FORBIDDEN), "anonymous": LOGIN, "enterprise": OK}),
    "meetings.list_meetings": ("GET", {}, meeting_area(other_department=OK)),
    "meetings.request_meeting": ("GET", {"scenario_id": "published_scenario"}, meeting_area()),
    "meetings.show_meeting": ("GET", {"meeting_id": "requested_meeting"}, meeting_area()),
    # The department is the side asked: the enterprise that asked may not answer itself.
    "meetings.accept": ("POST", {"meeting_id": "requested_meeting"}, meeting_area(enterprise=NOT_FOUND)),
    "meetings.decline": ("POST", {"meeting_id": "requested_meeting"}, meeting_area(enterprise=NOT_FOUND)),
    "meetings.propose": ("POST", {"meeting_id": "requested_meeting"}, meeting_area(enterprise=NOT_FOUND)),
    "meetings.record": ("POST", {"meeting_id": "due_meeting"}, meeting_area()),
}


def meeting_fields(**overrides) -> dict:
    from portal.util import clock

    fields = {"starts_at": clock.now() + timedelta(days=3), "place": "市经信局 3 楼会议室",
              "online_link": "", "attendees": "张工（技术总监）\n李经理（销售）", "agenda": "演示样机，讨论部署条件"}
    fields.update(overrides)
    return fields


def _meeting(world, due=False):
    from portal.meetings import operations
    from portal.scenarios.models import Scenario
    from portal.util import clock

    db = world.fixture("db")
    scenario = db.session.get(Scenario, world.resolve("published_scenario"))
    meeting = operations.request_meeting(scenario, world.users["enterprise"], **meeting_fields())
    if due:
        operations.accept_meeting(meeting, world.users["department"])
        meeting.starts_at = clock.now() - timedelta(hours=1)  # the meeting's time has come
    db.session.commit()
    return meeting.id


BUILDERS = {
    "requested_meeting": lambda world: _meeting(world),
    "due_meeting": lambda world: _meeting(world, due=True),
}
