"""Review, decision, 公示 and objections. Each function checks its rule, changes rows, audits, notifies and
flushes; the request commits once."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import audit, permissions, search
from portal.accounts.models import Role, User
from portal.errors import Conflict, DomainError, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db
from portal.proposals import queries as proposal_queries
from portal.proposals.models import Proposal
from portal.reviews import lifecycle as review_lifecycle
from portal.reviews import policy, scoring
from portal.reviews.models import Decision, Objection, Review, ReviewScore, ReviewSetup, ReviewState
from portal.scenarios.lifecycle import ensure_transition
from portal.scenarios.models import Scenario, ScenarioState
from portal.scenarios.operations import close_if_due
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock

MAX_CRITERIA = 10
OBJECTION_MAX = 5_000


class ScoresInvalid(DomainError):
    """Some typed scores cannot be accepted; `errors` maps a criterion's position to its message."""

    status_code = 422

    def __init__(self, message: str, errors: dict[int, str]):
        super().__init__(message)
        self.errors = errors


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _locked(obj):
    # Serialise concurrent changes to one row (PostgreSQL row lock; SQLite already writes one at a time),
    # so a double click or two tabs cannot both pass a state check. The lock is taken on the bare row:
    # FOR UPDATE cannot cover the outer joins of eagerly loaded relationships.
    (key,) = sa_inspect(type(obj)).primary_key
    db.session.execute(select(key).where(key == getattr(obj, key.key)).with_for_update())
    db.session.refresh(obj)
    return obj


def _notify(users, kind: str, title: str, body: str, link: str) -> None:
    from portal.notifications.operations import notify

    for user in users:
        notify(user, kind, title, body, link)


def _department_users(scenario: Scenario) -> list[User]:
    return db.session.scalars(select(User).where(User.organization_id == scenario.department_id,
                                                 User.role == Role.GOVERNMENT, User.active.is_(True))).all()


def _organization_users(organization_id: int) -> list[User]:
    return db.session.scalars(select(User).where(User.organization_id == organization_id,
                                                 User.active.is_(True))).all()


def _link(endpoint: str, **values) -> str:
    from portal.notifications.operations import link_to

    return link_to(endpoint, **values)


# --- set-up --------------------------------------------------------------------------------------

def get_setup(scenario: Scenario) -> ReviewSetup:
    """The scenario's set-up, or an unsaved one with the defaults (blind, the default rubric)."""
    setup = db.session.get(ReviewSetup, scenario.id)
    if setup is None:
        setup = ReviewSetup(scenario_id=scenario.id, blind=True, rubric=[list(c) for c in policy.DEFAULT_RUBRIC])
    return setup


def _ensure_setup(scenario: Scenario) -> ReviewSetup:
    setup = db.session.get(ReviewSetup, scenario.id)
    if setup is None:
        now = clock.now()
        setup = get_setup(scenario)
        setup.created_at = setup.updated_at = now
        db.session.add(setup)
        db.session.flush()
    return setup


def rubric_locked(scenario: Scenario) -> bool:
    """The rubric is fixed once any score has been submitted; reopening a review does not unlock it."""
    return db.session.scalar(select(Review.id).where(
        Review.scenario_id == scenario.id,
        or_(Review.submitted_at.is_not(None), Review.reopened_at.is_not(None))).limit(1)) is not None


def mode_locked(scenario: Scenario) -> bool:
    """The mode is fixed once a reviewer may have read a proposal (declared no conflict)."""
    return db.session.scalar(select(Review.id).where(Review.scenario_id == scenario.id,
                                                     Review.declared_at.is_not(None),
                                                     Review.state != ReviewState.RECUSED).limit(1)) is not None


def clean_rubric(criteria) -> list[list]:
    """Criteria as [[name, weight], …]: 1 to 10 distinct names, integer weights ≥ 1 summing to 100."""
    cleaned = []
    for name, weight in criteria:
        name = (name or "").strip()
        if not name and weight in (None, ""):
            continue  # an empty row of the form
        if not name:
            raise NotReady(_("每项评分标准都要填写名称。"))
        if len(name) > 40:
            raise NotReady(_("评分标准名称不超过 40 个字。"))
        try:
            weight = int(str(weight).strip())
        except (TypeError, ValueError) as error:
            raise NotReady(_("“%(name)s”的权重应为整数。", name=name)) from error
        if weight < 1:
            raise NotReady(_("“%(name)s”的权重应至少为 1。", name=name))
        cleaned.append([name, weight])
    if not cleaned:
        raise NotReady(_("至少需要一项评分标准。"))
    if len(cleaned) > MAX_CRITERIA:
        raise NotReady(_("评分标准最多 %(n)d 项。", n=MAX_CRITERIA))
    if len({name for name, _w in cleaned}) != len(cleaned):
        raise NotReady(_("评分标准的名称不能重复。"))
    total = sum(w for _n, w in cleaned)
    if total != 100:
        raise NotReady(_("各项权重之和应为 100，当前为 %(total)d。", total=total))
    return cleaned


