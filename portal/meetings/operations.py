"""State changes of 对接 meetings. Each checks its rule, changes rows, audits, tells the other side and
flushes; the request commits once."""

from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, permissions
from portal.accounts.models import Organization, OrgKind, Role, User
from portal.errors import InvalidInput, InvalidTransition, PermissionDenied
from portal.extensions import db
from portal.meetings.lifecycle import ensure_transition
from portal.meetings.models import Meeting, MeetingOutcome, MeetingState, Side
from portal.notifications.operations import link_to, notify
from portal.util import clock
from portal.web.templating import localtime

LIMITS = {"place": 200, "online_link": 300, "attendees": 1000, "agenda": 2000, "reason": 2000, "notes": 5000}


class MeetingInputError(InvalidInput):
    """A value that cannot be used; `field` names the form field that shows the message."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _text(name: str, value, required_message: str | None = None) -> str:
    text = (value or "").strip()
    if len(text) > LIMITS[name]:
        raise MeetingInputError(name, _("内容过长，最多 %(n)d 个字符。", n=LIMITS[name]))
    if required_message and not text:
        raise MeetingInputError(name, required_message)
    return text


def _when_and_where(starts_at, place, online_link) -> dict:
    if not isinstance(starts_at, datetime):
        raise MeetingInputError("starts_at", _("请填写对接时间。"))
    if starts_at <= clock.now():
        raise MeetingInputError("starts_at", _("对接时间必须晚于当前时间。"))
    place, online_link = _text("place", place), _text("online_link", online_link)
    if online_link and (urlsplit(online_link).scheme not in ("http", "https") or not urlsplit(online_link).netloc):
        raise MeetingInputError("online_link", _("线上会议链接应以 http:// 或 https:// 开头。"))
    if not place and not online_link:
        raise MeetingInputError("place", _("请填写对接地点或线上会议链接。"))
    return {"starts_at": starts_at, "place": place, "online_link": online_link}


def _users_of(meeting: Meeting, side: Side) -> list[User]:
    org_id, role = ((meeting.department_id, Role.GOVERNMENT) if side == Side.DEPARTMENT
                    else (meeting.enterprise_id, Role.ENTERPRISE))
    return list(db.session.scalars(select(User).where(User.organization_id == org_id, User.role == role,
                                                      User.active.is_(True)).order_by(User.id)))


def _other(side: Side) -> Side:
    return Side.ENTERPRISE if side == Side.DEPARTMENT else Side.DEPARTMENT


def _tell(meeting: Meeting, side: Side, title: str, body: str) -> None:
    link = link_to("meetings.show_meeting", meeting_id=meeting.id)
    for user in _users_of(meeting, side):
        notify(user, "meeting", title, body, link=link)


def _side_of(actor, meeting) -> Side:
    side = permissions.meeting_side(actor, meeting)
    _require(side is not None)
    return Side(side)


def request_meeting(scenario, actor, *, starts_at, place="", online_link="", attendees="", agenda="",
                    enterprise_id: int | None = None) -> Meeting:
    """Ask for a meeting about a scenario: a department with an enterprise it names, an enterprise with the
    department owning the scenario. The other side is told and answers."""
    _require(permissions.can_request_meeting(actor, scenario))
    if permissions.can_manage_scenario(actor, scenario):
        side = Side.DEPARTMENT
        enterprise = db.session.get(Organization, enterprise_id) if enterprise_id else None
        if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE or not enterprise.is_verified:
            raise MeetingInputError("enterprise_id", _("请选择已认证的企业。"))
    else:
        side, enterprise = Side.ENTERPRISE, actor.organization
    values = _when_and_where(starts_at, place, online_link)
    attendees = _text("attendees", attendees, _("请填写参加人员。"))
    agenda = _text("agenda", agenda)
    now = clock.now()
    meeting = Meeting(scenario_id=scenario.id, department_id=scenario.department_id, enterprise_id=enterprise.id,
                      requested_by_id=actor.id, state=MeetingState.REQUESTED, awaiting=_other(side),
                      attendees=attendees, agenda=agenda, created_at=now, updated_at=now, **values)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "meeting.request", meeting, scenario_id=scenario.id, enterprise_id=enterprise.id,
                 starts_at=meeting.starts_at)
    _tell(meeting, _other(side), _("对接邀请：%(title)s", title=scenario.title),
          _("%(org)s 请求就应用场景“%(title)s”进行对接，时间 %(when)s（北京时间），请确认。",
            org=actor.organization.name, title=scenario.title, when=localtime(meeting.starts_at)))
    return meeting


def accept_meeting(meeting: Meeting, actor) -> Meeting:
    """Accept the time and place the other side asked for."""
    side = _side_of(actor, meeting)
    _require(permissions.can_answer_meeting(actor, meeting))
    target = ensure_transition(meeting, "accept")
    if clock.now() >= meeting.starts_at:
        raise InvalidTransition(_("对接时间已过，请提议新的时间或谢绝。"))
    meeting.state = target
    meeting.awaiting = None
    meeting.updated_at = clock.now()
    audit.record(actor, "meeting.accept", meeting, starts_at=meeting.starts_at)
    _tell(meeting, _other(side), _("对接已确认：%(title)s", title=meeting.scenario.title),
          _("%(org)s 已确认 %(when)s（北京时间）的对接。", org=actor.organization.name,
            when=localtime(meeting.starts_at)))
    db.session.flush()
    return meeting


def decline_meeting(meeting: Meeting, actor, reason: str) -> Meeting:
    """Decline the meeting, with the reason the other side reads."""
    side = _side_of(actor, meeting)
    _require(permissions.can_answer_meeting(actor, meeting))
    reason = _text("reason", reason, _("请填写谢绝原因。"))
    meeting.state = ensure_transition(meeting, "decline")
    meeting.awaiting = None
    meeting.decline_reason = reason
    meeting.updated_at = clock.now()
    audit.record(actor, "meeting.decline", meeting, reason=reason)
    _tell(meeting, _other(side), _("对接已谢绝：%(title)s", title=meeting.scenario.title),
          _("%(org)s 谢绝了对接：%(reason)s", org=actor.organization.name, reason=reason))
    db.session.flush()
    return meeting


def propose_time(meeting: Meeting, actor, *, starts_at, place="", online_link="") -> Meeting:
    """Propose another time (and place): the meeting waits for the other side's answer again."""
    side = _side_of(actor, meeting)
    _require(permissions.can_propose_meeting_time(actor, meeting))
    values = _when_and_where(starts_at, place, online_link)
    previous = meeting.starts_at
    meeting.state = ensure_transition(meeting, "propose")  # checked before any field changes below
    meeting.awaiting = _other(side)
    for key, value in values.items():
        setattr(meeting, key, value)
    meeting.updated_at = clock.now()
    audit.record(actor, "meeting.propose", meeting, previous=previous, starts_at=meeting.starts_at)
    _tell(meeting, _other(side), _("对接改期：%(title)s", title=meeting.scenario.title),
          _("%(org)s 提议改为 %(when)s（北京时间）对接，请确认。", org=actor.organization.name,
            when=localtime(meeting.starts_at)))
    db.session.flush()
    return meeting


def record_outcome(meeting: Meeting, actor, outcome, notes: str = "") -> Meeting:
    """Record what came of a meeting whose time has come (or that it did not take place)."""
    side = _side_of(actor, meeting)
    _require(permissions.can_view_meeting(actor, meeting))
    target = ensure_transition(meeting, "record")
    if clock.now() < meeting.starts_at:
        raise MeetingInputError("outcome", _("对接时间尚未到，不能记录结果。"))
    try:
        outcome = MeetingOutcome(outcome or "")
    except ValueError:
        raise MeetingInputError("outcome", _("请选择对接结果。")) from None
    notes = _text("notes", notes)
    now = clock.now()
    meeting.state, meeting.outcome, meeting.notes = target, outcome, notes
    meeting.recorded_by_id, meeting.recorded_at, meeting.updated_at = actor.id, now, now
    audit.record(actor, "meeting.record", meeting, outcome=outcome)
    _tell(meeting, _other(side), _("对接结果已记录：%(title)s", title=meeting.scenario.title),
          _("%(org)s 记录了对接结果：%(outcome)s。", org=actor.organization.name, outcome=outcome.label))
    db.session.flush()
    return meeting
