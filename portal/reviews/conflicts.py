"""Reviewer assignment and conflicts of interest (回避): the reviewer's conflict profile, automatic exclusion,
the declaration that opens a proposal, and recusal. Each function checks its rule, changes rows, audits,
notifies and flushes; the request commits once.

Where the profile is matched against the bidders (portal/reviews/matching.py), so that no path lets a
conflicted reviewer open a proposal:
- at assignment, for every new review (also a replacement's);
- at every change of the profile, for the reviewer's reviews of scenarios still under review, submitted ones
  included (a conflicted score must not count in the ranking);
- at the declaration, the only step that opens a proposal's content (PENDING → IN_PROGRESS).
Nothing else can make a reviewer conflicted: proposals cannot be submitted after the deadline (assignment comes
after it), and organisations keep the name and code they registered with. An exclusion is final: removing the
profile entry later does not bring the review back, and the department assigns someone else.

Blind review: the reviewer is never told who bid, not even to declare. The declaration is meaningful because it
is made against the profile, which the portal matches against the hidden bidders: declaring no conflict confirms
that the profile shown on the declaration page is complete and current, and any relation the profile lacks is
added there (matched at once) or declared as a recusal. In an open review the declaration also names the bidder.
What a reviewer can still learn: adding an organisation and seeing a task disappear tells it that organisation
bid, at the price of that proposal; every profile change is audited and the department is told.
"""

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit, permissions, search
from portal.accounts import operations as accounts
from portal.accounts.models import Role, User
from portal.errors import Conflict, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.reviews import lifecycle as review_lifecycle
from portal.reviews import matching
from portal.reviews.models import (
    ConflictEntry,
    ConflictKind,
    Review,
    ReviewerProfile,
    ReviewState,
)
from portal.reviews.queries import proposal_labels, reviewed_proposals
from portal.reviews.setup import ensure_reviewable, ensure_setup
from portal.reviews.steps import department_users, link, locked, notify, require
from portal.scenarios.lifecycle import ensure_transition
from portal.scenarios.models import Scenario, ScenarioState
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock
from portal.util.uscc import USCCError, normalize_uscc

NAME_MAX = 120
DETAIL_MAX = 500
REASON_MAX = 1_000
# Reviews a profile change can still exclude: any not yet out of the review.
OPEN_STATES = (ReviewState.PENDING, ReviewState.IN_PROGRESS, ReviewState.SUBMITTED)


class ProfileInvalid(NotReady):
    """A profile entry cannot be accepted; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def today() -> date:
    return clock.to_local(clock.now()).date()


# --- the conflict profile ------------------------------------------------------------------------

def get_profile(user: User) -> ReviewerProfile:
    """The reviewer's profile, or an unsaved one whose current employer is the account's organization."""
    profile = db.session.get(ReviewerProfile, user.id)
    if profile is None:
        profile = ReviewerProfile(user_id=user.id, employer_name=user.organization.name,
                                  employer_uscc=user.organization.uscc)
    return profile


def _ensure_profile(user: User) -> ReviewerProfile:
    profile = db.session.get(ReviewerProfile, user.id)
    if profile is None:
        profile = get_profile(user)
        profile.created_at = profile.updated_at = clock.now()
        db.session.add(profile)
        db.session.flush()
    return profile


def profile_entries(user: User, profile: ReviewerProfile | None = None) -> list[matching.Entry]:
    """The profile as matching entries: the account's organization, the current employer, then the rest."""
    profile = profile or get_profile(user)
    entries = [matching.Entry(matching.ACCOUNT, user.organization.name, user.organization.uscc,
                              organization_id=user.organization_id),
               matching.Entry(matching.EMPLOYER, profile.employer_name, profile.employer_uscc)]
    entries += [matching.Entry(e.kind.value, e.org_name, e.uscc, e.until) for e in profile.entries]
    return entries


def parties(proposal: Proposal) -> list[matching.Party]:
    """The organisations taking part in a proposal: the bidder and, for a consortium, every member."""
    return [matching.Party(org.id, org.name, org.uscc) for org in proposal.bidders]


def conflict_of(reviewer: User, proposal: Proposal) -> matching.Match | None:
    return matching.first_conflict(profile_entries(reviewer), parties(proposal), today())


def _clean_name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ProfileInvalid(_("请填写单位名称。"), field)
    if len(value) > NAME_MAX:
        raise ProfileInvalid(_("单位名称不超过 %(n)d 个字。", n=NAME_MAX), field)
    return value