def save_setup(scenario: Scenario, actor, *, blind: bool, criteria) -> ReviewSetup:
    """Set the review mode and the rubric; the rubric until the first score is submitted, the mode until
    a reviewer has read a proposal."""
    _require(permissions.can_manage_review(actor, scenario))
    _ensure_reviewable(scenario)
    rubric = clean_rubric(criteria)
    setup = _ensure_setup(scenario)
    changed = {}
    if rubric != setup.rubric:
        if rubric_locked(scenario):
            raise Conflict(_("已有评审专家提交评分，评分标准不能再修改。"))
        changed["rubric"] = rubric
        setup.rubric = rubric
    if blind != setup.blind:
        if mode_locked(scenario):
            raise Conflict(_("已有评审专家开始阅读方案，评审方式不能再修改。"))
        changed["blind"] = blind
        setup.blind = blind
    if changed:
        setup.updated_at = clock.now()
        audit.record(actor, "review.setup", scenario, **changed)
    db.session.flush()
    return setup


def _ensure_reviewable(scenario: Scenario) -> None:
    _locked(scenario)
    close_if_due(scenario)
    if scenario.status not in (ScenarioState.CLOSED, ScenarioState.UNDER_REVIEW):
        raise InvalidTransition(_("当前状态为“%(state)s”，不能进行评审设置。", state=scenario.status.label))


# --- proposal labels (assignment and conflicts are in conflicts.py) -------------------------------

def proposal_labels(proposals) -> dict[int, str]:
    """方案 A, B, C … in a stable order (the order proposals were first created)."""
    return labels_by_id(p.id for p in proposals)


def labels_by_id(proposal_ids) -> dict[int, str]:
    return {proposal_id: label_for(i) for i, proposal_id in enumerate(sorted(proposal_ids))}


def labels_for_scenarios(scenario_ids) -> dict[int, str]:
    """The labels of the proposals under review in each of these scenarios, by proposal id (one query)."""
    labels = {}
    for ids in proposal_queries.submitted_proposal_ids(scenario_ids).values():
        labels.update(labels_by_id(ids))
    return labels


def label_for(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def reviewed_proposals(scenario: Scenario) -> list[Proposal]:
    """The proposals under review: every proposal submitted at the deadline, in label order."""
    return sorted(proposal_queries.submitted_proposals(scenario.id), key=lambda p: p.id)


# --- scoring -------------------------------------------------------------------------------------

SCORE_MESSAGES = {
    "missing": "请填写“%(name)s”的得分。",
    "number": "“%(name)s”的得分应为数字。",
    "range": "“%(name)s”的得分应在 0 到 %(weight)d 之间。",
    "step": "“%(name)s”的得分以 0.5 分为单位。",
}


def _score_message(kind: str, name: str, weight: int) -> str:
    return _(SCORE_MESSAGES[kind], name=name, weight=weight)


def save_review(review: Review, actor, *, scores, opinion: str, submit: bool) -> Review:
    """Keep the reviewer's scores and comments; with `submit` they become final."""
    _require(permissions.can_review_proposal(actor, review))
    if _locked(review).state == ReviewState.SUBMITTED:
        raise Conflict(_("评分已提交，不能再修改；如需更正，请联系发布单位退回。"))
    if not review_lifecycle.in_review(review.scenario):
        raise InvalidTransition(_("该场景不在评审阶段。"))
    criteria = get_setup(review.scenario).criteria
    if len(scores) != len(criteria):
        raise NotReady(_("评分表已变更，请刷新页面后重新填写。"))
    values, errors = [], {}
    for position, ((name, weight), (text, _comment)) in enumerate(zip(criteria, scores, strict=True)):
        try:
            value = scoring.parse_score(text, weight)
        except scoring.ScoreError as error:
            errors[position] = _score_message(error.kind, name, weight)
            value = None
        if value is None and submit and position not in errors:
            errors[position] = _score_message("missing", name, weight)
        values.append(value)
    opinion = (opinion or "").strip()
    if errors:
        raise ScoresInvalid(_("评分有误，请按提示修改（已填写的内容均已保留）。"), errors)
    if submit and not opinion:
        raise NotReady(_("提交前请填写总体意见。"))
    # Rows left over from a draft under a longer rubric (changed before the first submission) go.
    for row in [s for s in review.scores if s.position >= len(criteria)]:
        review.scores.remove(row)
    for position, value in enumerate(values):
        row = review.score_at(position)
        if row is None:
            row = ReviewScore(position=position)
            review.scores.append(row)
        row.score = value
        row.comment = (scores[position][1] or "").strip()
    review.opinion = opinion
    now = clock.now()
    review.updated_at = now
    if submit:
        review.state = review_lifecycle.ensure_transition(review, "submit")
        review.submitted_at = now
        audit.record(actor, "review.submit", review, scores=[str(v) for v in values],
                     total=str(scoring.weighted_total(values)))
    else:
        audit.record(actor, "review.save", review)
    db.session.flush()
    return review


def reopen_review(review: Review, actor, reason: str) -> Review:
    """Send a submitted review back to its reviewer, with a reason; the old scores stay in the audit log."""
    _require(permissions.can_manage_review(actor, review.scenario))
    # The rule of permissions.can_reopen_review, checked in two steps for two different messages.
    if "reopen" not in review_lifecycle.allowed_actions(_locked(review).state):
        raise Conflict(_("只有已提交的评分可以退回。"))
    if not review_lifecycle.in_review(review.scenario):
        raise InvalidTransition(_("评审已结束，不能退回评分。"))
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("退回评分必须填写原因。"))
    previous = [str(s.score) for s in review.scores]
    review.state = review_lifecycle.ensure_transition(review, "reopen")
    review.submitted_at = None
    review.reopened_at = review.updated_at = clock.now()
    review.reopen_reason = reason
    audit.record(actor, "review.reopen", review, reason=reason, previous=previous)
    _notify([review.reviewer], "review_reopened", _("评分被退回修改：%(title)s", title=review.scenario.title),
            _("退回原因：%(reason)s", reason=reason), _link("reviewing.show_review", review_id=review.id))
    db.session.flush()
    return review


