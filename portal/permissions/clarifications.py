"""Clarifications (答疑) and the opening record (开标记录)."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.permissions.guards import load_or_404
from portal.permissions.roles import has_role
from portal.permissions.scenarios import can_manage_scenario, can_view_scenario, is_sealed


def question_refusal(user, scenario) -> str | None:
    """Why `user` cannot ask a question on `scenario` right now, or None when it can."""
    from flask_babel import gettext as _

    from portal.clarifications.queries import question_deadline
    from portal.util import clock

    if not scenario.is_open:
        return _("该场景不在揭榜期内，不能提问。")
    closes = question_deadline(scenario)
    if closes is not None and closes <= clock.now():
        return _("提问已于 %(deadline)s 截止。", deadline=clock.to_local(closes).strftime("%Y-%m-%d %H:%M"))
    if not (user and user.is_authenticated):
        return _("提问需以企业账号登录。")
    if not has_role(user, Role.ENTERPRISE):
        return _("只有企业账号可以提问。")
    if not user.organization.is_verified:
        return _("贵单位尚未通过平台认证，认证通过后即可提问。")
    return None


def can_ask_question(user, scenario) -> bool:
    return question_refusal(user, scenario) is None


def can_manage_questions(user, scenario) -> bool:
    """The owning department reads its scenarios' questions (never who asked them) and sets the call's terms."""
    return can_manage_scenario(user, scenario)


def can_answer_question(user, question) -> bool:
    """Answer or decline a pending question while the scenario still takes proposals."""
    return can_manage_scenario(user, question.scenario) and question.is_pending and question.scenario.is_open


def owns_question(user, question) -> bool:
    """The asking enterprise: the only one ever told who asked."""
    return has_role(user, Role.ENTERPRISE) and question.organization_id == user.organization_id


def can_view_question_as_department(user, question) -> bool:
    return can_manage_questions(user, question.scenario)


def can_view_question(user, question) -> bool:
    return owns_question(user, question) or can_view_question_as_department(user, question)


def can_set_call_terms(user, scenario) -> bool:
    """The question deadline, while the scenario is a draft or open; see can_set_opening_names for the rest."""
    return can_manage_scenario(user, scenario) and (scenario.is_draft or scenario.is_open)


def can_set_opening_names(user, scenario) -> bool:
    """Whether the opening record names the bidders is a term bidders rely on: fixed once published."""
    from portal.scenarios import lifecycle

    return can_manage_scenario(user, scenario) and lifecycle.is_editable(scenario)


def can_view_opening_record(user, scenario) -> bool:
    """Everyone who sees the scenario, once its deadline has unsealed the bids; never before, and never on a
    scenario cancelled before its deadline (the sealed-bid rule, Scenario.bids_unsealed)."""
    return can_view_scenario(user, scenario) and not is_sealed(scenario)


def load_question_or_404(ident: int, user, need: Callable = can_view_question):
    from portal.clarifications.models import Question

    return load_or_404(Question, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    question_refusal,
    can_ask_question,
    can_manage_questions,
    can_answer_question,
    owns_question,
    can_set_call_terms,
    can_set_opening_names,
    can_view_opening_record,
)