def _clean_uscc(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return normalize_uscc(value)
    except USCCError as error:
        raise ProfileInvalid(str(error), field) from error


def create_reviewer(actor, *, email: str, password: str, name: str, employer: str,
                    employer_uscc: str | None = None) -> User:
    """Create a reviewer account; the 所属单位 given is its current employer for 回避."""
    employer = _clean_name(employer, "org_name")
    code = _clean_uscc(employer_uscc, "employer_uscc")
    # The code belongs to the profile, not to the account's organization: a reviewer employed by an enterprise
    # never joins that enterprise's account.
    user = accounts.create_account(actor, email=email, password=password, role=Role.REVIEWER, org_name=employer,
                                   name=name)
    profile = _ensure_profile(user)
    profile.employer_name, profile.employer_uscc = employer, code
    audit.record(actor, "reviewer_profile.employer", user, employer=employer, uscc=code)
    db.session.flush()
    return user


def _require_own_profile(user: User, actor) -> None:
    if not permissions.can_edit_conflict_profile(actor, user):
        raise PermissionDenied(_("您无权执行该操作。"))


def save_employer(user: User, actor, *, employer: str, uscc: str | None) -> ReviewerProfile:
    """Change the current employer; the previous one becomes a former employer until today."""
    _require_own_profile(user, actor)
    employer = _clean_name(employer, "employer")
    code = _clean_uscc(uscc, "uscc")
    profile = _ensure_profile(user)
    before = (profile.employer_name, profile.employer_uscc)
    if before == (employer, code):
        return profile
    if profile.employer_name != employer:
        # Leaving an employer does not end the conflict with it for three years.
        profile.entries.append(ConflictEntry(kind=ConflictKind.FORMER_EMPLOYER, org_name=profile.employer_name,
                                             uscc=profile.employer_uscc, until=today(),
                                             detail=_("变更现工作单位时自动记录"), created_at=clock.now()))
    profile.employer_name, profile.employer_uscc = employer, code
    profile.updated_at = clock.now()
    audit.record(actor, "reviewer_profile.employer", user, employer=employer, uscc=code, previous=before[0],
                 previous_uscc=before[1])
    db.session.flush()
    exclude_conflicted_reviews(user, actor)
    return profile


def add_entry(user: User, actor, *, kind: ConflictKind, org_name: str, uscc: str | None = None,
              until: date | None = None, detail: str = "") -> ConflictEntry:
    """Declare a former employer, shareholding, post or other relation; it is matched at once."""
    _require_own_profile(user, actor)
    kind = ConflictKind(kind)
    org_name = _clean_name(org_name, "org_name")
    code = _clean_uscc(uscc, "uscc")
    detail = (detail or "").strip()
    if len(detail) > DETAIL_MAX:
        raise ProfileInvalid(_("说明不超过 %(n)d 个字。", n=DETAIL_MAX), "detail")
    if kind == ConflictKind.FORMER_EMPLOYER:
        if until is None:
            raise ProfileInvalid(_("请填写离职日期。"), "until")
        if until > today():
            raise ProfileInvalid(_("离职日期不能晚于今天；仍在职的单位请填写为现工作单位。"), "until")
    else:
        until = None
    if kind == ConflictKind.RELATION and not detail:
        raise ProfileInvalid(_("请说明与该单位的利益关系。"), "detail")
    profile = _ensure_profile(user)
    entry = ConflictEntry(kind=kind, org_name=org_name, uscc=code, until=until, detail=detail,
                          created_at=clock.now())
    profile.entries.append(entry)
    profile.updated_at = clock.now()
    db.session.flush()
    audit.record(actor, "reviewer_profile.add", entry, reviewer=user.id, kind=kind, org_name=org_name, uscc=code,
                 until=until.isoformat() if until else None, detail=detail)
    exclude_conflicted_reviews(user, actor)
    return entry


def remove_entry(entry: ConflictEntry, actor) -> None:
    """Remove a declared entry; reviews it already excluded stay excluded."""
    user = entry.profile.user
    _require_own_profile(user, actor)
    audit.record(actor, "reviewer_profile.remove", entry, reviewer=user.id, kind=entry.kind,
                 org_name=entry.org_name, uscc=entry.uscc, until=entry.until.isoformat() if entry.until else None,
                 detail=entry.detail)
    entry.profile.updated_at = clock.now()
    entry.profile.entries.remove(entry)
    db.session.flush()


# --- exclusion -----------------------------------------------------------------------------------

def describe(match: matching.Match) -> str:
    """The recorded reason: which profile entry matched which bidder, and how. Stored in Chinese, the portal's
    language of record, whatever language the reviewer whose change caused it reads."""
    with force_locale("zh_CN"):
        return _describe(match)


def _describe(match: matching.Match) -> str:
    entry, party = match.entry, match.party
    what = {
        matching.ACCOUNT: _("账号所属单位“%(name)s”", name=entry.name),
        matching.EMPLOYER: _("现工作单位“%(name)s”", name=entry.name),
        matching.FORMER_EMPLOYER: _("近三年曾任职单位“%(name)s”（至 %(until)s）", name=entry.name,
                                    until=entry.until.isoformat() if entry.until else ""),
        matching.SHAREHOLDING: _("持股单位“%(name)s”", name=entry.name),
        matching.POST: _("兼职、任职单位“%(name)s”", name=entry.name),
        matching.RELATION: _("声明有利益关系的单位“%(name)s”", name=entry.name),
    }[entry.kind]
    how = {"organization": _("为同一单位"), "uscc": _("统一社会信用代码相同"),
           "name": _("单位名称规范化后相同")}[match.how]
    return _("利益冲突信息中的%(what)s与揭榜单位“%(bidder)s”%(how)s，自动回避。", what=what, bidder=party.name,
             how=how)


def _exclude(review: Review, actor, match: matching.Match, *, at: str) -> None:
    previous = review.state
    review.state = review_lifecycle.ensure_transition(review, "exclude")
    review.conflict_reason = describe(match)
    review.updated_at = clock.now()
    audit.record(actor, "review.exclude", review, at=at, previous=previous, entry_kind=match.entry.kind,
                 entry_name=match.entry.name, entry_uscc=match.entry.uscc, bidder=match.party.organization_id,
                 bidder_name=match.party.name, how=match.how)


def exclude_conflicted_reviews(user: User, actor) -> list[Review]:
    """Exclude the reviewer from every review still under way whose bidder its profile now matches."""
    reviews = db.session.scalars(select(Review).join(Scenario, Scenario.id == Review.scenario_id)
                                 .where(Review.reviewer_id == user.id, Review.state.in_(OPEN_STATES),
                                        Scenario.state == ScenarioState.UNDER_REVIEW)
                                 .order_by(Review.id)).all()
    entries, day = profile_entries(user), today()
    excluded = []
    for review in reviews:
        if not review_lifecycle.in_review(review.scenario):
            continue
        match = matching.first_conflict(entries, parties(review.proposal), day)
        if match is None:
            continue
        if locked(review).state not in OPEN_STATES:
            continue  # recused or excluded meanwhile, by a request that committed first
        _exclude(review, actor, match, at="profile")
        excluded.append(review)
        label = proposal_labels(reviewed_proposals(review.scenario)).get(review.proposal_id, "")
        notify(department_users(review.scenario), "review_excluded",
                _("评审专家自动回避，需要替补：%(title)s", title=review.scenario.title),
                _("%(name)s 更新利益冲突信息后，对方案 %(label)s 自动回避：%(reason)s请指派替补专家。",
                  name=user.name, label=label, reason=review.conflict_reason),
                link("review_manage.setup", scenario_id=review.scenario_id))
    db.session.flush()
    return excluded


# --- assignment ----------------------------------------------------------------------------------

def reviewer_candidates() -> list[User]:
    return db.session.scalars(select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
                              .order_by(User.name, User.id)).all()


def assign_reviewers(scenario: Scenario, actor, reviewers, proposals=None) -> list[Review]:
    """Assign reviewers to every proposal (or to the given ones, e.g. to replace a recusal); a reviewer whose
    conflict profile matches a bidder is excluded from that proposal at once, with the reason."""
    require(permissions.can_manage_review(actor, scenario))
    ensure_reviewable(scenario)
    under_review = reviewed_proposals(scenario)
    if not under_review:
        raise NotReady(_("该场景截止时没有有效方案，无需评审。"))
    targets = under_review if proposals is None else [p for p in under_review if p in proposals]
    if not targets:
        raise NotReady(_("请选择要评审的方案。"))
    reviewers = [r for r in reviewers if r.role == Role.REVIEWER and r.is_active]
    if not reviewers:
        raise NotReady(_("请选择评审专家。"))
    if scenario.state == ScenarioState.CLOSED:
        scenario.state = ensure_transition(scenario, "start_review")
        scenario.updated_at = clock.now()
        audit.record(actor, "scenario.start_review", scenario)
        search.record_change(SCENARIO, scenario.id)
    ensure_setup(scenario)
    existing = {(r.proposal_id, r.reviewer_id) for r in db.session.scalars(
        select(Review).where(Review.scenario_id == scenario.id))}
    now, day = clock.now(), today()
    created = []
    for reviewer in reviewers:
        entries = profile_entries(reviewer)
        mine = []
        for proposal in targets:
            if (proposal.id, reviewer.id) in existing:
                continue
            review = Review(scenario_id=scenario.id, proposal=proposal, reviewer=reviewer, assigned_at=now,
                            assigned_by_id=actor.id, updated_at=now, state=ReviewState.PENDING)
            match = matching.first_conflict(entries, parties(proposal), day)
            db.session.add(review)
            db.session.flush()
            audit.record(actor, "review.assign", review, reviewer=reviewer.id, proposal=proposal.id,
                         state=ReviewState.PENDING if match is None else ReviewState.EXCLUDED)
            if match is not None:
                _exclude(review, actor, match, at="assignment")
            created.append(review)
            if review.state == ReviewState.PENDING:
                mine.append(review)
        if mine:
            notify([reviewer], "review_assigned", _("新的评审任务：%(title)s", title=scenario.title),
                    _("共 %(n)d 份方案待评审。阅读方案前请先作回避声明。", n=len(mine)),
                    link("reviewing.workspace"))
    if not created:
        raise Conflict(_("所选专家已指派给这些方案，没有新增评审任务。"))
    db.session.flush()
    return created


# --- declaration and recusal ---------------------------------------------------------------------

def declare(review: Review, actor, *, conflict: bool, reason: str = "") -> Review:
    """Record the reviewer's 回避声明: no conflict opens the proposal (unless the profile now matches the
    bidder, which excludes it instead); a conflict is a recusal."""
    require(permissions.can_view_review(actor, review))
    if not locked(review).is_pending:
        raise Conflict(_("该方案的回避声明已经作出。"))
    if not review_lifecycle.in_review(review.scenario):
        raise InvalidTransition(_("该场景不在评审阶段。"))
    if conflict:
        return recuse(review, actor, reason)
    match = conflict_of(review.reviewer, review.proposal)
    if match is not None:
        # The last gate before the content: whatever happened since assignment, a match keeps it closed (and,
        # the proposal unread, the review mode stays open to change).
        _exclude(review, actor, match, at="declaration")
    else:
        review.declared_at = review.updated_at = clock.now()
        review.state = review_lifecycle.ensure_transition(review, "declare")
        audit.record(actor, "review.declare_no_conflict", review, blind=permissions.is_blind_review(review.scenario))
    db.session.flush()
    return review


def recuse(review: Review, actor, reason: str) -> Review:
    """Withdraw from a review with a reason, at any time before the scores are submitted, also after having
    declared no conflict; the department is told and assigns someone else."""
    require(permissions.can_view_review(actor, review))
    locked(review)
    if review.state == ReviewState.SUBMITTED:
        raise Conflict(_("评分已提交，不能再申请回避；如需更正，请联系发布单位退回评分。"))
    if not permissions.can_recuse(actor, review):
        raise InvalidTransition(_("该场景不在评审阶段。"))
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("声明回避时请说明原因。"))
    if len(reason) > REASON_MAX:
        raise NotReady(_("回避原因不超过 %(n)d 字。", n=REASON_MAX))
    previous = review.state
    now = clock.now()
    review.declared_at = review.declared_at or now
    review.updated_at = now
    review.state = review_lifecycle.ensure_transition(review, "recuse")
    review.conflict_reason = reason
    audit.record(actor, "review.recuse", review, reason=reason, previous=previous,
                 after_declaration=previous == ReviewState.IN_PROGRESS)
    label = proposal_labels(reviewed_proposals(review.scenario)).get(review.proposal_id, "")
    notify(department_users(review.scenario), "review_recused",
            _("评审专家声明回避，需要替补：%(title)s", title=review.scenario.title),
            _("%(name)s 对方案 %(label)s 声明回避（%(reason)s），请指派替补专家。", name=actor.name, label=label,
              reason=reason),
            link("review_manage.setup", scenario_id=review.scenario_id))
    db.session.flush()
    return review