# --- ranking -------------------------------------------------------------------------------------

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


def scenario_reviews(scenario: Scenario) -> list[Review]:
    return db.session.scalars(select(Review).where(Review.scenario_id == scenario.id)
                              .options(selectinload(Review.scores), selectinload(Review.reviewer))
                              .order_by(Review.proposal_id, Review.id)).all()


def ranking(scenario: Scenario) -> Ranking:
    """Aggregate the submitted reviews and say what still keeps the department from deciding."""
    criteria = get_setup(scenario).criteria
    proposals = reviewed_proposals(scenario)
    labels = proposal_labels(proposals)
    reviews = scenario_reviews(scenario)
    by_proposal = {p.id: [r for r in reviews if r.proposal_id == p.id] for p in proposals}
    entries = []
    for proposal in proposals:
        submitted = [r for r in by_proposal[proposal.id] if r.state == ReviewState.SUBMITTED]
        entries.append(scoring.Entry(
            key=proposal.id, submitted_at=proposal.latest_version.submitted_at, order=proposal.id,
            reviews=tuple(scoring.ReviewerTotal(r.reviewer_id, tuple(s.score for s in r.scores)) for r in submitted)))
    flag_above = policy.spread_flag_points()
    results = scoring.rank(entries, Decimal(flag_above))
    rows = [RankingRow(db.session.get(Proposal, res.key), labels[res.key], res,
                       [r for r in by_proposal[res.key] if r.state == ReviewState.SUBMITTED]) for res in results]
    problems = []
    minimum = policy.min_reviewers()
    for proposal in proposals:
        mine = by_proposal[proposal.id]
        done = sum(r.state == ReviewState.SUBMITTED for r in mine)
        open_ = sum(r.state in (ReviewState.PENDING, ReviewState.IN_PROGRESS) for r in mine)
        if done < minimum:
            problems.append(_("方案 %(label)s 只有 %(n)d 份已提交评分，至少需要 %(min)d 份。",
                              label=labels[proposal.id], n=done, min=minimum))
        if open_:
            problems.append(_("方案 %(label)s 还有 %(n)d 份评分未提交。", label=labels[proposal.id], n=open_))
    return Ranking(criteria, rows, problems, flag_above)


# --- decision, 公示, objections --------------------------------------------------------------------

def decide(scenario: Scenario, actor, *, winner_ids, rationale: str) -> Decision:
    """Choose the winner(s) from a complete ranking, with a written rationale."""
    _require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(_locked(scenario), "decide")
    result = ranking(scenario)
    if not result.complete:
        raise NotReady(_("评审尚未完成：%(problems)s", problems="；".join(result.problems)))
    ranked = {row.proposal.id: row.proposal for row in result.rows}
    chosen = [ranked[i] for i in dict.fromkeys(winner_ids) if i in ranked]
    if not chosen or len(chosen) != len(set(winner_ids)):
        raise NotReady(_("请从排名中选择揭榜单位。"))
    rationale = (rationale or "").strip()
    if not rationale:
        raise NotReady(_("请填写定榜理由。"))
    now = clock.now()
    decision = Decision(scenario_id=scenario.id, rationale=rationale, decided_at=now, decided_by_id=actor.id,
                        winners=chosen)
    db.session.add(decision)
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario.decide", scenario, winners=[p.id for p in chosen], rationale=rationale)
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    return decision


