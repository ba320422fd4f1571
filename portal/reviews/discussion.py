"""The panel's discussion of a proposal flagged 需讨论 (its reviewers' totals spread more than the policy's
points): a thread visible to the panel and the owning department only (permissions.can_view_discussion).

A thread opens when the ranking flags the proposal and takes posts while the scenario is under review; once the
ranking is final (定榜) it is read-only. Posts are plain text, shown escaped; each is audited and the other
participants are told. In a blind review the thread names the proposal by its label only.
"""

import re
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit, permissions
from portal.accounts.models import Role, User
from portal.errors import Conflict, InvalidTransition, NotReady
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.reviews import lifecycle as review_lifecycle
from portal.reviews import policy, queries, scoring
from portal.reviews.models import ACTIVE_STATES, DiscussionPost, Review, ReviewScore, ReviewState
from portal.reviews.steps import department_users, link, locked, notify, require
from portal.scenarios.models import ScenarioState
from portal.util import clock

BODY_MAX = 2_000
# Control characters other than line breaks and tabs carry nothing a reader can see.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def flagged_ids(scenario) -> set[int]:
    """The proposals of the scenario the ranking flags 需讨论."""
    return {row.proposal.id for row in queries.ranking(scenario).rows if row.result.flagged}


def flagged_in(scenario_ids) -> set[int]:
    """The proposals flagged 需讨论 in these scenarios, in one query (the rule of scoring.rank: the submitted
    totals spread more than the policy's points), for pages that list many scenarios."""
    ids = list(set(scenario_ids))
    if not ids:
        return set()
    rows = db.session.execute(
        select(Review.proposal_id, Review.id, func.sum(ReviewScore.score))
        .join(ReviewScore, ReviewScore.review_id == Review.id, isouter=True)
        .where(Review.scenario_id.in_(ids), Review.state == ReviewState.SUBMITTED)
        .group_by(Review.proposal_id, Review.id)).all()
    totals: dict[int, list[Decimal]] = {}
    for proposal_id, _review_id, total in rows:
        totals.setdefault(proposal_id, []).append(Decimal(str(total or 0)))
    above = Decimal(policy.spread_flag_points())
    return {proposal_id for proposal_id, values in totals.items() if scoring.spread(values) > above}


def is_flagged(proposal: Proposal) -> bool:
    return proposal.id in flagged_ids(proposal.scenario)


def is_open(proposal: Proposal) -> bool:
    """Whether the thread takes posts: the proposal is flagged and the ranking not yet final."""
    return review_lifecycle.in_review(proposal.scenario) and is_flagged(proposal)


def posts(proposal: Proposal) -> list[DiscussionPost]:
    return db.session.scalars(select(DiscussionPost).where(DiscussionPost.proposal_id == proposal.id)
                              .order_by(DiscussionPost.created_at, DiscussionPost.id)).all()


def exists(proposal: Proposal) -> bool:
    """A thread to show: the proposal is flagged, or was when the panel discussed it."""
    return is_flagged(proposal) or db.session.scalar(
        select(DiscussionPost.id).where(DiscussionPost.proposal_id == proposal.id).limit(1)) is not None


def participants(proposal: Proposal) -> list[User]:
    """Who takes part: the owning department's accounts and the panel reviewers not kept out of the proposal."""
    reviewers = db.session.scalars(select(User).join(Review, Review.reviewer_id == User.id)
                                   .where(Review.scenario_id == proposal.scenario_id,
                                          Review.state.in_(ACTIVE_STATES), User.role == Role.REVIEWER,
                                          User.active.is_(True))
                                   .distinct().order_by(User.id)).all()
    panel = [u for u in reviewers if permissions.is_on_panel(u, proposal)]
    return department_users(proposal.scenario) + panel


def clean_body(text: str | None) -> str:
    body = _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()
    if not body:
        raise NotReady(_("请填写讨论内容。"))
    if len(body) > BODY_MAX:
        raise NotReady(_("讨论内容不超过 %(n)d 字。", n=BODY_MAX))
    return body


def add_post(proposal: Proposal, actor, text: str) -> DiscussionPost:
    """Post to the thread of a flagged proposal while the ranking is not final; the others are told."""
    require(permissions.can_view_discussion(actor, proposal))
    scenario = locked(proposal.scenario)
    if not review_lifecycle.in_review(scenario):
        if scenario.status in (ScenarioState.DECIDED, ScenarioState.ANNOUNCED, ScenarioState.FINAL):
            raise InvalidTransition(_("排名已确定，讨论已关闭，只能查看。"))
        raise InvalidTransition(_("该场景不在评审阶段。"))
    if not is_flagged(proposal):
        raise Conflict(_("该方案未标注“需讨论”，不能发起讨论。"))
    body = clean_body(text)
    post = DiscussionPost(scenario_id=scenario.id, proposal_id=proposal.id, author_id=actor.id, body=body,
                          created_at=clock.now())
    db.session.add(post)
    db.session.flush()
    audit.record(actor, "review.discussion_post", post, proposal=proposal.id, body=body)
    label = queries.proposal_labels(queries.reviewed_proposals(scenario)).get(proposal.id, "")
    others = [u for u in participants(proposal) if u.id != actor.id]
    notify(others, "review_discussion",
           _("方案 %(label)s 的讨论有新发言：%(title)s", label=label, title=scenario.title),
           _("%(name)s：%(excerpt)s", name=actor.name, excerpt=body[:120]),
           link("review_discussion.show_thread", proposal_id=proposal.id))
    db.session.flush()
    return post
