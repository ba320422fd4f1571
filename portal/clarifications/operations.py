"""答疑: asking, answering and declining questions, and a scenario's call terms. Each operation checks its rule,
changes rows, audits, notifies and flushes; the request commits once.

Who asked is told to nobody but the asker: not in the department's notifications, not in the answer's, not on
any page. Texts are plain (no markup is kept); pages escape them, the feed and e-mail carry them as text.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from portal import audit, permissions
from portal.accounts.models import Role, User
from portal.clarifications import queries
from portal.clarifications.models import CallTerms, Question, QuestionState
from portal.errors import Conflict, DeadlinePassed, InvalidInput, PermissionDenied
from portal.extensions import db
from portal.follows.models import SectorFollow
from portal.notifications.operations import link_to, notify
from portal.proposals.models import Proposal, ProposalState
from portal.scenarios.models import Scenario
from portal.util import clock, controls

QUESTION_MIN, QUESTION_MAX = 5, 1_000
ANSWER_MAX = 5_000
REASON_MAX = 500
# Questions of one enterprise on one scenario still waiting for an answer: enough for real doubts, not a flood.
OPEN_QUESTIONS_MAX = 10


class TextError(InvalidInput):
    """Refused text, shown on the form field it came from (portal.web.views.refuse)."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("您无权执行该操作。"))


def _locked(obj):
    # Serialise concurrent changes (PostgreSQL row lock; SQLite writes one at a time), so two tabs cannot both
    # pass a state or count check.
    (key,) = sa_inspect(type(obj)).primary_key
    db.session.execute(select(key).where(key == getattr(obj, key.key)).with_for_update())
    db.session.refresh(obj)
    return obj


def _text(value: str | None, field: str, *, minimum: int, maximum: int, label: str) -> str:
    text = controls.clean_text(value or "").strip()
    if not text:
        raise TextError(_("请填写%(what)s。", what=label), field)
    if len(text) < minimum:
        raise TextError(_("%(what)s至少 %(n)d 个字。", what=label, n=minimum), field)
    if len(text) > maximum:
        raise TextError(_("%(what)s不能超过 %(n)d 个字（现有 %(count)d 个）。", what=label, n=maximum, count=len(text)),
                        field)
    return text


def ask_question(scenario: Scenario, actor, text: str) -> Question:
    """A verified enterprise asks a question on an open scenario before its question deadline."""
    refusal = permissions.question_refusal(actor, scenario)
    if refusal is not None:
        # A verified enterprise is refused only by time (the call or its questions closed); anyone else by who it is.
        kind = DeadlinePassed if actor is not None and permissions.is_verified_enterprise(actor) else PermissionDenied
        raise kind(refusal)
    text = _text(text, "text", minimum=QUESTION_MIN, maximum=QUESTION_MAX, label=_("问题"))
    _locked(scenario)
    if queries.pending_count(scenario.id, actor.organization_id) >= OPEN_QUESTIONS_MAX:
        raise Conflict(_("贵单位在该场景已有 %(n)d 个问题等待答复，请待答复后再提问。", n=OPEN_QUESTIONS_MAX))
    question = Question(scenario_id=scenario.id, organization_id=actor.organization_id, user_id=actor.id, text=text,
                        state=QuestionState.PENDING, asked_at=clock.now())
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "clarification.ask", question, scenario=scenario.id)
    _tell_department(question)
    return question


def answer_question(question: Question, actor, answer: str, public_text: str | None = None) -> Question:
    """The owning department answers a pending question in public, optionally rewording the question so that it
    names nobody; followers of the sector and every enterprise with a draft or submission are told."""
    _require(permissions.can_manage_scenario(actor, question.scenario))
    _locked(question)
    _ensure_answerable(question)
    answer = _text(answer, "answer", minimum=1, maximum=ANSWER_MAX, label=_("答复"))
    shown = _text(public_text if public_text is not None else question.text, "public_text",
                  minimum=QUESTION_MIN, maximum=QUESTION_MAX, label=_("公开的问题表述"))
    now = clock.now()
    question.state = QuestionState.ANSWERED
    question.answer = answer
    question.public_text = shown
    question.answered_at = now
    question.answered_by_id = actor.id
    audit.record(actor, "clarification.answer", question, scenario=question.scenario_id,
                 reworded=shown != question.text)
    db.session.flush()
    _tell_everyone_concerned(question)
    return question


