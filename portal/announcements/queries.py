"""Read-side queries of 公示: the final results (揭榜成功) by batch, the reopened rounds, each bidder's feedback."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.announcements.models import Decision, Feedback
from portal.extensions import db
from portal.proposals import queries as proposal_queries
from portal.proposals.models import Proposal
from portal.reviews import queries as review_queries
from portal.scenarios.models import Batch, BatchState, Scenario, ScenarioState


def final_results_query():
    """(scenario, decision) of final results (揭榜成功, by server time), newest batch first."""
    return (select(Scenario, Decision).join(Scenario.decision)
            .join(Batch, Batch.id == Scenario.batch_id)
            .where(Scenario.status_clause(ScenarioState.FINAL), Batch.state == BatchState.PUBLISHED,
                   Scenario.bids_unsealed_clause())  # they name the winning bidders
            .options(joinedload(Scenario.batch), selectinload(Decision.winners).joinedload(Proposal.organization),
                     proposal_queries.with_members(selectinload(Decision.winners)))
            .order_by(Batch.published_at.desc(), Batch.id.desc(), Decision.ends_at.desc(), Scenario.id))


def final_results_by_batch():
    """Final results grouped by batch, newest batch first."""
    grouped: dict = {}
    for scenario, decision in db.session.execute(final_results_query()).unique():
        grouped.setdefault(scenario.batch, []).append((scenario, decision))
    return list(grouped.items())


def past_rounds(scenario: Scenario) -> list:
    """The 公示 rounds an upheld objection reopened, oldest first, with their objections."""
    from portal.announcements.models import PastDecision

    return db.session.scalars(select(PastDecision).where(PastDecision.scenario_id == scenario.id)
                              .options(selectinload(PastDecision.objections))
                              .order_by(PastDecision.round)).all()


@dataclass
class ReviewerFeedback:
    label: str  # 评审专家 A, B, C …: never the reviewer's name
    scores: list  # (criterion, weight, score, comment)
    total: Decimal
    opinion: str


@dataclass
class BidderFeedback:
    feedback: Feedback
    total: Decimal | None
    rank: int | None
    count: int
    reviewers: list[ReviewerFeedback]


def bidder_feedback(proposal: Proposal) -> BidderFeedback | None:
    """What the bidder reads of its own proposal's review, cut to the department's feedback setting; None when
    the proposal was not ranked. Callers check permissions.can_view_feedback first."""
    decision = proposal.scenario.decision
    ranking = review_queries.ranking(proposal.scenario)
    row = next((r for r in ranking.rows if r.proposal.id == proposal.id), None)
    if row is None:
        return None
    setting = decision.feedback
    reviewers = []
    if setting.shows_comments:
        for i, review in enumerate(row.reviews):
            scores = [(name, weight, review.score_at(n).score if review.score_at(n) else None,
                       review.score_at(n).comment if review.score_at(n) else "")
                      for n, (name, weight) in enumerate(ranking.criteria)]
            reviewers.append(ReviewerFeedback(_("评审专家 %(letter)s", letter=review_queries.label_for(i)), scores,
                                              sum((s for _n, _w, s, _c in scores if s is not None), Decimal(0)),
                                              review.opinion))
    return BidderFeedback(setting, row.result.score, row.result.rank if setting.shows_place else None,
                          len(ranking.rows), reviewers)
