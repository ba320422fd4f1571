"""The amendments and files of a call, and the proposals that wait for their bidder's confirmation.

A submitted proposal waits when the requirements were changed at or after its latest submission and its bidder
has not confirmed it since. The rule is written twice, for one proposal (`pending_amendment`) and in SQL
(`awaiting_confirmation_clause`); the two must agree (tests/amendments/test_confirmations.py).
"""

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from portal.amendments.models import ProposalConfirmation, ScenarioAmendment, ScenarioAttachment
from portal.extensions import db
from portal.proposals.models import Proposal, ProposalState


def amendments_of(scenario_id: int) -> list[ScenarioAmendment]:
    """Every amendment of a call, oldest first."""
    return db.session.scalars(select(ScenarioAmendment).where(ScenarioAmendment.scenario_id == scenario_id)
                              .order_by(ScenarioAmendment.number)).all()


def attachments_of(scenario_id: int) -> list[ScenarioAttachment]:
    """The call's files as they stand now, in upload order."""
    return db.session.scalars(select(ScenarioAttachment).where(ScenarioAttachment.scenario_id == scenario_id,
                                                               ScenarioAttachment.removed_at.is_(None))
                              .order_by(ScenarioAttachment.id)).all()


def pending_amendment(proposal: Proposal) -> ScenarioAmendment | None:
    """The latest change of the requirements the bidder has still to confirm, or None."""
    if proposal.state != ProposalState.SUBMITTED or proposal.submitted_at is None:
        return None
    confirmed = db.session.scalar(select(ProposalConfirmation.confirmed_at)
                                  .where(ProposalConfirmation.proposal_id == proposal.id)
                                  .order_by(ProposalConfirmation.confirmed_at.desc()).limit(1))
    changes = db.session.scalars(select(ScenarioAmendment).where(
        ScenarioAmendment.scenario_id == proposal.scenario_id, ScenarioAmendment.requirements_changed.is_(True),
        ScenarioAmendment.created_at >= proposal.submitted_at).order_by(ScenarioAmendment.number)).all()
    waiting = [a for a in changes if confirmed is None or confirmed < a.created_at]
    return waiting[-1] if waiting else None


def awaiting_confirmation_clause():
    """`pending_amendment(proposal) is not None` as a SQL condition on proposals."""
    change = aliased(ScenarioAmendment)
    confirmation = aliased(ProposalConfirmation)
    # Correlated by hand: the innermost query refers to the proposal two levels up.
    confirmed_since = (select(confirmation.id)
                       .where(confirmation.proposal_id == Proposal.id, confirmation.confirmed_at >= change.created_at)
                       .correlate(Proposal, change).exists())
    unconfirmed_change = (select(change.id)
                          .where(change.scenario_id == Proposal.scenario_id, change.requirements_changed.is_(True),
                                 change.created_at >= Proposal.submitted_at, ~confirmed_since)
                          .correlate(Proposal).exists())
    return and_(Proposal.state == ProposalState.SUBMITTED, Proposal.submitted_at.is_not(None), unconfirmed_change)


def unconfirmed_proposal_ids(scenario_ids) -> set[int]:
    """The submitted proposals of these scenarios whose bidders did not confirm a change of the requirements."""
    ids = set(scenario_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Proposal.id).where(Proposal.scenario_id.in_(ids),
                                                            awaiting_confirmation_clause())))
