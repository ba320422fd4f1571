from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.proposals.models import ConsortiumMember, Proposal, ProposalState, ProposalVersion
from portal.scenarios.models import Scenario
from portal.scenarios.queries import with_status
from portal.web.paging import Page


def with_members(path=None):
    """Load a proposal's consortium members and their organisations with it (what `Proposal.bidder_names` reads)."""
    load = (path.selectinload(Proposal.members) if path is not None else selectinload(Proposal.members))
    return load.joinedload(ConsortiumMember.organization)


def organization_proposals(organization_id: int, page: int, per_page: int) -> Page:
    """One page of an enterprise's own proposals, the most recently changed first."""
    stmt = (select(Proposal).where(Proposal.organization_id == organization_id)
            .options(joinedload(Proposal.scenario).options(joinedload(Scenario.department), with_status()),
                     selectinload(Proposal.versions))
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc()))
    return Page.of_select(stmt, page, per_page)


# Counts name no bidder: the department sees them while the bids are sealed, and for good after a
# cancellation before the deadline.
def submitted_count(scenario_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED))


def submission_count(scenario_id: int) -> int:
    """Every submission received, amendments included (versions of proposals still in force)."""
    return db.session.scalar(select(func.count()).select_from(ProposalVersion).join(Proposal).where(
        Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED))


def _unsealed_submissions():
    """Submitted proposals that people other than their bidder may read: the one filter of every such query
    (Scenario.bids_unsealed_clause), so a sealed scenario lists nothing whoever asks."""
    return (select(Proposal).join(Scenario, Scenario.id == Proposal.scenario_id)
            .where(Proposal.state == ProposalState.SUBMITTED, Scenario.bids_unsealed_clause()))


def submitted_proposal_ids(scenario_ids) -> dict[int, list[int]]:
    """The ids of each scenario's submitted proposals, in id order, in one query (none while sealed)."""
    rows = db.session.execute(_unsealed_submissions().with_only_columns(Proposal.scenario_id, Proposal.id)
                              .where(Proposal.scenario_id.in_(set(scenario_ids)))
                              .order_by(Proposal.scenario_id, Proposal.id))
    ids: dict[int, list[int]] = {}
    for scenario_id, proposal_id in rows:
        ids.setdefault(scenario_id, []).append(proposal_id)
    return ids


def submitted_proposals(scenario_id: int, attachments: bool = True):
    """The scenario's submitted proposals with their bidders, for the department and the review: none while sealed.
    `attachments=False` for pages that show no files (the ranking)."""
    versions = selectinload(Proposal.versions)
    stmt = (_unsealed_submissions().where(Proposal.scenario_id == scenario_id)
            .options(joinedload(Proposal.organization), with_members(),
                     versions.selectinload(ProposalVersion.attachments) if attachments else versions)
            .order_by(Proposal.submitted_at))
    return db.session.scalars(stmt).unique().all()
