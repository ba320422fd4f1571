from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.accounts.models import Organization
from portal.extensions import db
from portal.proposals.models import (
    Attachment,
    ConsortiumMember,
    Proposal,
    ProposalState,
    ProposalVersion,
    bidder_names_of,
    version_attachments,
)
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


@dataclass(frozen=True)
class SubmittedProposal:
    """A submitted proposal as the department's pages list it, in plain values: its bidders and its latest
    version (what `Proposal.latest_version` is) with that version's files as (id, name)."""

    id: int
    organization_name: str
    bidder_names: str
    title: str
    price: Decimal | None
    plan_months: int
    submitted_at: datetime
    attachments: tuple[tuple[int, str], ...] = ()


def submitted_summaries(scenario_id: int, attachments: bool = True) -> list[SubmittedProposal]:
    """What `submitted_proposals` lists, read as narrow rows rather than objects (three statements whatever the
    number of proposals): a city's busiest scenario lists a few hundred, and its pages show only these values."""
    later = aliased(ProposalVersion)
    newest = (select(func.max(later.number)).where(later.proposal_id == Proposal.id).correlate(Proposal)
              .scalar_subquery())
    rows = db.session.execute(
        _unsealed_submissions().where(Proposal.scenario_id == scenario_id)
        .with_only_columns(Proposal.id, Organization.name, ProposalVersion.id, ProposalVersion.title,
                           ProposalVersion.price, ProposalVersion.plan_months, ProposalVersion.submitted_at)
        .join(Organization, Organization.id == Proposal.organization_id)
        .join(ProposalVersion, (ProposalVersion.proposal_id == Proposal.id) & (ProposalVersion.number == newest))
        .order_by(Proposal.submitted_at, Proposal.id)).all()
    members: dict[int, list[str]] = {}
    for proposal_id, name in db.session.execute(
            select(ConsortiumMember.proposal_id, Organization.name)
            .join(Organization, Organization.id == ConsortiumMember.organization_id)
            .join(Proposal, Proposal.id == ConsortiumMember.proposal_id).where(Proposal.scenario_id == scenario_id)
            .order_by(ConsortiumMember.proposal_id, ConsortiumMember.position)):
        members.setdefault(proposal_id, []).append(name)
    files: dict[int, list[tuple[int, str]]] = {}
    if attachments and rows:
        for version_id, attachment_id, name in db.session.execute(
                select(version_attachments.c.version_id, Attachment.id, Attachment.display_name)
                .join(Attachment, Attachment.id == version_attachments.c.attachment_id)
                .where(version_attachments.c.version_id.in_([row[2] for row in rows]))
                .order_by(version_attachments.c.version_id, Attachment.id)):
            files.setdefault(version_id, []).append((attachment_id, name))
    return [SubmittedProposal(proposal_id, lead, bidder_names_of([lead, *members.get(proposal_id, ())]), title,
                              price, months, at, tuple(files.get(version_id, ())))
            for proposal_id, lead, version_id, title, price, months, at in rows]
