"""Read-side queries for scenario pages and feeds; every list loads its rows in a fixed number of queries."""

from datetime import timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from portal.extensions import db
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState
from portal.util import clock
from portal.web.paging import Page

MAX_KEYWORD = 200
# Statuses most public scenarios have, once the lists are a few years old (7 894 of 10 000 at city scale).
MOST_SCENARIOS = {ScenarioState.FINAL}


def with_status():
    """Loader option for what `Scenario.status` reads beyond the row: the decision of a scenario in 公示 (and
    its objections, which the decision loads with it) — one statement each for a whole list, not one per row."""
    return selectinload(Scenario.decision)


def public_scenarios_query(filters: dict | None = None):
    """Published (ever-public) scenarios of published batches, newest first, with filters applied."""
    stmt = (
        select(Scenario)
        .join(Scenario.batch)
        .options(contains_eager(Scenario.batch), joinedload(Scenario.department), with_status())
        .where(Scenario.published_at.is_not(None), Batch.state == BatchState.PUBLISHED, *_filter_clauses(filters))
    )
    return stmt.order_by(Scenario.published_at.desc(), Scenario.id.desc())


def _filter_clauses(filters: dict | None) -> list:
    filters = filters or {}
    clauses = []
    if filters.get("sector"):
        clauses.append(Scenario.sector == filters["sector"])
    if filters.get("district"):
        clauses.append(Scenario.district == filters["district"])
    if filters.get("status"):
        status = ScenarioState(filters["status"])
        # Most scenarios end 揭榜成功: through the state index SQLite sorts thousands of rows, while walking the
        # listing index in its order finds a page at once (`state || ''` is served by no index). PostgreSQL
        # combines both indexes in a bitmap and is slower walking (tried: 30 → 240 ms for the count).
        unindexed = status in MOST_SCENARIOS and db.session.get_bind().dialect.name == "sqlite"
        state = Scenario.state.concat("") if unindexed else None
        clauses.append(Scenario.status_clause(status, state))
    if filters.get("batch"):
        clauses.append(Scenario.batch_id == int(filters["batch"]))
    if filters.get("q"):
        # A keyword is a few words; SQLite refuses LIKE patterns beyond 50 000 bytes. autoescape makes % and _
        # (and its escape character) match literally.
        keyword = filters["q"][:MAX_KEYWORD]
        clauses.append(or_(Scenario.title.icontains(keyword, autoescape=True),
                           Scenario.description_html.icontains(keyword, autoescape=True),
                           Scenario.requirements_html.icontains(keyword, autoescape=True)))
    return clauses


def public_ids_query(filters: dict | None = None):
    """Ids of the scenarios `public_scenarios_query` returns, in the same order.

    Only narrow columns are read: the order, the batch and the filters are all in ix_scenarios_listing,
    so a deep page walks that index instead of sorting every wide row, and the count reads no row.
    """
    # Correlated, so no index of scenarios serves the batch test and the planner walks the listing index.
    published = exists(select(Batch.id).where(Batch.id == Scenario.batch_id, Batch.state == BatchState.PUBLISHED))
    return (select(Scenario.id)
            .where(Scenario.published_at.is_not(None), published, *_filter_clauses(filters))
            .order_by(Scenario.published_at.desc(), Scenario.id.desc()))


def paginate_public(filters: dict, page: int, per_page: int):
    return Page.of_ids(public_ids_query(filters), scenarios_in_order, page, per_page)


def scenarios_in_order(ids: list[int]) -> list[Scenario]:
    """The scenarios with these ids, in that order, loaded for cards and summaries in a fixed number of queries."""
    if not ids:
        return []
    stmt = (select(Scenario).where(Scenario.id.in_(ids))
            .options(joinedload(Scenario.batch), joinedload(Scenario.department), with_status()))
    rows = {s.id: s for s in db.session.scalars(stmt).unique()}
    return [rows[i] for i in ids if i in rows]


def published_batches_query():
    return select(Batch).where(Batch.state == BatchState.PUBLISHED).order_by(Batch.published_at.desc(), Batch.id.desc())


def published_batches():
    return db.session.scalars(published_batches_query()).all()


def published_batch_choices() -> list:
    """(id, title) rows of the published batches, newest first, for a filter's options."""
    stmt = published_batches_query().with_only_columns(Batch.id, Batch.title)
    return db.session.execute(stmt).all()


def latest_published_batch() -> Batch | None:
    return db.session.scalars(published_batches_query().limit(1)).first()


def batch_counts(batch_ids: list[int]) -> dict[int, int]:
    if not batch_ids:
        return {}
    rows = db.session.execute(
        select(Scenario.batch_id, func.count()).where(Scenario.batch_id.in_(batch_ids),
                                                      Scenario.published_at.is_not(None))
        .group_by(Scenario.batch_id)
    )
    return dict(rows.all())


def _open_ids(limit: int = 8):
    return public_ids_query({"status": ScenarioState.PUBLISHED.value}).limit(limit)


def _closing_soon_ids(days: int = 7, limit: int = 6):
    now = clock.now()
    return (public_ids_query({"status": ScenarioState.PUBLISHED.value})
            .where(Scenario.deadline <= now + timedelta(days=days))
            .order_by(None).order_by(Scenario.deadline.asc()).limit(limit))


def _batch_ids(batch: Batch, limit: int | None = None):
    return (select(Scenario.id).where(Scenario.batch_id == batch.id, Scenario.published_at.is_not(None))
            .order_by(Scenario.id).limit(limit))


def public_scenarios_of_batch(batch: Batch, limit: int | None = None):
    return scenarios_in_order(list(db.session.scalars(_batch_ids(batch, limit))))


def home_scenarios(batch: Batch | None) -> tuple[list[Scenario], list[Scenario], list[Scenario]]:
    """The home page's three lists — the current batch's first six, open, closing within a week — loaded
    together (the lists share scenarios, and each load of cards costs its statements)."""
    lists = [list(db.session.scalars(_batch_ids(batch, 6))) if batch is not None else [],
             list(db.session.scalars(_open_ids())), list(db.session.scalars(_closing_soon_ids()))]
    loaded = {s.id: s for s in scenarios_in_order(list(dict.fromkeys(i for ids in lists for i in ids)))}
    current, open_, closing = ([loaded[i] for i in ids if i in loaded] for ids in lists)
    return current, open_, closing


def feed_scenarios(limit: int = 50):
    return db.session.scalars(public_scenarios_query().limit(limit)).unique().all()


def calendar_scenarios(limit: int = 500):
    """Scenarios whose deadline a subscriber should see: public ones, not cancelled."""
    stmt = (public_scenarios_query().where(Scenario.state != ScenarioState.CANCELLED, Scenario.deadline.is_not(None))
            .order_by(None).order_by(Scenario.deadline.desc()).limit(limit))
    return db.session.scalars(stmt).unique().all()


def department_batches(department_id: int) -> list[tuple[Batch, int]]:
    """The department's batches, newest first, each with its number of scenarios (counted, not loaded)."""
    sizes = (select(Scenario.batch_id, func.count().label("n")).where(Scenario.department_id == department_id)
             .group_by(Scenario.batch_id).subquery())
    return [tuple(row) for row in db.session.execute(
        select(Batch, func.coalesce(sizes.c.n, 0)).outerjoin(sizes, sizes.c.batch_id == Batch.id)
        .where(Batch.department_id == department_id)
        .order_by(Batch.created_at.desc(), Batch.id.desc()))]


def department_scenario_counts(department_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Scenario.state, func.count()).where(Scenario.department_id == department_id).group_by(Scenario.state)
    )
    return {str(state): n for state, n in rows.all()}
