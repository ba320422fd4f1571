"""联合体 (consortium) bids: a lead names up to four verified enterprises by 统一社会信用代码 on its proposal; each
confirms or declines in its own account; the bid is submitted only once every named member has confirmed.

The rules, each checked where it can be checked without breaking the seal:
- an enterprise takes part in at most one bid per scenario, alone (its own submitted proposal) or as a confirmed
  member of a consortium. A member's other bids are its own sealed secret: the lead is never told of them. The
  member is refused when it confirms (it learns only about its own bids), a bidder that confirmed elsewhere is
  refused when it submits, and the lead's submission checks every member again, saying only that a member cannot
  take part (`committed_elsewhere`);
- the member list changes only while the proposal is not submitted, and every change voids the confirmations
  given (each member agreed to a list, not to a name); withdrawing the bid voids them too, so submitting again
  needs every member anew;
- a confirmed member may withdraw (退出) while the bid is not submitted; after that only the lead withdraws it;
- the batch's cap counts a standing consortium bid for the lead and for each member (portal/proposals/caps.py).

Each function checks its rule, changes rows, audits (sealed with the scenario), notifies and flushes.
"""

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from portal import audit, permissions
from portal.accounts.models import Organization, OrgKind, User
from portal.errors import Conflict, InvalidInput, NotReady, PermissionDenied
from portal.extensions import db
from portal.proposals.models import ConsortiumMember, MemberState, Proposal, ProposalState
from portal.scenarios.operations import ensure_open
from portal.util import clock
from portal.util.state_machine import StateMachine
from portal.util.uscc import USCCError, normalize_uscc

MAX_MEMBERS = 4  # besides the lead: 1 lead + at most 4 members

S = MemberState
MACHINE = StateMachine({
    (S.INVITED, "confirm"): S.CONFIRMED,
    (S.DECLINED, "confirm"): S.CONFIRMED,  # changed its mind before the deadline
    (S.INVITED, "decline"): S.DECLINED,
    (S.CONFIRMED, "withdraw"): S.DECLINED,
})


# --- who takes part where ----------------------------------------------------------------------------------------

def taking_part_clause(organization_id: int):
    """Proposals `organization_id` takes part in as a bidder: its own, or a consortium it confirmed and that stands
    or may still be submitted (not withdrawn)."""
    confirmed = select(ConsortiumMember.proposal_id).where(ConsortiumMember.organization_id == organization_id,
                                                           ConsortiumMember.state == MemberState.CONFIRMED)
    return or_(Proposal.organization_id == organization_id,
               (Proposal.id.in_(confirmed)) & (Proposal.state != ProposalState.WITHDRAWN))


def _own_submission_elsewhere(organization_id: int, scenario_id: int, proposal_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Proposal.scenario_id == scenario_id, Proposal.organization_id == organization_id,
        Proposal.state == ProposalState.SUBMITTED, Proposal.id != proposal_id))))


def _confirmed_elsewhere(organization_id: int, scenario_id: int, proposal_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ConsortiumMember.organization_id == organization_id, ConsortiumMember.state == MemberState.CONFIRMED,
        ConsortiumMember.proposal_id == Proposal.id, Proposal.scenario_id == scenario_id,
        Proposal.state != ProposalState.WITHDRAWN, Proposal.id != proposal_id))))


def committed_elsewhere(organization_id: int, scenario_id: int, proposal_id: int) -> bool:
    """Whether the organisation already takes part in another bid on the scenario (alone or in a consortium)."""
    return (_own_submission_elsewhere(organization_id, scenario_id, proposal_id)
            or _confirmed_elsewhere(organization_id, scenario_id, proposal_id))


# --- the lead: naming and removing members -----------------------------------------------------------------------

def _require_lead(proposal: Proposal, actor) -> None:
    if not permissions.can_manage_consortium(actor, proposal):
        raise PermissionDenied(_("您无权修改该揭榜方案。"))
    ensure_open(proposal.scenario)
    if proposal.state == ProposalState.SUBMITTED:
        raise Conflict(_("方案已提交，不能变更联合体成员；如需变更，请先撤回方案。"))
    if _confirmed_elsewhere(proposal.organization_id, proposal.scenario_id, proposal.id):
        raise Conflict(_("贵单位已确认作为成员参加本场景另一联合体的揭榜，不能再牵头揭榜。"))


def find_enterprise(uscc: str) -> Organization:
    """The verified enterprise with this 统一社会信用代码, or a refusal saying what is wrong with the code."""
    try:
        code = normalize_uscc(uscc or "")
    except USCCError as error:
        raise InvalidInput(_("统一社会信用代码有误：%(reason)s", reason=str(error))) from error
    organization = db.session.scalar(select(Organization).where(Organization.uscc == code))
    if organization is None or organization.kind != OrgKind.ENTERPRISE:
        raise InvalidInput(_("平台上没有统一社会信用代码为 %(code)s 的企业，请核对，或请该企业先在平台注册。",
                             code=code))
    if not organization.is_verified:
        raise InvalidInput(_("“%(name)s”尚未通过平台认证，认证通过后才能作为联合体成员。", name=organization.name))
    return organization


