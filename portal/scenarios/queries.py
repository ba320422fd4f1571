"""Read-side queries for scenario pages and feeds; every list loads its rows in a fixed number of queries."""

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.extensions import db
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState
from portal.util import clock


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def public_scenarios_query(filters: dict | None = None):
    """Published (ever-public) scenarios of published batches, newest first, with filters applied."""
    filters = filters or {}
    stmt = (
        select(Scenario)
        .join(Scenario.batch)
        .options(contains_eager(Scenario.batch), joinedload(Scenario.department))
        .where(Scenario.published_at.is_not(None), Batch.state == BatchState.PUBLISHED)
    )
    if filters.get("sector"):
        stmt = stmt.where(Scenario.sector == filters["sector"])
    if filters.get("district"):
        stmt = stmt.where(Scenario.district == filters["district"])
    if filters.get("status"):
        stmt = stmt.where(Scenario.status_clause(ScenarioState(filters["status"])))
    if filters.get("batch"):
        stmt = stmt.where(Scenario.batch_id == int(filters["batch"]))
    if filters.get("q"):
        pattern = f"%{_escape_like(filters['q'])}%"
        stmt = stmt.where(or_(Scenario.title.ilike(pattern, escape="\\"),
                              Scenario.description_html.ilike(pattern, escape="\\"),
                              Scenario.requirements_html.ilike(pattern, escape="\\")))
    return stmt.order_by(Scenario.published_at.desc(), Scenario.id.desc())


def paginate_public(filters: dict, page: int, per_page: int):
    return db.paginate(public_scenarios_query(filters), page=page, per_page=per_page, error_out=False,
                       count=True)


def published_batches():
    return db.session.scalars(
        select(Batch).where(Batch.state == BatchState.PUBLISHED).order_by(Batch.published_at.desc(), Batch.id.desc())
    ).all()


def batch_counts(batch_ids: list[int]) -> dict[int, int]:
    if not batch_ids:
        return {}
    rows = db.session.execute(
        select(Scenario.batch_id, func.count()).where(Scenario.batch_id.in_(batch_ids),
                                                      Scenario.published_at.is_not(None))
        .group_by(Scenario.batch_id)
    )
    return dict(rows.all())


def open_scenarios(limit: int = 8):
    stmt = public_scenarios_query({"status": ScenarioState.PUBLISHED.value}).limit(limit)
    return db.session.scalars(stmt).unique().all()


def closing_soon(days: int = 7, limit: int = 6):
    now = clock.now()
    stmt = (public_scenarios_query({"status": ScenarioState.PUBLISHED.value})
            .where(Scenario.deadline <= now + timedelta(days=days))
            .order_by(None).order_by(Scenario.deadline.asc()).limit(limit))
    return db.session.scalars(stmt).unique().all()


def public_scenarios_of_batch(batch: Batch):
    stmt = (select(Scenario).options(joinedload(Scenario.department))
            .where(Scenario.batch_id == batch.id, Scenario.published_at.is_not(None)).order_by(Scenario.id))
    return db.session.scalars(stmt).unique().all()


def feed_scenarios(limit: int = 50):
    return db.session.scalars(public_scenarios_query().limit(limit)).unique().all()


def calendar_scenarios(limit: int = 500):
    """Scenarios whose deadline a subscriber should see: public ones, not cancelled."""
    stmt = (public_scenarios_query().where(Scenario.state != ScenarioState.CANCELLED, Scenario.deadline.is_not(None))
            .order_by(None).order_by(Scenario.deadline.desc()).limit(limit))
    return db.session.scalars(stmt).unique().all()


def department_batches(department_id: int):
    return db.session.scalars(
        select(Batch).where(Batch.department_id == department_id).order_by(Batch.created_at.desc(), Batch.id.desc())
    ).all()


def department_scenario_counts(department_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Scenario.state, func.count()).where(Scenario.department_id == department_id).group_by(Scenario.state)
    )
    return {str(state): n for state, n in rows.all()}
