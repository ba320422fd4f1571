"""The review period of a scenario: its end date, the reminders before it, the progress board, and the
replacement of a reviewer still overdue after it. Each operation checks its rule, changes rows, audits,
notifies and flushes; the request (or the worker's job) commits once.

The period ends at the end of the day the department chose, Beijing time (stored as the next midnight, UTC). A
set-up gets setup.DEFAULT_DAYS from the day it is first stored until the department chooses a date. Reminders go to the
reviewers with unfinished reviews REMIND_DAYS before the end, each once (table review_reminders); after the end
those reviewers are overdue, and the department may give their unfinished reviews to a standby reviewer, matched
against the bidders as any assignment is (conflicts.py).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit, permissions
from portal.accounts.models import Role, User
from portal.errors import Conflict, InvalidTransition, NotReady
from portal.extensions import db
from portal.reviews import conflicts
from portal.reviews import lifecycle as review_lifecycle
from portal.reviews.models import UNFINISHED_STATES, Review, ReviewReminder, ReviewSetup
from portal.reviews.queries import proposal_labels, reviewed_proposals, scenario_reviews
from portal.reviews.setup import end_of, ensure_reviewable, ensure_setup, get_setup
from portal.reviews.steps import link, locked, notify, require
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock

MAX_DAYS = 90
REMIND_DAYS = (2, 1)  # days before the end; each is sent once per reviewer and period


def last_day(ends_at: datetime | None) -> date | None:
    """The last day of a period ending at `ends_at`, in Beijing time (what the department chose)."""
    return None if ends_at is None else (clock.to_local(ends_at) - timedelta(days=1)).date()


def ends_at(scenario: Scenario) -> datetime | None:
    return get_setup(scenario).ends_at


def has_ended(scenario: Scenario, now: datetime | None = None) -> bool:
    end = ends_at(scenario)
    return end is not None and (now or clock.now()) >= end


def set_period(scenario: Scenario, actor, ends_on: date | None) -> ReviewSetup:
    """Set the last day of the review period: from today to MAX_DAYS ahead, while the scenario is (about to be)
    under review. Moving it lets the reminders for the new end go out again."""
    require(permissions.can_manage_review(actor, scenario))
    ensure_reviewable(scenario)
    if ends_on is None:
        raise NotReady(_("请选择评审截止日期。"))
    today = clock.local_today()
    if ends_on < today:
        raise NotReady(_("评审截止日期不能早于今天。"))
    if ends_on > today + timedelta(days=MAX_DAYS):
        raise NotReady(_("评审截止日期不能晚于 %(n)d 天后。", n=MAX_DAYS))
    setup = ensure_setup(scenario)
    new_end = end_of(ends_on)
    if setup.ends_at == new_end:
        return setup
    previous = last_day(setup.ends_at)
    setup.ends_at = new_end
    setup.updated_at = clock.now()
    audit.record(actor, "review.period", scenario, ends_on=ends_on.isoformat(),
                 previous=previous.isoformat() if previous else None)
    db.session.flush()
    return setup


# --- reminders (the worker's job) ------------------------------------------------------------------

def due_reminder(end: datetime, now: datetime) -> int | None:
    """Which reminder is due at `now` for a period ending at `end`: the nearest of REMIND_DAYS already reached."""
    if now >= end:
        return None
    reached = [days for days in REMIND_DAYS if now >= end - timedelta(days=days)]
    return min(reached) if reached else None


def send_reminders(now: datetime | None = None) -> int:
    """Remind each reviewer with unfinished reviews of a scenario whose review period ends within two days; each
    reminder (scenario, reviewer, days before, end) is sent once. Returns how many were sent."""
    now = now or clock.now()
    horizon = now + timedelta(days=max(REMIND_DAYS))
    rows = db.session.execute(
        select(ReviewSetup.scenario_id, ReviewSetup.ends_at, Review.reviewer_id)
        .join(Scenario, Scenario.id == ReviewSetup.scenario_id)
        .join(Review, Review.scenario_id == ReviewSetup.scenario_id)
        .join(User, User.id == Review.reviewer_id)
        .where(Scenario.state == ScenarioState.UNDER_REVIEW, ReviewSetup.ends_at > now,
               ReviewSetup.ends_at <= horizon, Review.state.in_(UNFINISHED_STATES), User.active.is_(True))
        .order_by(ReviewSetup.scenario_id, Review.reviewer_id)).all()
    unfinished: dict[tuple[int, int], int] = {}
    ends: dict[int, datetime] = {}
    for scenario_id, end, reviewer_id in rows:
        unfinished[(scenario_id, reviewer_id)] = unfinished.get((scenario_id, reviewer_id), 0) + 1
        ends[scenario_id] = end
    sent = 0
    for (scenario_id, reviewer_id), count in unfinished.items():
        days = due_reminder(ends[scenario_id], now)
        if days is not None and _remind(scenario_id, reviewer_id, days, ends[scenario_id], count, now):
            sent += 1
    db.session.flush()
    return sent


def _remind(scenario_id: int, reviewer_id: int, days: int, end: datetime, count: int, now: datetime) -> bool:
    exists = db.session.scalar(select(ReviewReminder.id).where(
        ReviewReminder.scenario_id == scenario_id, ReviewReminder.reviewer_id == reviewer_id,
        ReviewReminder.days_before == days, ReviewReminder.ends_at == end))
    if exists is not None:
        return False
    # Two runs racing past the check meet at the unique constraint: the loser's savepoint rolls back.
    try:
        with db.session.begin_nested():
            db.session.add(ReviewReminder(scenario_id=scenario_id, reviewer_id=reviewer_id, days_before=days,
                                          ends_at=end, unfinished=count, sent_at=now))
    except IntegrityError:
        return False
    scenario = db.session.get(Scenario, scenario_id)
    reviewer = db.session.get(User, reviewer_id)
    from portal.web.templating import localtime

    notify([reviewer], "review_reminder",
           _("评审即将截止：%(title)s", title=scenario.title),
           _("您在场景“%(title)s”还有 %(n)d 份方案的评审未提交。评审将于 %(end)s（北京时间）截止，"
             "逾期未完成的评审可能由发布单位转交替补专家。", title=scenario.title, n=count, end=localtime(end)),
           link("reviewing.workspace"))
    return True


# --- the progress board ------------------------------------------------------------------------------

@dataclass
class ReviewerProgress:
    """One reviewer's work on a scenario: counts only, never scores."""

    reviewer: User
    assigned: int = 0  # reviews that are its work (pending, in progress, submitted)
    scored: int = 0
    remaining: int = 0
    out: int = 0  # excluded, recused or replaced
    overdue: bool = False
    unfinished: list[Review] = field(default_factory=list)


