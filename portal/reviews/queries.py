"""The review's read side: the proposals under review and their labels, the reviews of a scenario, and the
ranking the department decides from."""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.amendments import queries as amendment_queries
from portal.extensions import db
from portal.proposals import queries as proposal_queries
from portal.proposals.models import Proposal
from portal.reviews import policy, scoring
from portal.reviews.models import ACTIVE_STATES, Review, ReviewScore, ReviewState
from portal.reviews.setup import get_setup
from portal.scenarios.models import Scenario, ScenarioState


def reviewer_tasks(reviewer_id: int):
    """A reviewer's assignments that are still its work, newest scenario first: never on a cancelled scenario
    or one whose bids are sealed (the SQL of permissions.can_view_review, so that pages and totals agree)."""
    return (select(Review).join(Scenario, Scenario.id == Review.scenario_id)
            .where(Review.reviewer_id == reviewer_id, Review.state.in_(ACTIVE_STATES),
                   Scenario.state != ScenarioState.CANCELLED, Scenario.bids_unsealed_clause())
            .options(selectinload(Review.scenario))
            .order_by(Review.scenario_id.desc(), Review.proposal_id))


def reviewed_proposals(scenario: Scenario, attachments: bool = True) -> list[Proposal]:
    """The proposals under review: every proposal submitted at the deadline, in label order, but those whose
    bidders did not confirm them after the requirements changed (变更公告: not confirmed, not reviewed)."""
    unconfirmed = amendment_queries.unconfirmed_proposal_ids([scenario.id])
    return sorted((p for p in proposal_queries.submitted_proposals(scenario.id, attachments)
                   if p.id not in unconfirmed), key=lambda p: p.id)


def proposal_labels(proposals) -> dict[int, str]:
    """方案 A, B, C … in a stable order (the order proposals were first created)."""
    return labels_by_id(p.id for p in proposals)


def labels_by_id(proposal_ids) -> dict[int, str]:
    return {proposal_id: label_for(i) for i, proposal_id in enumerate(sorted(proposal_ids))}


def labels_for_scenarios(scenario_ids) -> dict[int, str]:
    """The labels of the proposals under review in each of these scenarios, by proposal id (one query)."""
    labels = {}
    by_scenario = proposal_queries.submitted_proposal_ids(scenario_ids)
    unconfirmed = amendment_queries.unconfirmed_proposal_ids(by_scenario)
    for ids in by_scenario.values():
        labels.update(labels_by_id(i for i in ids if i not in unconfirmed))
    return labels


def label_for(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def scenario_reviews(scenario: Scenario, scores: bool = True) -> list[Review]:
    """The scenario's reviews with their reviewers, and their scores unless `scores=False`."""
    stmt = (select(Review).where(Review.scenario_id == scenario.id).options(selectinload(Review.reviewer))
            .order_by(Review.proposal_id, Review.id))
    if scores:
        stmt = stmt.options(selectinload(Review.scores))
    return db.session.scalars(stmt).all()


def _submitted_subtotals(scenario: Scenario) -> dict[int, tuple]:
    """Each submitted review's scores in criterion order, by review id, as plain values (one query): a ranking
    of a city's scenario reads a few thousand of them."""
    rows = db.session.execute(select(ReviewScore.review_id, ReviewScore.score).join(Review)
                              .where(Review.scenario_id == scenario.id, Review.state == ReviewState.SUBMITTED)
                              .order_by(ReviewScore.review_id, ReviewScore.position))
    subtotals: dict[int, list] = {}
    for review_id, value in rows:
        subtotals.setdefault(review_id, []).append(value)
    return {review_id: tuple(values) for review_id, values in subtotals.items()}


@dataclass
class RankingRow:
    proposal: Proposal
    label: str
    result: scoring.RankedProposal
    reviews: list[Review]


@dataclass
class Ranking:
    criteria: list[tuple[str, int]]
    rows: list[RankingRow]
    problems: list[str] = field(default_factory=list)
    spread_flag_points: int = 0  # a spread above this many points is flagged for discussion

    @property
    def complete(self) -> bool:
        return not self.problems


def ranking(scenario: Scenario, details: bool = False) -> Ranking:
    """Aggregate the submitted reviews and say what still keeps the department from deciding. `details`: the
    rows' reviews carry their score objects (criterion scores and comments, for the exports)."""
    proposals = reviewed_proposals(scenario, attachments=False)
    labels = proposal_labels(proposals)
    by_proposal = _by_proposal(scenario_reviews(scenario, scores=details))
    submitted = {p.id: [r for r in by_proposal.get(p.id, ()) if r.state == ReviewState.SUBMITTED]
                 for p in proposals}
    subtotals = _submitted_subtotals(scenario)
    entries = [scoring.Entry(key=p.id, submitted_at=p.latest_version.submitted_at, order=p.id,
                             reviews=tuple(scoring.ReviewerTotal(r.reviewer_id, subtotals.get(r.id, ()))
                                           for r in submitted[p.id]))
               for p in proposals]
    flag_above = policy.spread_flag_points()
    by_id = {p.id: p for p in proposals}
    rows = [RankingRow(by_id[res.key], labels[res.key], res, submitted[res.key])
            for res in scoring.rank(entries, Decimal(flag_above))]
    return Ranking(get_setup(scenario).criteria, rows, _problems(proposals, labels, by_proposal), flag_above)


def _by_proposal(reviews: list[Review]) -> dict[int, list[Review]]:
    """The reviews of each proposal, in their order (one pass, not one per proposal)."""
    grouped: dict[int, list[Review]] = {}
    for review in reviews:
        grouped.setdefault(review.proposal_id, []).append(review)
    return grouped


def _problems(proposals, labels, by_proposal: dict[int, list[Review]]) -> list[str]:
    problems = []
    minimum = policy.min_reviewers()
    for proposal in proposals:
        mine = by_proposal.get(proposal.id, [])
        done = sum(r.state == ReviewState.SUBMITTED for r in mine)
        open_ = sum(r.state in (ReviewState.PENDING, ReviewState.IN_PROGRESS) for r in mine)
        if done < minimum:
            problems.append(_("方案 %(label)s 只有 %(n)d 份已提交评分，至少需要 %(min)d 份。",
                              label=labels[proposal.id], n=done, min=minimum))
        if open_:
            problems.append(_("方案 %(label)s 还有 %(n)d 份评分未提交。", label=labels[proposal.id], n=open_))
    return problems
