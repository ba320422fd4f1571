"""Read-side queries of 公示: the final results (揭榜成功), by batch."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.announcements.models import Decision
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState


def final_results_query():
    """(scenario, decision) of final results (揭榜成功, by server time), newest batch first."""
    return (select(Scenario, Decision).join(Scenario.decision)
            .join(Batch, Batch.id == Scenario.batch_id)
            .where(Scenario.status_clause(ScenarioState.FINAL), Batch.state == BatchState.PUBLISHED,
                   Scenario.bids_unsealed_clause())  # they name the winning bidders
            .options(joinedload(Scenario.batch), selectinload(Decision.winners).joinedload(Proposal.organization))
            .order_by(Batch.published_at.desc(), Batch.id.desc(), Decision.ends_at.desc(), Scenario.id))


def final_results_by_batch():
    """Final results grouped by batch, newest batch first."""
    grouped: dict = {}
    for scenario, decision in db.session.execute(final_results_query()).unique():
        grouped.setdefault(scenario.batch, []).append((scenario, decision))
    return list(grouped.items())