def progress(scenario: Scenario, now: datetime | None = None) -> list[ReviewerProgress]:
    """Per reviewer: assigned, scored, remaining; overdue once the period has ended with work remaining."""
    ended = has_ended(scenario, now) and review_lifecycle.in_review(scenario)
    rows: dict[int, ReviewerProgress] = {}
    for review in scenario_reviews(scenario):
        row = rows.setdefault(review.reviewer_id, ReviewerProgress(review.reviewer))
        if review.is_active:
            row.assigned += 1
            if review.is_submitted:
                row.scored += 1
            else:
                row.remaining += 1
                row.unfinished.append(review)
        else:
            row.out += 1
    for row in rows.values():
        row.overdue = ended and row.remaining > 0
    return sorted(rows.values(), key=lambda r: (not r.overdue, r.reviewer.name, r.reviewer.id))


def standby_candidates(scenario: Scenario, overdue: ReviewerProgress) -> list[User]:
    """Active reviewers who could take over: not the overdue one, and not yet on any of its proposals. The
    standbys of the scenario's expert draws come first, in their draw order (portal/reviews/experts.py)."""
    from portal.reviews.experts import standby_order

    taken = {r.reviewer_id for r in scenario_reviews(scenario)
             if r.proposal_id in {u.proposal_id for u in overdue.unfinished}}
    found = [u for u in conflicts.reviewer_candidates() if u.id != overdue.reviewer.id and u.id not in taken]
    order = {reviewer_id: n for n, reviewer_id in enumerate(standby_order(scenario))}
    return sorted(found, key=lambda u: order.get(u.id, len(order)))


