"""The opening record (开标记录): once the deadline has passed, how many proposals arrived in time and, where the
scenario's terms say so, from which enterprises.

Before the deadline nobody but a bidder learns anything about the proposals (the sealed-bid rule,
`Scenario.bids_unsealed`), and a scenario cancelled before its deadline keeps them sealed for good: then there
is no record at all, not even a count. Both queries carry the seal's SQL twin as well, so a caller that forgot
to ask `permissions.can_view_opening_record` still reads nothing of a sealed scenario.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal import permissions
from portal.accounts.models import Organization
from portal.clarifications import queries
from portal.extensions import db
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios.models import Scenario, ScenarioState

# Once the ranking is decided (or the scenario cancelled after its deadline) no review needs the bidders unnamed.
_REVIEW_DONE = frozenset({ScenarioState.DECIDED, ScenarioState.ANNOUNCED, ScenarioState.FINAL, ScenarioState.CANCELLED})


@dataclass(frozen=True)
class OpeningRecord:
    opened_at: datetime  # the submission deadline
    count: int
    # The bidders' names (sorted, so the list says nothing of who came first), or None when not published.
    bidders: list[str] | None
    # The terms name the bidders, but a blind review still runs: the names wait for the ranking.
    names_wait_for_review: bool


def _in_time(scenario_id: int):
    return (select(Proposal).join(Scenario, Scenario.id == Proposal.scenario_id)
            .where(Proposal.scenario_id == scenario_id, Proposal.state == ProposalState.SUBMITTED,
                   Scenario.bids_unsealed_clause()))


def opening_record(scenario, user=None) -> OpeningRecord | None:
    """The scenario's public opening record, or None while (or when for good) its bids are sealed."""
    if not permissions.can_view_opening_record(user, scenario):
        return None
    count = db.session.scalar(_in_time(scenario.id).with_only_columns(func.count()).order_by(None)) or 0
    names_wanted = queries.terms_of(scenario).opening_names_bidders
    # Names on a public page would undo a blind review (reviewers read public pages too).
    waits = names_wanted and permissions.is_blind_review(scenario) and scenario.status not in _REVIEW_DONE
    bidders = None
    if names_wanted and not waits:
        bidders = sorted(db.session.scalars(_in_time(scenario.id).join(Organization,
                                                                       Organization.id == Proposal.organization_id)
                                            .with_only_columns(Organization.name)))
    return OpeningRecord(opened_at=scenario.deadline, count=count, bidders=bidders, names_wait_for_review=waits)
