"""Building review states through the domain operations, for the review tests and the access matrix."""

from datetime import timedelta
from decimal import Decimal

from portal.accounts.models import Role
from portal.extensions import db
from portal.reviews import conflicts, operations, queries
from portal.util import clock


def department_of(scenario):
    return next(u for u in scenario.batch.department.users if u.role == Role.GOVERNMENT)


def closed_scenario(create_scenario, submit_proposal, bidders, batch=None, files_for=None, **fields):
    """A scenario that received one submission per bidder and whose deadline has just passed."""
    scenario = create_scenario(batch, state="published", deadline=clock.now() + timedelta(hours=1), **fields)
    versions = []
    for n, bidder in enumerate(bidders, start=1):
        files = files_for(bidder) if files_for else ()
        versions.append(submit_proposal(scenario, bidder, files=files, title=f"道路病害识别方案{n}号"))
    scenario.deadline = clock.now() - timedelta(minutes=1)
    db.session.commit()
    return scenario, versions


def assign(scenario, reviewers, proposals=None):
    created = conflicts.assign_reviewers(scenario, department_of(scenario), reviewers, proposals)
    db.session.commit()
    return created


def review_of(scenario, reviewer, proposal):
    from sqlalchemy import select

    from portal.reviews.models import Review

    return db.session.scalar(select(Review).where(Review.scenario_id == scenario.id,
                                                  Review.reviewer_id == reviewer.id,
                                                  Review.proposal_id == proposal.id))


def score(review, values, submit=True, opinion="方案可行，建议支持。"):
    conflicts.declare(review, review.reviewer, conflict=False) if review.state.value == "pending" else None
    operations.save_review(review, review.reviewer, scores=[(str(v), f"评语{i}") for i, v in enumerate(values)],
                           opinion=opinion, submit=submit)
    db.session.commit()
    return review


def split(total) -> list[Decimal]:
    """A total as four criterion scores within 30/30/20/20, in 0.5 steps."""
    remaining = Decimal(str(total))
    parts = []
    for weight in (30, 30, 20, 20):
        part = min(Decimal(weight), remaining)
        parts.append(part)
        remaining -= part
    assert remaining == 0
    return parts


def fully_reviewed(scenario, reviewers, totals_by_proposal):
    """Assign `reviewers` and let each submit the given totals (one list per proposal, in proposal order)."""
    assign(scenario, reviewers)
    proposals = queries.reviewed_proposals(scenario)
    for proposal, totals in zip(proposals, totals_by_proposal, strict=True):
        for reviewer, total in zip(reviewers, totals, strict=True):
            score(review_of(scenario, reviewer, proposal), split(total))
    return proposals
