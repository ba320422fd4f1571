"""The decision (定榜), its 公示, objections (异议), and the feedback bidders read once the result is final."""

from collections.abc import Callable

from portal.accounts.models import Role
from portal.extensions import db
from portal.permissions.guards import load_or_404
from portal.permissions.proposals import load_proposal_or_404, owns_proposal
from portal.permissions.reviews import can_manage_review
from portal.permissions.roles import has_role, is_verified_enterprise
from portal.permissions.scenarios import can_manage_scenario, is_sealed


def can_decide(user, scenario) -> bool:
    """定榜 from the review stage; the operation also needs a complete ranking."""
    from portal.scenarios import lifecycle

    return can_manage_review(user, scenario) and lifecycle.permits(scenario, "decide")


def can_announce(user, scenario) -> bool:
    from portal.scenarios import lifecycle

    return can_manage_review(user, scenario) and lifecycle.permits(scenario, "announce")


def can_view_announcement(user, scenario) -> bool:
    """公示 is public from its start; the department sees it as soon as it is announced. A 公示 reopened by an
    upheld objection stays public, on record, while the new decision is prepared."""
    # It names the winning bidders: never on a scenario whose bids are sealed (no decision should exist there).
    if is_sealed(scenario):
        return False
    return can_view_current_announcement(user, scenario) or has_past_announcements(scenario)


def can_view_current_announcement(user, scenario) -> bool:
    """The 公示 of the current decision: from its start, or once announced for the owning department."""
    decision = scenario.decision
    if decision is None or not decision.is_announced or is_sealed(scenario):
        return False
    return decision.window_started or can_manage_scenario(user, scenario)


def has_past_announcements(scenario) -> bool:
    """Whether an upheld objection reopened an earlier 公示 of the scenario (kept on record)."""
    from sqlalchemy import exists, select

    from portal.announcements.models import PastDecision
    from portal.scenarios.models import ScenarioState

    # Only a scenario that has been in review can have had a 公示: the others are not asked (one query saved on
    # every scenario page).
    if scenario.state in (ScenarioState.DRAFT, ScenarioState.PUBLISHED, ScenarioState.CLOSED):
        return False
    return bool(db.session.scalar(select(exists().where(PastDecision.scenario_id == scenario.id))))


def objection_refusal(user, scenario) -> str | None:
    """Why `user` cannot object to the scenario's 公示 right now, or None when it can."""
    from flask_babel import gettext as _

    from portal.scenarios.models import ScenarioState

    decision = scenario.decision
    # A scenario cancelled during its 公示 takes no more objections: its window no longer leads anywhere.
    if decision is None or not decision.window_open or scenario.status != ScenarioState.ANNOUNCED:
        return _("不在公示期内，不能提出异议。")
    if not (user and user.is_authenticated):
        return _("提出异议需以企业账号登录。")
    if not is_verified_enterprise(user):
        return _("只有通过平台认证的企业可以提出异议。")
    return None


def can_file_objection(user, scenario) -> bool:
    return objection_refusal(user, scenario) is None


def can_view_objection(user, objection) -> bool:
    """The objecting enterprise and the owning department."""
    return (
        has_role(user, Role.ENTERPRISE) and objection.organization_id == user.organization_id
    ) or can_manage_scenario(user, objection.scenario)


def can_answer_objection(user, objection) -> bool:
    return can_manage_scenario(user, objection.scenario)


def can_view_feedback(user, proposal) -> bool:
    """A bidder reads its own proposal's review (score, place, anonymised comments) once the result is final,
    as far as the department chose to give it; nobody reads another bidder's."""
    decision = proposal.scenario.decision
    return (
        owns_proposal(user, proposal)
        and proposal.is_submitted
        and proposal.scenario.is_final
        and decision is not None
        and decision.feedback.shows_total
        and not is_sealed(proposal.scenario)
    )


def load_feedback_proposal_or_404(ident: int, user):
    return load_proposal_or_404(ident, user, need=can_view_feedback)


def load_objection_or_404(ident: int, user, need: Callable = can_view_objection):
    from portal.announcements.models import Objection

    return load_or_404(Objection, ident, user, need)


# Registered as Jinja globals (portal/permissions/__init__.py), so templates ask the same rule.
TEMPLATE_GLOBALS = (
    can_decide,
    can_announce,
    can_view_announcement,
    can_view_current_announcement,
    has_past_announcements,
    objection_refusal,
    can_file_objection,
    can_view_objection,
    can_answer_objection,
    can_view_feedback,
)