def decline_question(question: Question, actor, reason: str) -> Question:
    """The owning department declines an improper question with a reason that only the asker reads; it is never
    published."""
    _require(permissions.can_manage_scenario(actor, question.scenario))
    _locked(question)
    _ensure_answerable(question)
    reason = _text(reason, "reason", minimum=2, maximum=REASON_MAX, label=_("不予答复的理由"))
    question.state = QuestionState.DECLINED
    question.decline_reason = reason
    question.declined_at = clock.now()
    audit.record(actor, "clarification.decline", question, scenario=question.scenario_id)
    db.session.flush()
    scenario = question.scenario
    for user in _organization_users(question.organization_id):
        notify(user, "clarification_declined", _("您的提问未予答复：%(title)s", title=scenario.title),
               _("发布单位对贵单位在场景“%(title)s”中的提问不予答复，理由：%(reason)s", title=scenario.title,
                 reason=reason),
               link=link_to("clarifications.ask_question", scenario_id=scenario.id),
               dedupe_key=f"clarification-declined:{question.id}:{user.id}")
    return question


def _ensure_answerable(question: Question) -> None:
    if not question.is_pending:
        raise Conflict(_("该问题已处理（%(state)s）。", state=question.state.label))
    if not question.scenario.is_open:
        raise DeadlinePassed(_("该场景已截止或已撤销，不能再答复或处理提问。"))


def set_call_terms(scenario: Scenario, actor, *, question_deadline: datetime | None,
                   opening_names_bidders: bool | None = None) -> CallTerms:
    """Set when questions close (None: the default) and, on a draft, whether the opening record names bidders."""
    _require(permissions.can_set_call_terms(actor, scenario))
    terms = db.session.get(CallTerms, scenario.id)
    if terms is None:
        terms = CallTerms(scenario_id=scenario.id, opening_names_bidders=False, updated_at=clock.now())
        db.session.add(terms)
    if question_deadline is not None:
        if scenario.deadline is not None and question_deadline > scenario.deadline:
            raise TextError(_("提问截止时间不能晚于揭榜截止时间。"), "question_deadline")
        if question_deadline != terms.question_deadline and question_deadline <= clock.now():
            raise TextError(_("提问截止时间不能早于当前时间。"), "question_deadline")
    changed = {}
    if question_deadline != terms.question_deadline:
        changed["question_deadline"] = question_deadline
        terms.question_deadline = question_deadline
    if opening_names_bidders is not None and opening_names_bidders != terms.opening_names_bidders:
        if not permissions.can_set_opening_names(actor, scenario):
            raise Conflict(_("场景发布后，开标记录是否公布揭榜单位名称不能再更改。"))
        changed["opening_names_bidders"] = opening_names_bidders
        terms.opening_names_bidders = opening_names_bidders
    if changed:
        terms.updated_at = clock.now()
        audit.record(actor, "scenario.call_terms", scenario, **changed)
    db.session.flush()
    return terms


# --- who is told ----------------------------------------------------------------------------------

def _active_users(stmt) -> list[User]:
    return db.session.scalars(stmt.where(User.active.is_(True)).order_by(User.id)).unique().all()


def _organization_users(organization_id: int) -> list[User]:
    return _active_users(select(User).where(User.organization_id == organization_id))


def _tell_department(question: Question) -> None:
    scenario = question.scenario
    users = _active_users(select(User).where(User.organization_id == scenario.department_id,
                                             User.role == Role.GOVERNMENT))
    for user in users:
        notify(user, "clarification_asked", _("新的提问：%(title)s", title=scenario.title),
               _("场景“%(title)s”收到一个新的提问（提问单位不公开）。", title=scenario.title),
               link=link_to("clarifications_manage.scenario_questions", scenario_id=scenario.id),
               dedupe_key=f"clarification-asked:{question.id}:{user.id}")


def _tell_everyone_concerned(question: Question) -> None:
    scenario = question.scenario
    link = link_to("scenarios.show_scenario", scenario_id=scenario.id) + f"#clarification-{question.id}"
    # The asker hears that its own question was answered; the message is its own, so nobody else learns who asked.
    askers = _organization_users(question.organization_id)
    for user in askers:
        notify(user, "clarification_answered_own", _("您的提问已答复：%(title)s", title=scenario.title),
               _("问：%(question)s\n\n答：%(answer)s", question=question.public_text, answer=question.answer),
               link=link, dedupe_key=f"clarification:{question.id}:{user.id}")
    followers = select(User).join(SectorFollow, SectorFollow.organization_id == User.organization_id).where(
        SectorFollow.sector == scenario.sector)
    bidders = select(User).join(Proposal, Proposal.organization_id == User.organization_id).where(
        Proposal.scenario_id == scenario.id, Proposal.state.in_((ProposalState.DRAFT, ProposalState.SUBMITTED)))
    told = {user.id for user in askers}
    for user in [*_active_users(bidders), *_active_users(followers)]:
        if user.id in told:
            continue
        told.add(user.id)
        notify(user, "clarification_answered", _("答疑：%(title)s", title=scenario.title),
               _("场景“%(title)s”发布了新的答疑。\n\n问：%(question)s\n\n答：%(answer)s", title=scenario.title,
                 question=question.public_text, answer=question.answer),
               link=link, dedupe_key=f"clarification:{question.id}:{user.id}")
