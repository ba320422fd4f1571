"""Printable documents: a 申报书 prints a version's whole content and its bidders' names, so it goes to whoever may
already read that submission, by the rules of proposals and reviews, and to nobody else."""

from collections.abc import Callable

from flask import abort

from portal.extensions import db
from portal.permissions.guards import MAX_ID
from portal.permissions.proposals import can_view_submission, owns_proposal
from portal.permissions.reviews import is_blind_review, reading_review


def can_download_application(user, version) -> bool:
    """The bidder any of its versions; the owning department once the deadline has opened the bids, and a reviewer
    reading it in an open (not blind) review, the latest version, which is the one they read."""
    proposal = version.proposal
    if owns_proposal(user, proposal):
        return True
    if version is not proposal.latest_version:
        return False
    if can_view_submission(user, proposal):
        return True
    return reading_review(user, proposal) is not None and not is_blind_review(proposal.scenario)


def load_version_or_404(proposal_id: int, number: int, user, need: Callable = can_download_application):
    """A submitted version of a proposal by its number, answering 404 when missing or refused."""
    from sqlalchemy import select

    from portal.proposals.models import ProposalVersion

    if not (0 < proposal_id <= MAX_ID and 0 < number <= MAX_ID):
        abort(404)
    version = db.session.scalar(select(ProposalVersion).where(ProposalVersion.proposal_id == proposal_id,
                                                              ProposalVersion.number == number))
    if version is None or not need(user, version):
        abort(404)
    return version


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (can_download_application,)
