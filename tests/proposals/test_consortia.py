"""联合体 bids as invariants: how many members, every answer a member may give, one bid per enterprise and scenario,
the batch's cap for every member, conflicts of interest against every member, and what each party may see."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from portal.accounts.models import Role
from portal.errors import DomainError, InvalidInput, InvalidTransition, NotReady
from portal.proposals import caps, consortia
from portal.proposals import operations as proposal_ops
from portal.proposals.models import ConsortiumMember, MemberState, ProposalState
from portal.reviews import conflicts
from portal.util import clock
from tests.factories import proposal_fields
from tests.proposals.conftest import form_data
from tests.reviews import helpers


@pytest.fixture
def enterprise(create_user):
    return lambda **kw: create_user(Role.ENTERPRISE, **kw)


@pytest.fixture
def draft(db, open_scenario):
    """The lead's filled-in draft on the open scenario."""

    def make(lead, scenario=None):
        proposal = proposal_ops.open_proposal(scenario or open_scenario, lead)
        proposal_ops.save_draft(proposal, lead, proposal_fields())
        db.session.commit()
        return proposal

    return make


def name_all(db, proposal, lead, members, confirm=True):
    named = [consortia.name_member(proposal, lead, m.organization.uscc) for m in members]
    db.session.commit()
    if confirm:
        for member, user in zip(named, members, strict=True):
            consortia.confirm_membership(member, user)
        db.session.commit()
    return named


def submit(db, proposal, lead):
    submission = proposal_ops.submit_proposal(proposal, lead, declaration=True)
    db.session.commit()
    return submission.version


# --- how many members --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5])
def test_a_lead_names_at_most_four_members_and_submits_once_all_confirmed(db, enterprise, draft, count):
    lead = enterprise()
    proposal = draft(lead)
    users = [enterprise() for _ in range(count)]
    accepted = users[:consortia.MAX_MEMBERS]
    name_all(db, proposal, lead, accepted)
    if count > consortia.MAX_MEMBERS:
        with pytest.raises(InvalidInput, match="最多 4 家"):
            consortia.name_member(proposal, lead, users[-1].organization.uscc)
        db.session.rollback()
    version = submit(db, proposal, lead)
    assert [o.id for o in version.members] == [u.organization_id for u in accepted]
    assert [o.id for o in proposal.bidders] == [lead.organization_id, *(u.organization_id for u in accepted)]
    assert proposal_ops.verify_receipt(version.receipt_no, version.digest)
    if accepted:
        assert proposal.bidder_names.startswith(f"{lead.organization.name}（牵头）")
        assert all(u.organization.name in proposal.bidder_names for u in accepted)
    else:
        assert proposal.bidder_names == lead.organization.name


def test_the_receipt_digest_covers_the_members(db, enterprise, draft):
    lead, member = enterprise(), enterprise()
    proposal = draft(lead)
    name_all(db, proposal, lead, [member])
    version = submit(db, proposal, lead)
    db.session.execute(text("UPDATE version_members SET organization_id = :other WHERE version_id = :v"),
                       {"other": enterprise().organization_id, "v": version.id})
    db.session.expire_all()
    assert not proposal_ops.verify_receipt(version.receipt_no, version.digest)


# --- the member's answers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("answers, submits", [
    ([], False),
    (["confirm"], True),
    (["decline"], False),
    (["decline", "confirm"], True),
    (["confirm", "decline"], False),  # 退出 before the submission
])
def test_only_a_confirmed_member_lets_the_bid_go(db, enterprise, draft, answers, submits):
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user], confirm=False)
    for answer in answers:
        (consortia.confirm_membership if answer == "confirm" else consortia.decline_membership)(member, user)
        db.session.commit()
    if submits:
        assert submit(db, proposal, lead).members == [user.organization]
    else:
        with pytest.raises(NotReady, match="联合体成员尚未全部确认") as refused:
            proposal_ops.submit_proposal(proposal, lead, declaration=True)
        assert user.organization.name in refused.value.message
        db.session.rollback()
        assert proposal.state == ProposalState.DRAFT and proposal.version_count == 0


