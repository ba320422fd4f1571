from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.reviews.models import Decision
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState


def final_results_by_batch():
    """Final results (揭榜成功, by server time) grouped by batch, newest batch first."""
    stmt = (select(Scenario, Decision).join(Decision, Decision.scenario_id == Scenario.id)
            .join(Batch, Batch.id == Scenario.batch_id)
            .where(Scenario.status_clause(ScenarioState.FINAL), Batch.state == BatchState.PUBLISHED)
            .options(joinedload(Scenario.batch), selectinload(Decision.winners))
            .order_by(Batch.published_at.desc(), Batch.id.desc(), Decision.ends_at.desc(), Scenario.id))
    grouped: dict = {}
    for scenario, decision in db.session.execute(stmt).unique():
        grouped.setdefault(scenario.batch, []).append((scenario, decision))
    return list(grouped.items())
