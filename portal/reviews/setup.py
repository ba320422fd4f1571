"""A scenario's review set-up: the mode (blind or open) and the rubric, and when each stops changing.
Assigning reviewers is in conflicts.py, where every assignment is matched against the bidders."""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal import audit, permissions
from portal.errors import Conflict, InvalidTransition, NotReady
from portal.extensions import db
from portal.reviews import policy
from portal.reviews.models import Review, ReviewSetup, ReviewState
from portal.reviews.steps import locked, require
from portal.scenarios.models import Scenario, ScenarioState
from portal.scenarios.operations import close_if_due
from portal.util import clock

MAX_CRITERIA = 10
DEFAULT_DAYS = 10  # the review period when the department sets none: until the end of the tenth day


def end_of(day: date) -> datetime:
    """The end of `day` in Beijing time, as the UTC instant of the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def default_end(now: datetime | None = None) -> datetime:
    return end_of(clock.to_local(now or clock.now()).date() + timedelta(days=DEFAULT_DAYS))


def get_setup(scenario: Scenario) -> ReviewSetup:
    """The scenario's set-up, or an unsaved one with the defaults (blind, the default rubric)."""
    setup = db.session.get(ReviewSetup, scenario.id)
    if setup is None:
        setup = ReviewSetup(scenario_id=scenario.id, blind=True, rubric=[list(c) for c in policy.DEFAULT_RUBRIC])
    return setup


def ensure_setup(scenario: Scenario) -> ReviewSetup:
    """The scenario's stored set-up, created with the defaults when there is none yet."""
    setup = db.session.get(ReviewSetup, scenario.id)
    if setup is None:
        now = clock.now()
        setup = get_setup(scenario)
        setup.created_at = setup.updated_at = now
        setup.ends_at = default_end(now)
        db.session.add(setup)
        db.session.flush()
    return setup


def rubric_locked(scenario: Scenario) -> bool:
    """The rubric is fixed once any score has been submitted; reopening a review does not unlock it."""
    return db.session.scalar(select(Review.id).where(
        Review.scenario_id == scenario.id,
        or_(Review.submitted_at.is_not(None), Review.reopened_at.is_not(None))).limit(1)) is not None


def mode_locked(scenario: Scenario) -> bool:
    """The mode is fixed once a reviewer may have read a proposal (declared no conflict)."""
    return db.session.scalar(select(Review.id).where(Review.scenario_id == scenario.id,
                                                     Review.declared_at.is_not(None),
                                                     Review.state != ReviewState.RECUSED).limit(1)) is not None


def clean_rubric(criteria) -> list[list]:
    """Criteria as [[name, weight], …]: 1 to 10 distinct names, integer weights ≥ 1 summing to 100."""
    # An empty row of the form is skipped.
    cleaned = [_clean_criterion(name, weight) for name, weight in criteria
               if (name or "").strip() or weight not in (None, "")]
    if not cleaned:
        raise NotReady(_("至少需要一项评分标准。"))
    if len(cleaned) > MAX_CRITERIA:
        raise NotReady(_("评分标准最多 %(n)d 项。", n=MAX_CRITERIA))
    if len({name for name, _w in cleaned}) != len(cleaned):
        raise NotReady(_("评分标准的名称不能重复。"))
    total = sum(w for _n, w in cleaned)
    if total != 100:
        raise NotReady(_("各项权重之和应为 100，当前为 %(total)d。", total=total))
    return cleaned


def _clean_criterion(name, weight) -> list:
    name = (name or "").strip()
    if not name:
        raise NotReady(_("每项评分标准都要填写名称。"))
    if len(name) > 40:
        raise NotReady(_("评分标准名称不超过 40 个字。"))
    try:
        weight = int(str(weight).strip())
    except (TypeError, ValueError) as error:
        raise NotReady(_("“%(name)s”的权重应为整数。", name=name)) from error
    if weight < 1:
        raise NotReady(_("“%(name)s”的权重应至少为 1。", name=name))
    return [name, weight]


def save_setup(scenario: Scenario, actor, *, blind: bool, criteria) -> ReviewSetup:
    """Set the review mode and the rubric; the rubric until the first score is submitted, the mode until
    a reviewer has read a proposal."""
    require(permissions.can_manage_review(actor, scenario))
    ensure_reviewable(scenario)
    rubric = clean_rubric(criteria)
    setup = ensure_setup(scenario)
    changed = {}
    if rubric != setup.rubric:
        if rubric_locked(scenario):
            raise Conflict(_("已有评审专家提交评分，评分标准不能再修改。"))
        changed["rubric"] = rubric
        setup.rubric = rubric
    if blind != setup.blind:
        if mode_locked(scenario):
            raise Conflict(_("已有评审专家开始阅读方案，评审方式不能再修改。"))
        changed["blind"] = blind
        setup.blind = blind
    if changed:
        setup.updated_at = clock.now()
        audit.record(actor, "review.setup", scenario, **changed)
    db.session.flush()
    return setup


def ensure_reviewable(scenario: Scenario) -> None:
    """Lock the scenario and refuse unless it is closed or under review."""
    locked(scenario)
    close_if_due(scenario)
    if scenario.status not in (ScenarioState.CLOSED, ScenarioState.UNDER_REVIEW):
        raise InvalidTransition(_("当前状态为“%(state)s”，不能进行评审设置。", state=scenario.status.label))
