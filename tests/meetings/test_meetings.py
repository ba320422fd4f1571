"""对接: either side asks for a meeting about a scenario, the other accepts, declines or proposes another time,
and once its time has come either side records the outcome; every step audited and told to the other side."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import InvalidTransition, PermissionDenied
from portal.meetings import lifecycle, operations, queries
from portal.meetings.models import Meeting, MeetingOutcome, MeetingState, Side
from portal.meetings.operations import MeetingInputError
from portal.notifications.models import Notification
from portal.util import clock
from tests.access.matchmaking import meeting_fields


def _local(dt):
    return (dt + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M")


def _actions(db):
    return [r.action for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]


def _told(db, user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                              Notification.kind == "meeting")))


# --- asking --------------------------------------------------------------------------------------------------

def test_an_enterprise_asks_and_the_department_is_told(db, client, login_as, parties):
    login_as(parties.enterprise)
    when = clock.now() + timedelta(days=2)
    response = client.post(f"/meetings/new/{parties.scenario.id}", data={
        "starts_at": _local(when), "place": "", "online_link": "https://meeting.example.cn/123",
        "attendees": "张工", "agenda": "演示方案"})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.state, meeting.awaiting) == (MeetingState.REQUESTED, Side.DEPARTMENT)
    assert meeting.enterprise_id == parties.enterprise.organization_id
    assert meeting.department_id == parties.scenario.department_id
    assert "meeting.request" in _actions(db)
    (note,) = _told(db, parties.department)
    assert parties.scenario.title in note.title and note.link == f"/meetings/{meeting.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "待确认" in page and "https://meeting.example.cn/123" in page


def test_a_department_asks_an_enterprise_it_names(db, client, login_as, parties):
    login_as(parties.department)
    org = parties.enterprise.organization_id
    page = client.get(f"/meetings/new/{parties.scenario.id}?enterprise={org}").get_data(as_text=True)
    assert parties.enterprise.organization.name in page
    response = client.post(f"/meetings/new/{parties.scenario.id}", data={
        "enterprise_id": str(org), "starts_at": _local(clock.now() + timedelta(days=1)), "place": "区政府3号会议室",
        "attendees": "王科长"})
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.enterprise_id, meeting.awaiting) == (org, Side.ENTERPRISE)
    assert len(_told(db, parties.enterprise)) == 1


@pytest.mark.parametrize("who", ["nobody", "unverified", "department", "missing"])
def test_a_department_must_name_a_verified_enterprise(db, parties, create_user, who):
    target = {"nobody": None, "missing": 999_999,
              "unverified": lambda: create_user(Role.ENTERPRISE, verified=False).organization_id,
              "department": lambda: create_user(Role.GOVERNMENT).organization_id}[who]
    target = target() if callable(target) else target
    with pytest.raises(MeetingInputError) as refused:
        operations.request_meeting(parties.scenario, parties.department, enterprise_id=target, **meeting_fields())
    assert refused.value.field == "enterprise_id"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"starts_at": None}, "starts_at", "请填写对接时间"),
    ({"starts_at": "passed"}, "starts_at", "晚于当前时间"),
    ({"place": "", "online_link": ""}, "place", "地点或线上会议链接"),
    ({"place": "", "online_link": "javascript:alert(1)"}, "online_link", "http"),
    ({"online_link": "ftp://example.cn/x"}, "online_link", "http"),
    ({"place": "会" * 201}, "place", "最多 200"),
    ({"attendees": "  "}, "attendees", "参加人员"),
    ({"attendees": "人" * 1001}, "attendees", "最多 1000"),
    ({"agenda": "议" * 2001}, "agenda", "最多 2000"),
])
def test_bad_input_is_refused_naming_its_field(db, parties, overrides, field, message):
    if overrides.get("starts_at") == "passed":
        overrides["starts_at"] = clock.now() - timedelta(minutes=1)
    with pytest.raises(MeetingInputError, match=message) as refused:
        operations.request_meeting(parties.scenario, parties.enterprise, **meeting_fields(**overrides))
    assert refused.value.field == field


def test_a_refused_request_keeps_what_was_typed(db, client, login_as, parties):
    login_as(parties.enterprise)
    response = client.post(f"/meetings/new/{parties.scenario.id}", data={
        "starts_at": _local(clock.now() - timedelta(days=1)), "place": "滨江区网商路599号",
        "attendees": "赵总（总经理）", "agenda": "讨论试点范围"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "晚于当前时间" in page
    assert "滨江区网商路599号" in page and "赵总（总经理）" in page and "讨论试点范围" in page
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


@pytest.mark.parametrize("post", [
    {"starts_at": "not a time", "place": "x", "attendees": "x"},
    {"starts_at": "", "place": "x", "attendees": "x"},
    {"starts_at": "2026-03-05T10:00", "place": "x", "attendees": "", "enterprise_id": "abc"},
])
def test_malformed_posts_answer_a_page_not_an_error(db, client, login_as, parties, post):
    login_as(parties.enterprise)
    assert client.post(f"/meetings/new/{parties.scenario.id}", data=post).status_code == 200


def test_who_may_ask(db, client, login_as, parties, create_user, create_scenario):
    for user, status in ((create_user(Role.GOVERNMENT), 404), (create_user(Role.REVIEWER), 403),
                         (create_user(Role.ENTERPRISE, verified=False), 403), (create_user(Role.ADMIN), 403)):
        login_as(user)
        assert client.get(f"/meetings/new/{parties.scenario.id}").status_code == status
    draft = create_scenario()
    cancelled = create_scenario(state="cancelled")
    login_as(parties.enterprise)
    assert client.get(f"/meetings/new/{draft.id}").status_code == 404
    assert client.get(f"/meetings/new/{cancelled.id}").status_code == 404
    with pytest.raises(PermissionDenied):
        operations.request_meeting(cancelled, parties.enterprise, **meeting_fields())


# --- answering -----------------------------------------------------------------------------------------------

def test_the_side_asked_accepts_and_the_asker_is_told(db, client, login_as, parties, create_meeting):
    meeting = create_meeting()
    login_as(parties.enterprise)
    assert client.post(f"/meetings/{meeting.id}/accept").status_code == 404  # the asker cannot answer itself
    login_as(parties.department)
    assert client.post(f"/meetings/{meeting.id}/accept").status_code == 302
    db.session.refresh(meeting)
    assert (meeting.state, meeting.awaiting) == (MeetingState.ACCEPTED, None)
    assert "meeting.accept" in _actions(db)
    assert len(_told(db, parties.enterprise)) == 1


def test_declining_needs_a_reason_that_the_asker_reads(db, client, login_as, parties, create_meeting):
    meeting = create_meeting()
    login_as(parties.department)
    response = client.post(f"/meetings/{meeting.id}/decline", data={"reason": ""})
    assert response.status_code == 200 and "请填写谢绝原因" in response.get_data(as_text=True)
    assert client.post(f"/meetings/{meeting.id}/decline", data={"reason": "本场景已确定技术路线"}).status_code == 302
    db.session.refresh(meeting)
    assert (meeting.state, meeting.decline_reason) == (MeetingState.DECLINED, "本场景已确定技术路线")
    assert "本场景已确定技术路线" in _told(db, parties.enterprise)[0].body
    assert "meeting.decline" in _actions(db)


def test_another_time_turns_the_question_round(db, client, login_as, parties, create_meeting):
    meeting = create_meeting()
    later = clock.now() + timedelta(days=5)
    login_as(parties.department)
    response = client.post(f"/meetings/{meeting.id}/propose", data={
        "starts_at": _local(later), "place": "", "online_link": "https://meeting.example.cn/9"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert (meeting.state, meeting.awaiting) == (MeetingState.REQUESTED, Side.ENTERPRISE)
    assert meeting.starts_at == later.replace(second=0, microsecond=0)
    assert meeting.online_link == "https://meeting.example.cn/9"
    assert "meeting.propose" in _actions(db)
    operations.accept_meeting(meeting, parties.enterprise)
    assert meeting.state == MeetingState.ACCEPTED


def test_a_proposal_of_another_time_keeps_what_was_typed_when_refused(db, client, login_as, parties,
                                                                      create_meeting):
    meeting = create_meeting()
    login_as(parties.department)
    response = client.post(f"/meetings/{meeting.id}/propose", data={
        "starts_at": _local(clock.now() + timedelta(days=1)), "place": "", "online_link": "javascript:x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "http" in page and "javascript:x" in page
    db.session.refresh(meeting)
    assert meeting.awaiting == Side.DEPARTMENT


def test_an_accepted_meeting_is_moved_by_either_side_until_it_starts(db, parties, create_meeting):
    meeting = create_meeting("accepted")
    operations.propose_time(meeting, parties.enterprise, **_when(days=4))
    assert (meeting.state, meeting.awaiting) == (MeetingState.REQUESTED, Side.DEPARTMENT)
    operations.accept_meeting(meeting, parties.department)
    clock.set_now(meeting.starts_at + timedelta(minutes=1))
    with pytest.raises(PermissionDenied):
        operations.propose_time(meeting, parties.department, **_when(days=1))


def _when(days):
    return {"starts_at": clock.now() + timedelta(days=days), "place": "会议室", "online_link": ""}


# --- the outcome ---------------------------------------------------------------------------------------------

def test_the_outcome_is_recorded_once_the_time_has_come(db, client, login_as, parties, create_meeting):
    meeting = create_meeting("accepted")
    with pytest.raises(MeetingInputError, match="尚未到"):
        operations.record_outcome(meeting, parties.department, "agreed")
    db.session.rollback()
    login_as(parties.department)
    assert client.post(f"/meetings/{meeting.id}/record", data={"outcome": "agreed"}).status_code == 404
    clock.set_now(meeting.starts_at + timedelta(hours=1))
    response = client.post(f"/meetings/{meeting.id}/record", data={"outcome": "nonsense"})
    assert response.status_code == 200 and meeting.state == MeetingState.ACCEPTED
    response = client.post(f"/meetings/{meeting.id}/record", data={"outcome": "agreed", "notes": "约定3月试点"})
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert (meeting.state, meeting.outcome, meeting.notes) == (MeetingState.RECORDED, MeetingOutcome.AGREED,
                                                                "约定3月试点")
    assert meeting.recorded_by_id == parties.department.id and "meeting.record" in _actions(db)
    assert "约定3月试点" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_either_side_records_and_notes_have_a_limit(db, parties, create_meeting):
    meeting = create_meeting("accepted")
    clock.set_now(meeting.starts_at)
    with pytest.raises(MeetingInputError, match="最多 5000"):
        operations.record_outcome(meeting, parties.enterprise, "follow_up", "纪" * 5001)
    with pytest.raises(MeetingInputError, match="请选择对接结果"):
        operations.record_outcome(meeting, parties.enterprise, "")
    operations.record_outcome(meeting, parties.enterprise, "follow_up", "")
    assert meeting.outcome == MeetingOutcome.FOLLOW_UP


# --- every state × side × action ---------------------------------------------------------------------------

ACTIONS = {
    "accept": lambda m, u: operations.accept_meeting(m, u),
    "decline": lambda m, u: operations.decline_meeting(m, u, "另有安排"),
    "propose": lambda m, u: operations.propose_time(m, u, **_when(days=6)),
    "record": lambda m, u: operations.record_outcome(m, u, "no_fit", "需求不匹配"),
}


def _expected(state, side, action, due):
    """Who may do what, as designed: the asked side answers a request (a time passed it declines or moves, but
    cannot accept); either side moves an accepted meeting before it starts and records it after; nothing
    follows a decline or a record."""
    if side not in ("department", "enterprise"):
        return False
    if state == "requested":
        return side == "department" and (action in ("decline", "propose") or (action == "accept" and not due))
    if state == "accepted":
        return (action == "propose" and not due) or (action == "record" and due)
    return False


@pytest.mark.parametrize("due", [False, True])
@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("side", ["department", "enterprise", "other_department", "other_enterprise"])
@pytest.mark.parametrize("state", ["requested", "accepted", "declined", "recorded"])
def test_every_state_side_and_action(db, parties, create_meeting, create_user, state, side, action, due):
    meeting = create_meeting(state)
    if due:
        clock.set_now(meeting.starts_at + timedelta(minutes=5))
    actor = {"department": parties.department, "enterprise": parties.enterprise,
             "other_department": create_user(Role.GOVERNMENT), "other_enterprise": create_user(Role.ENTERPRISE)}[side]
    before = meeting.state
    if _expected(state, side, action, due):
        ACTIONS[action](meeting, actor)
        assert meeting.state == lifecycle.TRANSITIONS[(before, action)]
    else:
        with pytest.raises((PermissionDenied, InvalidTransition, MeetingInputError)):
            ACTIONS[action](meeting, actor)
        db.session.rollback()
        assert db.session.get(Meeting, meeting.id).state == before


def test_the_table_has_exactly_the_designed_transitions():
    S = MeetingState
    assert lifecycle.TRANSITIONS == {
        (S.REQUESTED, "accept"): S.ACCEPTED, (S.REQUESTED, "decline"): S.DECLINED,
        (S.REQUESTED, "propose"): S.REQUESTED, (S.ACCEPTED, "propose"): S.REQUESTED,
        (S.ACCEPTED, "record"): S.RECORDED,
    }


# --- lists and the dashboard ---------------------------------------------------------------------------------

def test_each_side_lists_its_own_meetings_only(db, client, login_as, parties, create_meeting, create_user):
    create_meeting()
    for user in (parties.department, parties.enterprise):
        login_as(user)
        assert parties.scenario.title in client.get("/meetings/").get_data(as_text=True)
    login_as(create_user(Role.ENTERPRISE))
    assert parties.scenario.title not in client.get("/meetings/").get_data(as_text=True)


def test_the_department_dashboard_counts_meetings_held(db, client, login_as, parties, create_meeting):
    create_meeting()
    create_meeting("accepted")
    create_meeting("recorded")
    missed = create_meeting("accepted")
    clock.set_now(missed.starts_at)
    operations.record_outcome(missed, parties.department, "not_held")
    db.session.commit()
    assert queries.department_counts(parties.scenario.department_id) == {"requested": 1, "accepted": 1, "held": 1}
    login_as(parties.department)
    page = client.get("/manage/dashboard").get_data(as_text=True)
    assert "已举行的对接" in page and "发出的揭榜邀请" in page
