"""Reminders before each milestone of a 任务书 in force, sent by the worker's job: REMIND_DAYS before the due
date to the winner's accounts, each once (table project_milestone_reminders, whose unique key is the guard)."""

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.projects.models import Milestone, MilestoneReminder, MilestoneState, Plan, PlanState, Project, ProjectState
from portal.reviews.steps import link, notify, organization_users
from portal.util import clock

REMIND_DAYS = (7, 1)  # days before the due date


def due_reminder(due_on: date, today: date) -> int | None:
    """Which reminder is due `today` for a milestone due on `due_on`: the nearest of REMIND_DAYS reached."""
    if today > due_on:
        return None
    left = (due_on - today).days
    reached = [days for days in REMIND_DAYS if left <= days]
    return min(reached) if reached else None


def send_reminders(now: datetime | None = None) -> int:
    """Remind the winner of every pending milestone due within REMIND_DAYS; returns how many were sent."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    horizon = today + timedelta(days=max(REMIND_DAYS))
    rows = db.session.scalars(
        select(Milestone).join(Plan, Plan.id == Milestone.plan_id).join(Project, Project.id == Plan.project_id)
        .where(Plan.state == PlanState.AGREED, Project.state == ProjectState.IN_PROGRESS,
               Milestone.state == MilestoneState.PENDING, Milestone.due_on >= today, Milestone.due_on <= horizon)
        .order_by(Milestone.id)).all()
    sent = 0
    for milestone in rows:
        days = due_reminder(milestone.due_on, today)
        if days is not None and _remind(milestone, days, now):
            sent += 1
    db.session.flush()
    return sent


def _remind(milestone: Milestone, days: int, now: datetime) -> bool:
    project = milestone.plan.project
    found = db.session.scalar(select(MilestoneReminder.id).where(
        MilestoneReminder.project_id == project.id, MilestoneReminder.title == milestone.title,
        MilestoneReminder.due_on == milestone.due_on, MilestoneReminder.days_before == days))
    if found is not None:
        return False
    # Two runs racing past the check meet at the unique constraint: the loser's savepoint rolls back.
    try:
        with db.session.begin_nested():
            db.session.add(MilestoneReminder(project_id=project.id, title=milestone.title, due_on=milestone.due_on,
                                             days_before=days, sent_at=now))
    except IntegrityError:
        return False
    notify(organization_users(project.organization_id), "milestone_reminder",
           _("里程碑即将到期：%(m)s", m=milestone.title),
           _("项目“%(title)s”的里程碑“%(m)s”将于 %(due)s 到期，请按任务书提交交付物并报告进展。",
             title=project.title, m=milestone.title, due=milestone.due_on.isoformat()),
           link("projects.show_project", project_id=project.id))
    return True