def test_answers_follow_the_table(db, enterprise, draft):
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user])
    with pytest.raises(InvalidTransition):
        consortia.confirm_membership(member, user)  # already confirmed
    db.session.rollback()
    submit(db, proposal, lead)
    with pytest.raises(DomainError, match="不能退出"):
        consortia.decline_membership(member, user)
    db.session.rollback()
    assert member.state == MemberState.CONFIRMED


def test_only_the_invited_enterprise_answers(db, enterprise, draft):
    lead, user, stranger = enterprise(), enterprise(), enterprise()
    (member,) = name_all(db, draft(lead), lead, [user], confirm=False)
    for who in (lead, stranger):
        with pytest.raises(DomainError):
            consortia.confirm_membership(member, who)
        db.session.rollback()
    assert member.state == MemberState.INVITED


@pytest.mark.parametrize("change", ["add", "remove"])
def test_changing_the_list_voids_every_confirmation(db, enterprise, draft, change):
    lead, first, second = enterprise(), enterprise(), enterprise()
    proposal = draft(lead)
    named = name_all(db, proposal, lead, [first, second])
    if change == "add":
        consortia.name_member(proposal, lead, enterprise().organization.uscc)
    else:
        consortia.remove_member(named[1], lead)
    db.session.commit()
    assert all(m.state == MemberState.INVITED for m in proposal.members)
    with pytest.raises(NotReady):
        proposal_ops.submit_proposal(proposal, lead, declaration=True)
    db.session.rollback()


def test_the_list_is_fixed_once_submitted_and_withdrawing_frees_the_members(db, enterprise, draft):
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user])
    submit(db, proposal, lead)
    for attempt in (lambda: consortia.name_member(proposal, lead, enterprise().organization.uscc),
                    lambda: consortia.remove_member(member, lead)):
        with pytest.raises(DomainError, match="先撤回"):
            attempt()
        db.session.rollback()
    proposal_ops.withdraw_proposal(proposal, lead)
    db.session.commit()
    assert member.state == MemberState.INVITED  # a new submission needs the member anew
    with pytest.raises(NotReady):
        proposal_ops.submit_proposal(proposal, lead, declaration=True)
    db.session.rollback()
    consortia.confirm_membership(member, user)
    assert submit(db, proposal, lead).number == 2


def test_nothing_changes_after_the_deadline(db, frozen_now, enterprise, draft, open_scenario):
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user], confirm=False)
    frozen_now.set_now(open_scenario.deadline + timedelta(minutes=1))
    for attempt in (lambda: consortia.confirm_membership(member, user),
                    lambda: consortia.decline_membership(member, user),
                    lambda: consortia.remove_member(member, lead),
                    lambda: consortia.name_member(proposal, lead, enterprise().organization.uscc)):
        with pytest.raises(DomainError):
            attempt()
        db.session.rollback()


# --- naming: bad codes -------------------------------------------------------------------------------------------

def test_bad_codes_are_refused_with_a_reason(db, create_org, enterprise, draft):
    lead = enterprise()
    proposal = draft(lead)
    pending = create_org(verified=False)
    known = enterprise()
    consortia.name_member(proposal, lead, known.organization.uscc.lower())  # lower case is accepted
    cases = {"": "统一社会信用代码有误", "12345": "统一社会信用代码有误",
             known.organization.uscc[:-1] + ("0" if known.organization.uscc[-1] != "0" else "1"): "有误",
             "91330106MA2B0000X0": "有误",
             pending.uscc: "尚未通过平台认证", lead.organization.uscc: "牵头单位不必列为成员",
             known.organization.uscc: "已在成员名单中"}
    from tests.factories import valid_uscc
    cases[valid_uscc(987_654_321)] = "平台上没有统一社会信用代码"
    for code, message in cases.items():
        with pytest.raises(InvalidInput, match=message):
            consortia.name_member(proposal, lead, code)
    assert len(proposal.members) == 1


def test_a_department_cannot_be_named(db, create_org, enterprise, draft):
    from portal.accounts.models import OrgKind
    from tests.factories import valid_uscc

    lead = enterprise()
    office = create_org(kind=OrgKind.GOVERNMENT)
    office.uscc = valid_uscc(555_000_111)
    with pytest.raises(InvalidInput, match="平台上没有"):
        consortia.name_member(draft(lead), lead, office.uscc)


