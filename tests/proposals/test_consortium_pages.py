"""联合体 pages: the lead's member list, a member's invitations, what each sees, and the 公示 naming every member."""

from datetime import timedelta

import pytest

from portal.accounts.models import Role
from portal.proposals import consortia
from portal.proposals import operations as proposal_ops
from portal.proposals.models import MemberState
from portal.reviews import queries as review_queries
from portal.util import clock
from tests.announcements import helpers as announcement_helpers
from tests.proposals.conftest import form_data
from tests.reviews import helpers


@pytest.fixture
def consortium(client, login_as, db, enterprise_pair, open_scenario):
    """A lead's draft (secret title) naming two members through the page; nobody has confirmed yet."""
    lead, members = enterprise_pair
    login_as(lead)
    url = f"/scenarios/{open_scenario.id}/proposal"
    assert client.post(url, data=form_data("save", title="联合体机密方案")).status_code == 302
    proposal = proposal_ops.find_proposal(open_scenario, lead.organization_id)
    for user in members:
        response = client.post(f"/proposals/{proposal.id}/consortium", data={"uscc": user.organization.uscc})
        assert response.status_code == 302
    return lead, members, proposal


@pytest.fixture
def enterprise_pair(create_user, create_org):
    lead = create_user(Role.ENTERPRISE, org=create_org(name="杭州牵头科技有限公司"))
    members = [create_user(Role.ENTERPRISE, org=create_org(name=name)) for name in ("杭州成员甲有限公司",
                                                                                   "杭州成员乙有限公司")]
    return lead, members


def test_the_lead_sees_the_list_and_members_are_invited(client, login_as, db, consortium):
    lead, members, proposal = consortium
    page = client.get(f"/proposals/{proposal.id}/consortium").text
    assert all(u.organization.name in page for u in members) and page.count("待确认") >= 2
    login_as(members[0])
    inbox = client.get("/notifications/").text
    assert "联合体揭榜邀请" in inbox and lead.organization.name in inbox
    page = client.get("/my/consortia").text
    assert lead.organization.name in page and members[1].organization.name in page
    assert "联合体机密方案" not in page  # the member sees that it takes part, not the sealed content
    for url in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/consortium",
                f"/proposals/{proposal.id}/versions/1"):
        assert client.get(url).status_code == 404


def test_members_confirm_through_their_pages_and_the_bid_goes(client, login_as, db, consortium, open_scenario):
    lead, members, proposal = consortium
    for user in members:
        login_as(user)
        (invitation,) = consortia.invitations(user.organization_id)
        assert client.post(f"/my/consortia/{invitation.id}/confirm").status_code == 302
        assert "已确认参加" in client.get("/my/consortia").text
    login_as(lead)
    response = client.post(f"/scenarios/{open_scenario.id}/proposal", data=form_data("submit",
                                                                                      title="联合体机密方案"))
    assert response.status_code == 302 and "/receipts/" in response.headers["Location"]
    receipt = client.get(response.headers["Location"]).text
    assert "联合体牵头单位" in receipt and all(u.organization.name in receipt and u.organization.uscc in receipt
                                                for u in members)
    login_as(members[0])
    inbox = client.get("/notifications/").text
    assert "联合体揭榜方案已提交" in inbox and proposal.latest_version.receipt_no in inbox
    assert "联合体机密方案" not in inbox and "联合体机密方案" not in client.get("/my/consortia").text


def test_another_enterprise_cannot_answer(client, login_as, db, consortium, create_user):
    lead, members, proposal = consortium
    invitation = proposal.members[0]
    for user in (lead, members[1], create_user(Role.ENTERPRISE)):
        login_as(user)
        assert client.post(f"/my/consortia/{invitation.id}/confirm").status_code == 404
    assert invitation.state == MemberState.INVITED


def test_declining_and_leaving_tell_the_lead(client, login_as, db, consortium):
    lead, members, proposal = consortium
    login_as(members[0])
    invitation = proposal.members[0]
    client.post(f"/my/consortia/{invitation.id}/decline")
    assert db.session.get(type(invitation), invitation.id).state == MemberState.DECLINED
    login_as(lead)
    assert "已拒绝" in client.get("/notifications/").text
    assert "已拒绝" in client.get(f"/proposals/{proposal.id}/consortium").text


@pytest.mark.parametrize("uscc, message", [
    ("", "请填写统一社会信用代码"),
    ("   ", "请填写统一社会信用代码"),
    ("9133010" + "X" * 11, "有误"),
    ("<script>alert(1)</script>", "有误"),
    ("1" * 41, "40"),
    ("91330106000000001\u0000", "有误"),
])
def test_bad_codes_are_refused_on_the_form_and_kept(client, login_as, db, consortium, uscc, message):
    lead, members, proposal = consortium
    login_as(lead)
    response = client.post(f"/proposals/{proposal.id}/consortium", data={"uscc": uscc})
    assert response.status_code == 200 and message in response.text
    assert len(proposal.members) == 2
    if uscc.strip() and "<" not in uscc and "\u0000" not in uscc:
        assert uscc in response.text


def test_removing_a_member_from_another_proposal_answers_404(client, login_as, db, consortium, create_user,
                                                             open_scenario):
    lead, members, proposal = consortium
    stranger = create_user(Role.ENTERPRISE)
    login_as(stranger)
    assert client.post(f"/proposals/{proposal.id}/consortium/{proposal.members[0].id}/remove").status_code == 404
    own = proposal_ops.open_proposal(open_scenario, stranger)
    db.session.commit()
    assert client.post(f"/proposals/{own.id}/consortium/{proposal.members[0].id}/remove").status_code == 404
    login_as(lead)
    assert client.post(f"/proposals/{proposal.id}/consortium/{proposal.members[0].id}/remove").status_code == 302
    assert [m.organization_id for m in proposal.members] == [members[1].organization_id]


def test_the_announcement_and_results_list_every_member(client, login_as, db, frozen_now, consortium,
                                                       open_scenario, create_user, submit_proposal):
    lead, members, proposal = consortium
    for member, user in zip(proposal.members, members, strict=True):
        consortia.confirm_membership(member, user)
    proposal_ops.submit_proposal(proposal, lead, declaration=True)
    submit_proposal(open_scenario, create_user(Role.ENTERPRISE), title="对手方案")
    db.session.commit()
    frozen_now.set_now(open_scenario.deadline + timedelta(minutes=1))
    reviewers = [create_user(Role.REVIEWER) for _ in range(3)]
    helpers.fully_reviewed(open_scenario, reviewers, [[90] * 3, [70] * 3])
    winner = next(p for p in review_queries.reviewed_proposals(open_scenario) if p.id == proposal.id)
    announcement_helpers.decided(open_scenario, [winner])
    decision = announcement_helpers.announced(open_scenario)
    frozen_now.set_now(decision.starts_at + timedelta(minutes=1))
    client.get("/logout")
    with client.session_transaction() as session:
        session.clear()
    page = client.get(f"/scenarios/{open_scenario.id}/announcement").text
    assert "杭州牵头科技有限公司（牵头）" in page
    assert all(u.organization.name in page for u in members)
    frozen_now.set_now(decision.ends_at + timedelta(days=1))
    page = client.get("/results").text
    assert all(name in page for name in ("杭州牵头科技有限公司", "杭州成员甲有限公司", "杭州成员乙有限公司"))
    api = client.get("/api/v1/results").get_json()
    assert "杭州成员乙有限公司" in repr(api)
    assert clock.now() > decision.ends_at