def name_member(proposal: Proposal, actor, uscc: str) -> ConsortiumMember:
    """Name a verified enterprise as a member; it is invited to confirm, and earlier confirmations are void."""
    _require_lead(proposal, actor)
    organization = find_enterprise(uscc)
    if organization.id == proposal.organization_id:
        raise InvalidInput(_("牵头单位不必列为成员，请填写其他成员单位的统一社会信用代码。"))
    if any(m.organization_id == organization.id for m in proposal.members):
        raise InvalidInput(_("“%(name)s”已在成员名单中。", name=organization.name))
    if len(proposal.members) >= MAX_MEMBERS:
        raise InvalidInput(_("联合体成员最多 %(n)d 家（不含牵头单位）。", n=MAX_MEMBERS))
    now = clock.now()
    voided = _void_confirmations(proposal, actor, why="list")
    member = ConsortiumMember(proposal=proposal, organization=organization, state=MemberState.INVITED,
                              position=max((m.position for m in proposal.members), default=0) + 1,
                              invited_at=now, invited_by_id=actor.id)
    db.session.add(member)
    proposal.updated_at = now
    db.session.flush()
    audit.record(actor, "consortium.name", member, sealed_by=proposal.scenario, proposal=proposal.id,
                 member=organization.id, uscc=organization.uscc, voided=voided)
    _tell(member.organization_id, "consortium_invited",
          _("联合体揭榜邀请：%(title)s", title=proposal.scenario.title),
          _("%(lead)s 邀请贵单位作为联合体成员参加该场景的揭榜，请在截止前确认或拒绝。",
            lead=proposal.organization.name))
    return member


def remove_member(member: ConsortiumMember, actor) -> None:
    """Take a member off the list; the others' confirmations are void (the list they agreed to changed)."""
    proposal = member.proposal
    _require_lead(proposal, actor)
    proposal.members.remove(member)
    db.session.flush()
    voided = _void_confirmations(proposal, actor, why="list")
    proposal.updated_at = clock.now()
    audit.record(actor, "consortium.remove", proposal, sealed_by=proposal.scenario, member=member.organization_id,
                 voided=voided)
    _tell(member.organization_id, "consortium_removed",
          _("已不在联合体成员名单中：%(title)s", title=proposal.scenario.title),
          _("%(lead)s 已将贵单位移出该场景揭榜的联合体成员名单。", lead=proposal.organization.name))
    db.session.flush()


def _void_confirmations(proposal: Proposal, actor, *, why: str) -> list[int]:
    """Send every confirmed member back to 待确认 and tell it why; return their organisations."""
    voided = []
    for member in proposal.members:
        if member.state != MemberState.CONFIRMED:
            continue
        member.state, member.answered_at, member.answered_by_id = MemberState.INVITED, None, None
        voided.append(member.organization_id)
        body = (_("牵头单位撤回了揭榜方案，贵单位此前的确认已失效；如方案再次提交，需要贵单位重新确认。")
                if why == "withdraw" else _("牵头单位变更了联合体成员名单，贵单位此前的确认已失效，请重新确认。"))
        _tell(member.organization_id, "consortium_void", _("联合体确认已失效：%(title)s",
                                                          title=proposal.scenario.title), body)
    if voided:
        audit.record(actor, "consortium.void", proposal, sealed_by=proposal.scenario, why=why, members=voided)
    return voided


def void_on_withdrawal(proposal: Proposal, actor) -> list[int]:
    """The lead withdrew the bid: the members are free again, and a new submission needs them anew."""
    return _void_confirmations(proposal, actor, why="withdraw")


# --- the member: confirming, declining, withdrawing --------------------------------------------------------------

def _require_member(member: ConsortiumMember, actor) -> None:
    if not permissions.is_invited_member(actor, member):
        raise PermissionDenied(_("您无权执行该操作。"))
    if not permissions.is_verified_enterprise(actor):
        raise PermissionDenied(_("贵单位尚未通过平台认证，认证通过后才能确认联合体邀请。"))
    ensure_open(member.proposal.scenario)


def _locked(member: ConsortiumMember) -> ConsortiumMember:
    db.session.refresh(member, with_for_update=True)
    return member