# --- one bid per enterprise and scenario -------------------------------------------------------------------------

def test_a_bidder_alone_cannot_confirm_until_it_withdraws(db, enterprise, draft, open_scenario, submit_proposal):
    lead, user = enterprise(), enterprise()
    own = submit_proposal(open_scenario, user).proposal
    (member,) = name_all(db, draft(lead), lead, [user], confirm=False)  # naming reveals nothing of the member's bid
    with pytest.raises(DomainError, match="单独提交"):
        consortia.confirm_membership(member, user)
    db.session.rollback()
    proposal_ops.withdraw_proposal(own, user)
    consortia.confirm_membership(member, user)
    db.session.commit()
    with pytest.raises(DomainError, match="另一联合体"):  # and now it cannot bid alone again
        proposal_ops.submit_proposal(own, user, declaration=True)
    db.session.rollback()


def test_a_member_confirms_one_consortium_per_scenario(db, enterprise, draft, open_scenario, create_scenario):
    first_lead, second_lead, user = enterprise(), enterprise(), enterprise()
    name_all(db, draft(first_lead), first_lead, [user])
    second = draft(second_lead)
    (member,) = name_all(db, second, second_lead, [user], confirm=False)
    with pytest.raises(DomainError, match="另一联合体"):
        consortia.confirm_membership(member, user)
    db.session.rollback()
    # Another scenario of the batch is another matter.
    elsewhere = create_scenario(open_scenario.batch, state="published", deadline=open_scenario.deadline)
    (other,) = name_all(db, draft(second_lead, elsewhere), second_lead, [user], confirm=False)
    consortia.confirm_membership(other, user)


def test_a_confirmed_member_cannot_lead_on_the_same_scenario(db, enterprise, draft):
    lead, user = enterprise(), enterprise()
    name_all(db, draft(lead), lead, [user])
    own = draft(user)
    with pytest.raises(DomainError, match="不能再牵头"):
        consortia.name_member(own, user, enterprise().organization.uscc)
    db.session.rollback()
    with pytest.raises(DomainError, match="另一联合体"):
        proposal_ops.submit_proposal(own, user, declaration=True)


def test_the_lead_learns_nothing_of_a_members_other_bid(db, enterprise, draft, open_scenario, submit_proposal):
    """A race left a confirmed member with its own bid: the lead is refused without being told why."""
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    name_all(db, proposal, lead, [user])
    own = proposal_ops.open_proposal(open_scenario, user)
    proposal_ops.save_draft(own, user, proposal_fields(title="成员自己的方案"))
    own.state, own.submitted_at = ProposalState.SUBMITTED, clock.now()  # as if submitted in the same instant
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        proposal_ops.submit_proposal(proposal, lead, declaration=True)
    assert user.organization.name in refused.value.message
    assert "成员自己的方案" not in refused.value.message and "单独" not in refused.value.message


# --- the batch's cap counts every member -------------------------------------------------------------------------

def test_a_standing_consortium_bid_takes_a_place_from_every_member(db, enterprise, draft, open_scenario,
                                                                   create_scenario, submit_proposal):
    batch = open_scenario.batch
    batch.proposal_cap = 1
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user])
    assert caps.standing_count(batch.id, user.organization_id) == 0  # confirmed, not yet submitted
    submit(db, proposal, lead)
    for org in (lead.organization_id, user.organization_id):
        assert caps.standing_count(batch.id, org) == 1
    other = create_scenario(batch, state="published", deadline=open_scenario.deadline)
    with pytest.raises(caps.CapReached):
        submit_proposal(other, user)
    db.session.rollback()
    proposal_ops.withdraw_proposal(proposal, lead)
    db.session.commit()
    assert caps.standing_count(batch.id, user.organization_id) == 0
    submit_proposal(other, user)  # the place came back
    with pytest.raises(DomainError, match="最多参加 1 份"):
        consortia.confirm_membership(member, user)


