"""Read-side queries of meetings: a side's list, and the counts of the department dashboard."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.meetings.models import HELD, Meeting, MeetingState
from portal.web.paging import Page


def meetings_of(user, page: int, per_page: int) -> Page:
    """The meetings of the user's organization, the coming ones first by time, then the past."""
    from portal.permissions import is_department

    column = Meeting.department_id if is_department(user) else Meeting.enterprise_id
    stmt = (select(Meeting).where(column == user.organization_id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return Page.of_select(stmt, page, per_page)


def department_counts(department_id: int) -> dict[str, int]:
    """Meetings of a department's scenarios: waiting for an answer, agreed, held (an outcome recorded that it
    took place)."""
    rows = db.session.execute(select(Meeting.state, Meeting.outcome, func.count())
                              .where(Meeting.department_id == department_id)
                              .group_by(Meeting.state, Meeting.outcome)).all()
    counts = {"requested": 0, "accepted": 0, "held": 0}
    for state, outcome, n in rows:
        if state == MeetingState.REQUESTED:
            counts["requested"] += n
        elif state == MeetingState.ACCEPTED:
            counts["accepted"] += n
        elif state == MeetingState.RECORDED and outcome in HELD:
            counts["held"] += n
    return counts