# --- replacing an overdue reviewer -------------------------------------------------------------------

def replace_reviewer(scenario: Scenario, actor, overdue: User, standby: User) -> list[Review]:
    """Give an overdue reviewer's unfinished reviews to a standby reviewer after the review period has ended.

    The standby must be free of conflicts with every bidder concerned (matched as at assignment) and not yet on
    those proposals; the overdue reviewer loses access to them. Returns the standby's new reviews."""
    require(permissions.can_manage_review(actor, scenario))
    ensure_reviewable(scenario)
    if not review_lifecycle.in_review(scenario):
        raise InvalidTransition(_("该场景不在评审阶段。"))
    if not has_ended(scenario):
        raise Conflict(_("评审期尚未结束，不能替换评审专家。"))
    unfinished = db.session.scalars(select(Review).where(
        Review.scenario_id == scenario.id, Review.reviewer_id == overdue.id,
        Review.state.in_(UNFINISHED_STATES)).order_by(Review.proposal_id)).all()
    if not unfinished:
        raise Conflict(_("该评审专家没有逾期未完成的评审。"))
    if standby is None or standby.role != Role.REVIEWER or not standby.is_active or standby.id == overdue.id:
        raise NotReady(_("请选择一位替补专家。"))
    labels = proposal_labels(reviewed_proposals(scenario))
    proposals = [review.proposal for review in unfinished]
    already = set(db.session.scalars(select(Review.proposal_id).where(
        Review.reviewer_id == standby.id, Review.proposal_id.in_([p.id for p in proposals]))))
    for proposal in proposals:
        if proposal.id in already:
            raise Conflict(_("%(name)s 已参与方案 %(label)s 的评审，不能作为替补。", name=standby.name,
                             label=labels.get(proposal.id, "")))
        if conflicts.conflict_of(standby, proposal) is not None:
            raise Conflict(_("%(name)s 的利益冲突信息与方案 %(label)s 的揭榜单位匹配，需回避，不能作为替补。",
                             name=standby.name, label=labels.get(proposal.id, "")))
    now = clock.now()
    for review in unfinished:
        locked(review)
        previous = review.state
        review.state = review_lifecycle.ensure_transition(review, "replace")
        review.replaced_at = review.updated_at = now
        audit.record(actor, "review.replace", review, previous=previous, reviewer=overdue.id, standby=standby.id,
                     proposal=review.proposal_id)
    created = conflicts.assign_reviewers(scenario, actor, [standby], proposals)
    audit.record(actor, "review.replace_reviewer", scenario, reviewer=overdue.id, standby=standby.id,
                 proposals=[p.id for p in proposals])
    notify([overdue], "review_replaced", _("评审任务已转交：%(title)s", title=scenario.title),
           _("评审期已结束，您未完成的 %(n)d 份方案评审已由发布单位转交替补专家，您不再能查看这些方案。",
             n=len(unfinished)),
           link("reviewing.workspace"))
    db.session.flush()
    return created


def reviewer_from(scenario: Scenario, reviewer_id) -> User | None:
    """A reviewer of the scenario by id (from a form), or None."""
    user = db.session.get(User, reviewer_id) if isinstance(reviewer_id, int) and reviewer_id > 0 else None
    if user is None or user.role != Role.REVIEWER:
        return None
    return user


# Exposed for the reviewer's task list.
def ends_by_scenario(scenario_ids) -> dict[int, datetime]:
    ids = list(set(scenario_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(ReviewSetup.scenario_id, ReviewSetup.ends_at)
                                   .where(ReviewSetup.scenario_id.in_(ids),
                                          ReviewSetup.ends_at.is_not(None))).all())