def test_a_member_over_the_cap_stops_the_lead_without_a_count(db, enterprise, draft, open_scenario, create_scenario,
                                                             submit_proposal):
    batch = open_scenario.batch
    batch.proposal_cap = 1
    lead, user = enterprise(), enterprise()
    proposal = draft(lead)
    name_all(db, proposal, lead, [user])
    other = create_scenario(batch, state="published", deadline=open_scenario.deadline)
    other_lead = enterprise()
    other_draft = draft(other_lead, other)
    name_all(db, other_draft, other_lead, [user])
    submit(db, other_draft, other_lead)  # the member's one place goes to the other consortium
    with pytest.raises(caps.CapReached) as refused:
        proposal_ops.submit_proposal(proposal, lead, declaration=True)
    assert user.organization.name in refused.value.message and other.title not in refused.value.message


# --- conflicts of interest ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_reviewer_tied_to_any_member_is_excluded(db, frozen_now, enterprise, draft, create_user, open_scenario,
                                                   position):
    lead, first, second = enterprise(), enterprise(), enterprise()
    proposal = draft(lead)
    name_all(db, proposal, lead, [first, second])
    submit(db, proposal, lead)
    tied = [lead, first, second][position].organization
    reviewer = create_user(Role.REVIEWER)
    conflicts.save_employer(reviewer, reviewer, employer="无关单位", uscc=None)
    conflicts.add_entry(reviewer, reviewer, kind="shareholding", org_name="某持股单位", uscc=tied.uscc)
    free = [create_user(Role.REVIEWER) for _ in range(2)]
    db.session.commit()
    frozen_now.set_now(open_scenario.deadline + timedelta(minutes=1))
    assert {p.organization_id for p in conflicts.parties(proposal)} == {lead.organization_id, first.organization_id,
                                                                        second.organization_id}
    assert conflicts.conflict_of(reviewer, proposal) is not None
    assert all(conflicts.conflict_of(r, proposal) is None for r in free)
    helpers.assign(open_scenario, [reviewer, *free])
    review = helpers.review_of(open_scenario, reviewer, proposal)
    assert review.state.value == "excluded" and tied.name in review.conflict_reason


# --- seal and audit ----------------------------------------------------------------------------------------------

def test_consortium_records_keep_the_seal(db, enterprise, draft):
    lead, user, other = enterprise(), enterprise(), enterprise()
    proposal = draft(lead)
    (member,) = name_all(db, proposal, lead, [user])
    consortia.name_member(proposal, lead, other.organization.uscc)
    consortia.decline_membership(member, user)
    db.session.commit()
    rows = db.session.execute(text("SELECT * FROM audit_records WHERE action LIKE 'consortium.%' ORDER BY seq"))
    rows = [dict(r) for r in rows.mappings()]
    assert [r["action"] for r in rows] == ["consortium.name", "consortium.confirm", "consortium.void",
                                           "consortium.name", "consortium.decline"]
    assert all(r["sealed"] and r["actor_id"] is None and r["object_id"] is None for r in rows)
    assert user.organization.uscc not in repr(rows) and lead.organization.name not in repr(rows)


def test_invitations_are_listed_for_the_member_only(db, enterprise, draft):
    lead, user = enterprise(), enterprise()
    name_all(db, draft(lead), lead, [user], confirm=False)
    assert [m.organization_id for m in consortia.invitations(user.organization_id)] == [user.organization_id]
    assert consortia.invitations(lead.organization_id) == []
    assert db.session.scalar(select(ConsortiumMember.state)) == MemberState.INVITED


def test_the_form_posts_a_proposal_the_lead_can_submit(client, login_as, db, enterprise, open_scenario):
    """A smoke test of the draft form with a consortium: the refusal keeps the draft and says who is missing."""
    lead, user = enterprise(), enterprise()
    login_as(lead)
    url = f"/scenarios/{open_scenario.id}/proposal"
    assert client.post(url, data=form_data("save")).status_code == 302
    proposal = proposal_ops.find_proposal(open_scenario, lead.organization_id)
    assert client.post(f"/proposals/{proposal.id}/consortium",
                       data={"uscc": user.organization.uscc}).status_code == 302
    page = client.post(url, data=form_data("submit", title="联合体方案甲")).text
    assert "联合体成员尚未全部确认" in page and user.organization.name in page and "联合体方案甲" in page
