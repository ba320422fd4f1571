"""The review's read side: the proposals under review and their labels, the reviews of a scenario, and the
ranking the department decides from."""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.amendments import queries as amendment_queries
from portal.extensions import db
from portal.proposals import queries as proposal_queries
from portal.proposals.models import Proposal
from portal.reviews import policy, scoring
from portal.reviews.models import ACTIVE_STATES, Review, ReviewScore, ReviewState
from portal.reviews.setup import get_setup
from portal.scenarios.models import Scenario, ScenarioState
from portal.util import clock


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
    rows: list  # RankingRow from `ranking`, RankingLine from `ranking_lines`
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
    results, flag_above = _rank(scenario, {p.id: p.latest_version.submitted_at for p in proposals},
                                {i: [(r.id, r.reviewer_id) for r in mine] for i, mine in submitted.items()})
    by_id = {p.id: p for p in proposals}
    rows = [RankingRow(by_id[res.key], labels[res.key], res, submitted[res.key]) for res in results]
    states = {i: [r.state for r in mine] for i, mine in by_proposal.items()}
    return Ranking(get_setup(scenario).criteria, rows, _problems(list(by_id), labels, states), flag_above)


@dataclass(frozen=True)
class RankingLine:
    """A row of the ranking as its table draws it, every cell already a text."""

    id: int  # the proposal's: what the page's audit record names
    organization_name: str
    label: str
    bidder_names: str
    title: str
    totals: tuple[str, ...]  # "reviewer：total", in the reviews' order
    rank: str
    score: str
    trimmed: bool
    spread: str
    flagged: bool
    first_criterion_mean: str
    submitted: str


def ranking_lines(scenario: Scenario) -> Ranking:
    """The ranking the department's pages draw: the same results as `ranking` (the same rule, scoring.rank), read
    as narrow rows and drawn into texts, with no object per proposal, review or score (a city's busiest scenario
    has a few hundred proposals and thousands of scores)."""
    unconfirmed = amendment_queries.unconfirmed_proposal_ids([scenario.id])
    proposals = {p.id: p for p in sorted(proposal_queries.submitted_summaries(scenario.id, attachments=False),
                                         key=lambda p: p.id) if p.id not in unconfirmed}
    labels = labels_by_id(proposals)
    reviews: dict[int, list] = {}
    for row in db.session.execute(select(Review.id, Review.proposal_id, Review.reviewer_id, Review.state, User.name)
                                  .join(User, User.id == Review.reviewer_id)
                                  .where(Review.scenario_id == scenario.id).order_by(Review.proposal_id, Review.id)):
        reviews.setdefault(row.proposal_id, []).append(row)
    submitted = {i: [r for r in reviews.get(i, ()) if r.state == ReviewState.SUBMITTED] for i in proposals}
    results, flag_above = _rank(scenario, {i: p.submitted_at for i, p in proposals.items()},
                                {i: [(r.id, r.reviewer_id) for r in mine] for i, mine in submitted.items()})
    lines = []
    for res in results:
        proposal, shown = proposals[res.key], scoring.shown
        lines.append(RankingLine(
            proposal.id, proposal.organization_name, labels[res.key], proposal.bidder_names, proposal.title,
            tuple(f"{r.name}：{shown(total)}" for r, total in zip(submitted[res.key], res.totals, strict=True)),
            str(res.rank or "—"), shown(res.score) or "—", res.trimmed, shown(res.spread), res.flagged,
            shown(res.first_criterion_mean) or "—",
            clock.to_local(proposal.submitted_at).strftime("%Y-%m-%d %H:%M:%S")))
    states = {i: [r.state for r in mine] for i, mine in reviews.items()}
    return Ranking(get_setup(scenario).criteria, lines, _problems(list(proposals), labels, states), flag_above)


def winner_names(decision, lines: list[RankingLine]) -> list[str]:
    """The bidders a decision chose, as its ranking's lines name them (a winner was ranked: nothing more to load)."""
    names = {line.id: line.bidder_names for line in lines}
    return [names.get(winner.id) or winner.bidder_names for winner in decision.winners] if decision else []


def _rank(scenario: Scenario, submitted_at: dict[int, object], reviews: dict[int, list[tuple[int, int]]]):
    """scoring.rank over the proposals (by id: the time of their latest version) and their submitted reviews (by
    proposal: review id and reviewer id, in order); with the spread above which a proposal is flagged."""
    subtotals = _submitted_subtotals(scenario)
    entries = [scoring.Entry(key=i, submitted_at=at, order=i,
                             reviews=tuple(scoring.ReviewerTotal(reviewer_id, subtotals.get(review_id, ()))
                                           for review_id, reviewer_id in reviews[i]))
               for i, at in submitted_at.items()]
    flag_above = policy.spread_flag_points()
    return scoring.rank(entries, Decimal(flag_above)), flag_above


def _by_proposal(reviews: list[Review]) -> dict[int, list[Review]]:
    """The reviews of each proposal, in their order (one pass, not one per proposal)."""
    grouped: dict[int, list[Review]] = {}
    for review in reviews:
        grouped.setdefault(review.proposal_id, []).append(review)
    return grouped


def _problems(proposal_ids, labels, states: dict[int, list[ReviewState]]) -> list[str]:
    problems = []
    minimum = policy.min_reviewers()
    for proposal_id in proposal_ids:
        mine = states.get(proposal_id, [])
        done = sum(state == ReviewState.SUBMITTED for state in mine)
        open_ = sum(state in (ReviewState.PENDING, ReviewState.IN_PROGRESS) for state in mine)
        if done < minimum:
            problems.append(_("方案 %(label)s 只有 %(n)d 份已提交评分，至少需要 %(min)d 份。",
                              label=labels[proposal_id], n=done, min=minimum))
        if open_:
            problems.append(_("方案 %(label)s 还有 %(n)d 份评分未提交。", label=labels[proposal_id], n=open_))
    return problems
