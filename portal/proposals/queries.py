from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.proposals.models import Proposal, ProposalState, ProposalVersion
from portal.scenarios.models import Scenario
from portal.scenarios.queries import preload_results


def organization_proposals(organization_id: int):
    stmt = (select(Proposal).where(Proposal.organization_id == organization_id)
            .options(joinedload(Proposal.scenario).joinedload(Scenario.department), selectinload(Proposal.versions))
            .order_by(Proposal.updated_at.desc()))
    proposals = db.session.scalars(stmt).unique().all()
    preload_results([p.scenario for p in proposals])  # what Scenario.status reads for those in 公示
    return proposals


def submitted_count(scenario_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED))


def submission_count(scenario_id: int) -> int:
    """Every submission received, amendments included (versions of proposals still in force)."""
    return db.session.scalar(select(func.count()).select_from(ProposalVersion).join(Proposal).where(
        Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED))


def submitted_proposal_ids(scenario_ids) -> dict[int, list[int]]:
    """The ids of each scenario's submitted proposals, in id order, in one query."""
    rows = db.session.execute(select(Proposal.scenario_id, Proposal.id)
                              .where(Proposal.scenario_id.in_(set(scenario_ids)),
                                     Proposal.state == ProposalState.SUBMITTED)
                              .order_by(Proposal.scenario_id, Proposal.id))
    ids: dict[int, list[int]] = {}
    for scenario_id, proposal_id in rows:
        ids.setdefault(scenario_id, []).append(proposal_id)
    return ids


def submitted_proposals(scenario_id: int):
    stmt = (select(Proposal).where(Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED)
            .options(joinedload(Proposal.organization),
                     selectinload(Proposal.versions).selectinload(ProposalVersion.attachments))
            .order_by(Proposal.submitted_at))
    return db.session.scalars(stmt).unique().all()
