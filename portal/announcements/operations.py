"""Decision (定榜), 公示 and objections (异议). Each function checks its rule, changes rows, audits, notifies and
flushes; the request commits once."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal import audit, permissions, search
from portal.announcements.models import Consequence, Decision, Feedback, Objection, Outcome, PastDecision
from portal.errors import Conflict, NotReady, PermissionDenied
from portal.extensions import db
from portal.reviews import operations as review_ops
from portal.reviews import policy
from portal.reviews import queries as review_queries
from portal.reviews.steps import department_users, link, locked, notify, organization_users, require
from portal.scenarios.lifecycle import ensure_transition
from portal.scenarios.models import Scenario
from portal.scenarios.operations import finalize_if_due
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock, workdays

OBJECTION_MAX = 5_000


@dataclass(frozen=True)
class DecisionDraft:
    """A decision checked and not yet taken: what the confirmation page shows."""

    target: object
    winners: list
    rationale: str
    feedback: Feedback


def check_decision(scenario: Scenario, actor, *, winner_ids, rationale: str,
                   feedback=Feedback.COMMENTS) -> DecisionDraft:
    """Check a decision without taking it (the rules of `decide`), for the page that asks to confirm it."""
    require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(scenario, "decide")
    result = review_queries.ranking(scenario)
    if not result.complete:
        raise NotReady(_("评审尚未完成：%(problems)s", problems="；".join(result.problems)))
    ranked = {row.proposal.id: row.proposal for row in result.rows}
    chosen = [ranked[i] for i in dict.fromkeys(winner_ids) if i in ranked]
    if not chosen or len(chosen) != len(set(winner_ids)):
        raise NotReady(_("请从排名中选择揭榜单位。"))
    rationale = (rationale or "").strip()
    if not rationale:
        raise NotReady(_("请填写定榜理由。"))
    try:
        feedback = Feedback(feedback or Feedback.COMMENTS)
    except ValueError:
        raise NotReady(_("请选择向揭榜单位反馈的评审结果。")) from None
    return DecisionDraft(target, chosen, rationale, feedback)


def decide(scenario: Scenario, actor, *, winner_ids, rationale: str, feedback=Feedback.COMMENTS) -> Decision:
    """Choose the winner(s) from a complete ranking, with a written rationale, and what each bidder will read
    of its own review once the result is final."""
    draft = check_decision(locked(scenario), actor, winner_ids=winner_ids, rationale=rationale, feedback=feedback)
    target, chosen, rationale, feedback = draft.target, draft.winners, draft.rationale, draft.feedback
    now = clock.now()
    # After a reopened 公示 the decision is the next round's; the earlier rounds are PastDecision rows.
    previous = db.session.scalar(select(func.max(PastDecision.round)).where(PastDecision.scenario_id == scenario.id))
    decision = Decision(scenario_id=scenario.id, rationale=rationale, decided_at=now, decided_by_id=actor.id,
                        winners=chosen, round=(previous or 0) + 1, feedback=feedback)
    db.session.add(decision)
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario.decide", scenario, winners=[p.id for p in chosen], rationale=rationale,
                 round=decision.round, feedback=feedback.value)
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    # Scenario.decision is read-only: the next read loads the row just written.
    db.session.expire(scenario, ["decision"])
    return decision


def default_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    start = (now or clock.now()).replace(second=0, microsecond=0)
    return start, window_end(start)


def window_end(starts_at: datetime) -> datetime:
    """The default end of a 公示 starting at `starts_at`: 24:00 of the Nth working day after its start day."""
    return workdays.period_end(starts_at, policy.announcement_days())


def end_warning(ends_at: datetime) -> str | None:
    """Why an end date set by hand deserves a second look (it falls on a rest day), or None. Not a refusal."""
    if workdays.falls_on_rest_day(ends_at):
        return _("公示结束时间 %(end)s 是周末或法定节假日，请确认。",
                 end=clock.to_local(ends_at).strftime("%Y-%m-%d %H:%M"))
    return None


def check_announcement(scenario: Scenario, actor, *, starts_at: datetime | None = None,
                       ends_at: datetime | None = None) -> tuple[object, datetime, datetime]:
    """Check a 公示 without publishing it (the rules of `announce`): the state it leads to and its window."""
    require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(scenario, "announce")
    now = clock.now()
    default_start, _end = default_window(now)
    starts_at = starts_at or default_start
    ends_at = ends_at or window_end(starts_at)
    if ends_at <= starts_at:
        raise NotReady(_("公示结束时间必须晚于开始时间。"))
    if ends_at <= now:
        raise NotReady(_("公示结束时间必须晚于当前时间。"))
    return target, starts_at, ends_at


def announce(scenario: Scenario, actor, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
             publish_scores: bool = False) -> Decision:
    """Open the 公示: public from `starts_at`, objections until `ends_at` (default 5 working days)."""
    target, starts_at, ends_at = check_announcement(locked(scenario), actor, starts_at=starts_at, ends_at=ends_at)
    decision = scenario.decision
    now = clock.now()
    decision.starts_at, decision.ends_at = starts_at, ends_at
    decision.publish_scores = bool(publish_scores)
    decision.announced_at = now
    decision.announced_by_id = actor.id
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario.announce", scenario, starts_at=starts_at, ends_at=ends_at,
                 publish_scores=decision.publish_scores, round=decision.round)
    search.record_change(SCENARIO, scenario.id)
    _tell_bidders(scenario, decision)
    db.session.flush()
    return decision


def _tell_bidders(scenario: Scenario, decision: Decision) -> None:
    winners = "、".join(p.bidder_names for p in decision.winners)
    page = link("announcements.show_announcement", scenario_id=scenario.id)
    end = clock.to_local(decision.ends_at).strftime("%Y-%m-%d %H:%M")
    for users in _bidders_and_objectors(scenario):
        notify(users, "result_announced", _("揭榜结果公示：%(title)s", title=scenario.title),
               _("拟揭榜单位：%(winners)s。公示期至 %(end)s，期间可提出异议。", winners=winners, end=end), page)


def _bidders_and_objectors(scenario: Scenario) -> list[list]:
    """The accounts of each bidder and of each enterprise that objected in an earlier round, one list per
    organization: they hear of every step of the result."""
    organizations = [p.organization_id for p in review_queries.reviewed_proposals(scenario)]
    organizations += db.session.scalars(select(Objection.organization_id).where(Objection.scenario_id == scenario.id)
                                        .order_by(Objection.id)).all()
    return [organization_users(org) for org in dict.fromkeys(organizations)]


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
    # Through the decision, so its loaded objections (what Scenario.status reads) include this one at once.
    decision = scenario.decision
    objection = Objection(decision=decision, scenario_id=scenario.id, round=decision.round,
                          organization_id=actor.organization_id, filed_by_id=actor.id, text=text, filed_at=clock.now())
    if upload is not None:
        objection.attachment_stored_name = upload.stored_name
        objection.attachment_name = upload.display_name
        objection.attachment_mimetype = upload.mimetype
        objection.attachment_size = upload.size
        objection.attachment_sha256 = upload.sha256
    db.session.add(objection)
    db.session.flush()
    audit.record(actor, "objection.file", objection, scenario=scenario.id, round=objection.round,
                 attachment=objection.attachment_sha256)
    notify(department_users(scenario), "objection_filed", _("收到公示异议：%(title)s", title=scenario.title),
           _("%(org)s 提出异议，请及时答复。", org=actor.organization.name),
           link("announcement_manage.answer_objection", objection_id=objection.id))
    return objection


def answer_objection(objection: Objection, actor, answer: str, outcome=None, consequence=None) -> Objection:
    """Answer an objection with a finding (成立 / 部分成立 / 不成立) and its reason; the objector is told, and the
    answer is final. An objection upheld, wholly or partly, during its 公示 reopens the result: `consequence`
    sends the scenario back to the review or to a new decision, and a new 公示 follows."""
    require(permissions.can_answer_objection(actor, objection))
    if locked(objection).is_answered:
        raise Conflict(_("该异议已答复。"))
    try:
        outcome = Outcome(outcome) if outcome else None
        consequence = Consequence(consequence) if consequence else None
    except ValueError:
        raise NotReady(_("请选择异议的处理结果。")) from None
    if outcome is None:
        raise NotReady(_("请选择异议是否成立。"))
    answer = (answer or "").strip()
    if not answer:
        raise NotReady(_("请填写答复内容。"))
    scenario = objection.scenario
    # Only an objection to the 公示 now running can reopen it; one left open from a reopened round is answered
    # for the record.
    reopens = outcome.reopens and objection.decision is not None and objection.decision.is_announced
    if reopens and consequence is None:
        raise NotReady(_("异议成立或部分成立时，请选择退回评审或重新定榜。"))
    if not reopens:
        consequence = None
    # Checked before the answer is written: answering the last open objection after the window may make the
    # result final by server time, and a reopened result must still be in 公示.
    target = ensure_transition(locked(scenario), consequence.value) if consequence else None
    objection.outcome = outcome
    objection.consequence = consequence
    objection.answer = answer
    objection.answered_at = clock.now()
    objection.answered_by_id = actor.id
    audit.record(actor, "objection.answer", objection, scenario=objection.scenario_id, round=objection.round,
                 outcome=outcome.value, consequence=consequence.value if consequence else None)
    notify([objection.filed_by], "objection_answered",
           _("异议已答复（%(outcome)s）：%(title)s", outcome=outcome.label, title=scenario.title),
           answer[:200], link("announcements.show_announcement", scenario_id=scenario.id))
    db.session.flush()
    if target is not None:
        _reopen(scenario, objection, actor, target, consequence)
    else:
        finalize_if_due(scenario)
    return objection


def _reopen(scenario: Scenario, objection: Objection, actor, target, consequence: Consequence) -> None:
    """Put the announced decision on record as a past round and send the scenario back for a new decision."""
    decision = scenario.decision
    now = clock.now()
    db.session.add(PastDecision(
        scenario_id=scenario.id, round=decision.round, rationale=decision.rationale,
        winner_names="、".join(p.bidder_names for p in decision.winners), decided_at=decision.decided_at,
        decided_by_id=decision.decided_by_id, announced_at=decision.announced_at, starts_at=decision.starts_at,
        ends_at=decision.ends_at, reopened_at=now, reopened_by_id=actor.id, objection_id=objection.id,
        consequence=consequence))
    db.session.delete(decision)
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario." + consequence.value, scenario, objection=objection.id, round=decision.round)
    search.record_change(SCENARIO, scenario.id)
    db.session.flush()
    db.session.expire(scenario, ["decision"])
    if consequence == Consequence.REVIEW:
        reason = _("异议成立，重新评审：%(answer)s", answer=objection.answer)
        for review in review_queries.scenario_reviews(scenario):
            if permissions.can_reopen_review(actor, review):
                review_ops.reopen_review(review, actor, reason)
    title = (_("公示结果因异议成立退回评审：%(title)s", title=scenario.title) if consequence == Consequence.REVIEW
             else _("公示结果因异议成立重新定榜：%(title)s", title=scenario.title))
    page = link("announcements.show_announcement", scenario_id=scenario.id)
    body = _("原公示已终止并存档；重新定榜后将另行公示。")
    for users in _bidders_and_objectors(scenario):
        notify(users, "result_reopened", title, body, page)