def default_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    start = (now or clock.now()).replace(second=0, microsecond=0)
    return start, start + timedelta(days=policy.announcement_days())


def announce(scenario: Scenario, actor, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
             publish_scores: bool = False) -> Decision:
    """Open the 公示: public from `starts_at`, objections until `ends_at` (default 5 days)."""
    _require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(_locked(scenario), "announce")
    decision = db.session.get(Decision, scenario.id)
    now = clock.now()
    default_start, _end = default_window(now)
    starts_at = starts_at or default_start
    ends_at = ends_at or starts_at + timedelta(days=policy.announcement_days())
    if ends_at <= starts_at:
        raise NotReady(_("公示结束时间必须晚于开始时间。"))
    if ends_at <= now:
        raise NotReady(_("公示结束时间必须晚于当前时间。"))
    decision.starts_at, decision.ends_at = starts_at, ends_at
    decision.publish_scores = bool(publish_scores)
    decision.announced_at = now
    decision.announced_by_id = actor.id
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario.announce", scenario, starts_at=starts_at, ends_at=ends_at,
                 publish_scores=decision.publish_scores)
    search.record_change(SCENARIO, scenario.id)
    winners = "、".join(p.organization.name for p in decision.winners)
    link = _link("announcements.show_announcement", scenario_id=scenario.id)
    for proposal in reviewed_proposals(scenario):
        _notify(_organization_users(proposal.organization_id), "result_announced",
                _("揭榜结果公示：%(title)s", title=scenario.title),
                _("拟揭榜单位：%(winners)s。公示期至 %(end)s，期间可提出异议。", winners=winners,
                  end=clock.to_local(ends_at).strftime("%Y-%m-%d %H:%M")), link)
    db.session.flush()
    return decision


def file_objection(scenario: Scenario, actor, *, text: str, upload=None) -> Objection:
    """File an objection during 公示 (any verified enterprise: the announcement is public)."""
    refusal = permissions.objection_refusal(actor, scenario)
    if refusal:
        raise PermissionDenied(refusal)
    text = (text or "").strip()
    if not text:
        raise NotReady(_("请填写异议内容。"))
    if len(text) > OBJECTION_MAX:
        raise NotReady(_("异议内容不超过 %(n)d 字。", n=OBJECTION_MAX))
    objection = Objection(scenario_id=scenario.id, organization_id=actor.organization_id, filed_by_id=actor.id,
                          text=text, filed_at=clock.now())
    if upload is not None:
        objection.attachment_stored_name = upload.stored_name
        objection.attachment_name = upload.display_name
        objection.attachment_mimetype = upload.mimetype
        objection.attachment_size = upload.size
        objection.attachment_sha256 = upload.sha256
    db.session.add(objection)
    db.session.flush()
    audit.record(actor, "objection.file", objection, scenario=scenario.id,
                 attachment=objection.attachment_sha256)
    _notify(_department_users(scenario), "objection_filed", _("收到公示异议：%(title)s", title=scenario.title),
            _("%(org)s 提出异议，请及时答复。", org=actor.organization.name),
            _link("review_manage.answer_objection", objection_id=objection.id))
    return objection


def answer_objection(objection: Objection, actor, answer: str) -> Objection:
    """Answer an objection; the objector is told, and the answer is final."""
    _require(permissions.can_answer_objection(actor, objection))
    if _locked(objection).is_answered:
        raise Conflict(_("该异议已答复。"))
    answer = (answer or "").strip()
    if not answer:
        raise NotReady(_("请填写答复内容。"))
    objection.answer = answer
    objection.answered_at = clock.now()
    objection.answered_by_id = actor.id
    audit.record(actor, "objection.answer", objection, scenario=objection.scenario_id)
    scenario = objection.decision.scenario
    _notify([objection.filed_by], "objection_answered", _("异议已答复：%(title)s", title=scenario.title),
            answer[:200], _link("announcements.show_announcement", scenario_id=scenario.id))
    db.session.flush()
    finalize_if_due(scenario)
    return objection


def finalize_if_due(scenario: Scenario) -> bool:
    """Record the 揭榜成功 that the end of 公示 with every objection answered has already made true."""
    if scenario.state != ScenarioState.ANNOUNCED or scenario.status != ScenarioState.FINAL:
        return False
    scenario.state = ScenarioState.FINAL
    scenario.updated_at = clock.now()
    audit.record(None, "scenario.finalize", scenario, by="window")
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    return True
