"""Deadline reminders: 24 hours before a scenario closes, for drafts that were never submitted."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.notifications.operations import link_to, notify
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock
from portal.web.templating import localtime

REMINDER_WINDOW = timedelta(hours=24)


def send_deadline_reminders(now: datetime | None = None) -> int:
    """Remind each active member of an enterprise whose draft is still unsubmitted 24 hours before the deadline.

    Each (draft, user) pair is reminded once, however often this runs; returns how many reminders were added.
    """
    now = now or clock.now()
    rows = db.session.execute(
        select(Proposal, User)
        .join(Scenario, Proposal.scenario_id == Scenario.id)
        .join(User, User.organization_id == Proposal.organization_id)
        # Open by server time, as Scenario.is_open_clause() says, but at `now`.
        .where(Scenario.state == ScenarioState.PUBLISHED, Scenario.deadline > now,
               Scenario.deadline <= now + REMINDER_WINDOW,
               Proposal.state == ProposalState.DRAFT, Proposal.version_count == 0,
               User.active.is_(True))
        .order_by(Proposal.id, User.id)
    ).all()
    added = 0
    for proposal, user in rows:
        scenario = proposal.scenario
        reminder = notify(
            user, "deadline_reminder",
            _("揭榜截止提醒：%(title)s", title=scenario.title),
            _("贵单位针对场景“%(title)s”的揭榜方案仍是草稿，尚未提交。揭榜将于 %(deadline)s（北京时间）截止，"
              "截止后无法再提交。请尽快完善并提交方案；草稿不视为正式提交。",
              title=scenario.title, deadline=localtime(scenario.deadline)),
            link=link_to("scenarios.show_scenario", scenario_id=scenario.id),
            dedupe_key=f"deadline-reminder:{proposal.id}:{user.id}",
        )
        added += reminder is not None
    return added
