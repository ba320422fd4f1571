"""Decision (定榜), 公示 and objections (异议). Each function checks its rule, changes rows, audits, notifies and
flushes; the request commits once."""

from datetime import datetime

from flask_babel import gettext as _

from portal import audit, permissions, search
from portal.announcements.models import Decision, Objection
from portal.errors import Conflict, NotReady, PermissionDenied
from portal.extensions import db
from portal.reviews import policy
from portal.reviews import queries as review_queries
from portal.reviews.steps import department_users, link, locked, notify, organization_users, require
from portal.scenarios.lifecycle import ensure_transition
from portal.scenarios.models import Scenario
from portal.scenarios.operations import finalize_if_due
from portal.scenarios.search_documents import SCENARIO
from portal.util import clock, workdays

OBJECTION_MAX = 5_000


def decide(scenario: Scenario, actor, *, winner_ids, rationale: str) -> Decision:
    """Choose the winner(s) from a complete ranking, with a written rationale."""
    require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(locked(scenario), "decide")
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
    now = clock.now()
    decision = Decision(scenario_id=scenario.id, rationale=rationale, decided_at=now, decided_by_id=actor.id,
                        winners=chosen)
    db.session.add(decision)
    scenario.state = target
    scenario.updated_at = now
    audit.record(actor, "scenario.decide", scenario, winners=[p.id for p in chosen], rationale=rationale)
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


def announce(scenario: Scenario, actor, *, starts_at: datetime | None = None, ends_at: datetime | None = None,
             publish_scores: bool = False) -> Decision:
    """Open the 公示: public from `starts_at`, objections until `ends_at` (default 5 working days)."""
    require(permissions.can_manage_review(actor, scenario))
    target = ensure_transition(locked(scenario), "announce")
    decision = scenario.decision
    now = clock.now()
    default_start, _end = default_window(now)
    starts_at = starts_at or default_start
    ends_at = ends_at or window_end(starts_at)
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
    _tell_bidders(scenario, decision)
    db.session.flush()
    return decision


def _tell_bidders(scenario: Scenario, decision: Decision) -> None:
    winners = "、".join(p.organization.name for p in decision.winners)
    page = link("announcements.show_announcement", scenario_id=scenario.id)
    end = clock.to_local(decision.ends_at).strftime("%Y-%m-%d %H:%M")
    for proposal in review_queries.reviewed_proposals(scenario):
        notify(organization_users(proposal.organization_id), "result_announced",
               _("揭榜结果公示：%(title)s", title=scenario.title),
               _("拟揭榜单位：%(winners)s。公示期至 %(end)s，期间可提出异议。", winners=winners, end=end), page)


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
    objection = Objection(decision=scenario.decision, organization_id=actor.organization_id, filed_by_id=actor.id,
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
    notify(department_users(scenario), "objection_filed", _("收到公示异议：%(title)s", title=scenario.title),
           _("%(org)s 提出异议，请及时答复。", org=actor.organization.name),
           link("announcement_manage.answer_objection", objection_id=objection.id))
    return objection


def answer_objection(objection: Objection, actor, answer: str) -> Objection:
    """Answer an objection; the objector is told, and the answer is final."""
    require(permissions.can_answer_objection(actor, objection))
    if locked(objection).is_answered:
        raise Conflict(_("该异议已答复。"))
    answer = (answer or "").strip()
    if not answer:
        raise NotReady(_("请填写答复内容。"))
    objection.answer = answer
    objection.answered_at = clock.now()
    objection.answered_by_id = actor.id
    audit.record(actor, "objection.answer", objection, scenario=objection.scenario_id)
    scenario = objection.decision.scenario
    notify([objection.filed_by], "objection_answered", _("异议已答复：%(title)s", title=scenario.title),
           answer[:200], link("announcements.show_announcement", scenario_id=scenario.id))
    db.session.flush()
    finalize_if_due(scenario)
    return objection