def confirm_membership(member: ConsortiumMember, actor) -> ConsortiumMember:
    """The member agrees to take part in the lead's bid (with the list as it stands)."""
    from portal.proposals import caps

    _require_member(member, actor)
    _locked(member)
    proposal = member.proposal
    if proposal.state == ProposalState.SUBMITTED:
        raise Conflict(_("该揭榜方案已提交，成员名单不能再变动。"))
    state = MACHINE.ensure_transition(member, "confirm")
    scenario_id, organization_id = proposal.scenario_id, member.organization_id
    if _own_submission_elsewhere(organization_id, scenario_id, proposal.id):
        raise Conflict(_("贵单位已在本场景单独提交揭榜方案，一家企业在同一场景只能参加一份揭榜方案；"
                         "如需参加联合体，请先撤回本单位的方案。"))
    if _confirmed_elsewhere(organization_id, scenario_id, proposal.id):
        raise Conflict(_("贵单位已确认参加本场景另一联合体的揭榜，一家企业在同一场景只能参加一份揭榜方案；"
                         "如需改为参加本联合体，请先退出另一联合体。"))
    batch = proposal.scenario.batch
    used = caps.standing_count(batch.id, organization_id)
    if used >= batch.proposal_cap:
        raise Conflict(_("本批次每家企业最多参加 %(cap)d 份揭榜方案（含联合体），贵单位已参加 %(used)d 份。"
                         "如需参加本联合体，请先撤回其他方案。", cap=batch.proposal_cap, used=used))
    member.state, member.answered_at, member.answered_by_id = state, clock.now(), actor.id
    audit.record(actor, "consortium.confirm", member, sealed_by=proposal.scenario, proposal=proposal.id)
    _tell(proposal.organization_id, "consortium_confirmed",
          _("联合体成员已确认：%(title)s", title=proposal.scenario.title),
          _("%(name)s 已确认参加贵单位牵头的联合体揭榜。", name=member.organization.name),
          f"/proposals/{proposal.id}/consortium")
    db.session.flush()
    return member


def decline_membership(member: ConsortiumMember, actor) -> ConsortiumMember:
    """The member says no (待确认 → 已拒绝), or withdraws its confirmation (退出) while the bid is not submitted."""
    _require_member(member, actor)
    _locked(member)
    proposal = member.proposal
    action = "withdraw" if member.state == MemberState.CONFIRMED else "decline"
    if action == "withdraw" and proposal.state == ProposalState.SUBMITTED:
        raise Conflict(_("联合体方案已提交，不能退出；如需退出，请联系牵头单位先撤回方案。"))
    member.state = MACHINE.ensure_transition(member, action)
    member.answered_at, member.answered_by_id = clock.now(), actor.id
    audit.record(actor, f"consortium.{action}", member, sealed_by=proposal.scenario, proposal=proposal.id)
    _tell(proposal.organization_id, "consortium_declined",
          _("联合体成员%(what)s：%(title)s", what=_("已退出") if action == "withdraw" else _("已拒绝"),
            title=proposal.scenario.title),
          _("%(name)s 不参加贵单位牵头的联合体揭榜。请移除该成员或另行邀请后再提交。", name=member.organization.name),
          f"/proposals/{proposal.id}/consortium")
    db.session.flush()
    return member


# --- submission ---------------------------------------------------------------------------------------------------

def ensure_ready(proposal: Proposal) -> None:
    """Refuse a submission while a named member has not confirmed, or a bidder takes part in another bid here."""
    scenario_id = proposal.scenario_id
    if _confirmed_elsewhere(proposal.organization_id, scenario_id, proposal.id):
        raise Conflict(_("贵单位已确认作为成员参加本场景另一联合体的揭榜，一家企业在同一场景只能参加一份揭榜方案；"
                         "如需单独或牵头揭榜，请先退出该联合体。"))
    waiting = [m for m in proposal.members if m.state != MemberState.CONFIRMED]
    if waiting:
        names = "、".join(f"{m.organization.name}（{m.state.label}）" for m in waiting)
        raise NotReady(_("联合体成员尚未全部确认，不能提交：%(names)s。"
                         "请等待成员在本单位账号中确认，或移除未确认的成员。", names=names))
    for member in proposal.members:
        # Checked when it confirmed; only a race brings it here. The lead learns nothing of the member's other bids.
        if not member.organization.is_verified or committed_elsewhere(member.organization_id, scenario_id,
                                                                      proposal.id):
            raise Conflict(_("联合体成员“%(name)s”目前不能参加本次揭榜，请与该成员联系。",
                             name=member.organization.name))


def record_submission(proposal: Proposal, version) -> None:
    """Keep the members a version was submitted with, and tell each of them (receipt number and digest only)."""
    from portal.proposals.models import version_members

    rows = [{"version_id": version.id, "organization_id": m.organization_id, "position": m.position}
            for m in proposal.members]
    if rows:
        db.session.execute(version_members.insert(), rows)
        db.session.expire(version, ["members"])
    for member in proposal.members:
        _tell(member.organization_id, "consortium_submitted",
              _("联合体揭榜方案已提交：%(title)s", title=proposal.scenario.title),
              _("牵头单位 %(lead)s 已提交贵单位参加的联合体揭榜方案。回执编号 %(no)s，摘要（SHA-256）%(digest)s。",
                lead=proposal.organization.name, no=version.receipt_no, digest=version.digest))


# --- queries ------------------------------------------------------------------------------------------------------

def invitations(organization_id: int) -> list[ConsortiumMember]:
    """The consortium invitations of an enterprise, newest first."""
    return db.session.scalars(select(ConsortiumMember).where(ConsortiumMember.organization_id == organization_id)
                              .order_by(ConsortiumMember.invited_at.desc(), ConsortiumMember.id.desc())).all()


def _tell(organization_id: int, kind: str, title: str, body: str, link: str = "/my/consortia") -> None:
    from portal.notifications.operations import notify

    for user in db.session.scalars(select(User).where(User.organization_id == organization_id,
                                                      User.active.is_(True))).all():
        notify(user, kind, title, body, link)
