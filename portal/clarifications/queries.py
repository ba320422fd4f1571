"""Reading questions, answers and a scenario's call terms. Nothing here returns who asked a question to anyone
but the asker: the public and the department read the same rows without their organization."""

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.clarifications.deadlines import default_question_deadline
from portal.clarifications.models import CallTerms, Question, QuestionState
from portal.extensions import db
from portal.scenarios.feeds import FeedEntry
from portal.scenarios.models import Batch, BatchState, Scenario


def terms_of(scenario) -> CallTerms:
    """The scenario's call terms; an unsaved row of defaults when the department set none."""
    terms = db.session.get(CallTerms, scenario.id) if scenario.id is not None else None
    return terms if terms is not None else CallTerms(scenario_id=scenario.id, question_deadline=None,
                                                     opening_names_bidders=False)


def question_deadline(scenario) -> datetime | None:
    """When questions on the scenario close: the department's time, else the default before the deadline."""
    chosen = terms_of(scenario).question_deadline
    if chosen is None:
        return default_question_deadline(scenario.deadline)
    # A draft's submission deadline may still move earlier than the time chosen for questions.
    return min(chosen, scenario.deadline) if scenario.deadline is not None else chosen


def public_questions(scenario) -> list[Question]:
    """The answered questions of a scenario, as everyone reads them (oldest answer first)."""
    return db.session.scalars(select(Question).where(Question.scenario_id == scenario.id,
                                                     Question.state == QuestionState.ANSWERED)
                              .order_by(Question.answered_at, Question.id)).all()


def own_questions(user, scenario) -> list[Question]:
    """The questions the user's enterprise asked on the scenario, in every state (newest first)."""
    from portal.permissions import is_enterprise_account

    if not is_enterprise_account(user):
        return []
    return db.session.scalars(select(Question).where(Question.scenario_id == scenario.id,
                                                     Question.organization_id == user.organization_id)
                              .order_by(Question.asked_at.desc(), Question.id.desc())).all()


def department_questions(scenario) -> list[Question]:
    """Every question of the scenario for its department: pending first, then the rest, newest first."""
    pending_first = (Question.state != QuestionState.PENDING)
    return db.session.scalars(select(Question).where(Question.scenario_id == scenario.id)
                              .order_by(pending_first, Question.asked_at.desc(), Question.id.desc())).all()


def pending_count(scenario_id: int, organization_id: int | None = None) -> int:
    """Questions awaiting an answer on the scenario (of one enterprise when `organization_id` is given)."""
    stmt = (select(func.count()).select_from(Question)
            .where(Question.scenario_id == scenario_id, Question.state == QuestionState.PENDING))
    if organization_id is not None:
        stmt = stmt.where(Question.organization_id == organization_id)
    return db.session.scalar(stmt) or 0


def feed_entries(limit: int = 50) -> list[FeedEntry]:
    """The newest answers on public scenarios, as entries of the scenario Atom feed: question and answer only."""
    rows = db.session.scalars(
        select(Question).join(Scenario, Scenario.id == Question.scenario_id).join(Batch, Batch.id == Scenario.batch_id)
        .where(Question.state == QuestionState.ANSWERED, Scenario.published_at.is_not(None),
               Batch.state == BatchState.PUBLISHED)
        .options(joinedload(Question.scenario))
        .order_by(Question.answered_at.desc(), Question.id.desc()).limit(limit)).all()
    return [FeedEntry(key=f"clarification-{q.id}", title=_("答疑：%(title)s", title=q.scenario.title),
                      link=url_for("scenarios.show_scenario", scenario_id=q.scenario_id, _external=True,
                                   _anchor=f"clarification-{q.id}"),
                      published=q.answered_at, updated=q.answered_at, author=q.scenario.department.name,
                      category=(q.scenario.sector, str(q.scenario.sector_label)),
                      summary=_("问：%(question)s\n\n答：%(answer)s", question=q.public_text, answer=q.answer))
            for q in rows]
