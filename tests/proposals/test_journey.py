"""揭榜 through the browser's HTTP: submit with a PDF, amend, receipts that verify, the department's view."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.audit import AuditRecord
from portal.proposals.models import Proposal, ProposalState, ProposalVersion
from portal.util import clock
from tests.proposals.conftest import form_data, pdf_upload


def post_proposal(client, scenario, **kwargs):
    return client.post(f"/scenarios/{scenario.id}/proposal", data=form_data(**kwargs),
                       content_type="multipart/form-data")


def receipt_of(response):
    number = re.search(r"JB-\d{4}-\d{6}", response.text).group(0)
    digest = re.search(r"\b[0-9a-f]{64}\b", response.text.split("摘要（SHA-256）")[-1]).group(0)
    return number, digest


def test_submit_amend_and_verify_both_receipts(client, db, login_as, open_scenario, bidder):
    login_as(bidder)
    first = post_proposal(client, open_scenario, files=[pdf_upload()])
    assert first.status_code == 302 and "/receipts/JB-" in first.headers["Location"]
    receipt_page = client.get(first.headers["Location"])
    assert "揭榜方案提交回执" in receipt_page.text and "技术方案.pdf" in receipt_page.text
    number1, digest1 = receipt_of(receipt_page)

    amended = post_proposal(client, open_scenario, price="88.00")
    number2, digest2 = receipt_of(client.get(amended.headers["Location"]))
    assert number2 != number1 and digest2 != digest1

    for number, digest in [(number1, digest1), (number2, digest2)]:
        page = client.get("/verify", query_string={"receipt": number, "digest": digest})
        assert "一致：该回执编号与摘要对应" in page.text and "不一致：" not in page.text
    proposal = db.session.scalar(select(Proposal))
    assert [v.number for v in proposal.versions] == [1, 2]
    assert proposal.versions[0].price != proposal.versions[1].price
    assert len(proposal.versions[1].attachments) == 1  # the PDF stays with the amended version


def test_the_department_sees_only_a_count_before_the_deadline(client, login_as, open_scenario, bidder,
                                                                submit_proposal, create_user, department):
    submit_proposal(open_scenario, bidder, title="密封方案标题")
    submit_proposal(open_scenario, create_user("enterprise"), title="另一份方案")
    login_as(department)
    page = client.get(f"/manage/scenarios/{open_scenario.id}/proposals")
    assert page.status_code == 200
    assert "2 份" in page.text
    assert "密封方案标题" not in page.text and bidder.organization.name not in page.text


def test_after_the_deadline_the_department_reads_the_proposals_and_each_read_is_audited(
        client, db, login_as, open_scenario, bidder, submit_proposal, department, frozen_now):
    version = submit_proposal(open_scenario, bidder, title="开标后可见的方案")
    frozen_now.travel(timedelta(days=4))
    login_as(department)
    listing = client.get(f"/manage/scenarios/{open_scenario.id}/proposals")
    assert bidder.organization.name in listing.text and "开标后可见的方案" in listing.text
    assert "98.5" in listing.text
    detail = client.get(f"/manage/proposals/{version.proposal_id}")
    assert detail.status_code == 200 and version.receipt_no in detail.text
    reads = db.session.scalars(select(AuditRecord.details).where(AuditRecord.action == "proposal.read")).all()
    assert {"what": "list", "proposals": [version.proposal_id]} in reads and {"what": "version:1"} in reads


def test_a_form_sent_after_the_deadline_is_refused_and_its_text_kept(client, db, login_as, open_scenario, bidder,
                                                                       frozen_now):
    login_as(bidder)
    assert client.get(f"/scenarios/{open_scenario.id}/proposal").status_code == 200
    frozen_now.set_now(open_scenario.deadline)
    response = post_proposal(client, open_scenario, title="迟到的方案", team="迟到团队")
    assert response.status_code == 200
    assert "不再接受揭榜" in response.text and "请复制保存" in response.text
    assert 'value="迟到的方案"' in response.text and "迟到团队" in response.text
    assert db.session.scalar(select(func.count()).select_from(ProposalVersion)) == 0
    # The refused form says why and offers no button that could only be refused again.
    assert "已不能保存或提交" in response.text
    buttons = re.findall(r"<input[^>]*type=\"submit\"[^>]*>", response.text)
    assert len(buttons) == 2 and all(" disabled" in b for b in buttons)
    assert not any("data-confirm" in b for b in buttons)


def test_an_open_form_has_its_buttons_enabled(client, login_as, open_scenario, bidder):
    login_as(bidder)
    page = client.get(f"/scenarios/{open_scenario.id}/proposal").text
    buttons = re.findall(r"<input[^>]*type=\"submit\"[^>]*>", page)
    assert len(buttons) == 2 and not any(" disabled" in b for b in buttons)
    assert "已不能保存或提交" not in page


def test_one_second_before_the_deadline_is_still_accepted(client, db, login_as, open_scenario, bidder, frozen_now):
    login_as(bidder)
    frozen_now.set_now(open_scenario.deadline - timedelta(seconds=1))
    assert post_proposal(client, open_scenario).status_code == 302
    version = db.session.scalar(select(ProposalVersion))
    assert version.submitted_at < open_scenario.deadline


def test_a_draft_is_not_a_submission(client, db, login_as, open_scenario, bidder, department):
    login_as(bidder)
    response = post_proposal(client, open_scenario, action="save", declaration=False)
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.state == ProposalState.DRAFT and proposal.version_count == 0
    login_as(department)
    assert "0 份" in client.get(f"/manage/scenarios/{open_scenario.id}/proposals").text


def test_missing_fields_on_submit_keep_the_draft_and_name_what_is_missing(client, db, login_as, open_scenario,
                                                                           bidder):
    login_as(bidder)
    response = post_proposal(client, open_scenario, team="", declaration=False)
    assert response.status_code == 200
    assert "草稿已保存，但尚未提交" in response.text
    assert "团队情况" in response.text and "承诺书" in response.text
    proposal = db.session.scalar(select(Proposal))
    assert proposal.title and proposal.version_count == 0


def test_a_double_click_gives_one_proposal_and_one_receipt(client, db, login_as, open_scenario, bidder):
    login_as(bidder)
    first = post_proposal(client, open_scenario)
    second = post_proposal(client, open_scenario)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    assert db.session.scalar(select(func.count()).select_from(ProposalVersion)) == 1


def test_withdraw_then_submit_again(client, db, login_as, open_scenario, bidder, submit_proposal, department):
    version = submit_proposal(open_scenario, bidder)
    login_as(bidder)
    response = client.post(f"/proposals/{version.proposal_id}/withdraw")
    assert response.status_code == 302
    proposal = db.session.get(Proposal, version.proposal_id)
    assert proposal.state == ProposalState.WITHDRAWN
    login_as(department)
    assert "0 份" in client.get(f"/manage/scenarios/{open_scenario.id}/proposals").text
    login_as(bidder)
    assert post_proposal(client, open_scenario).status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.SUBMITTED and proposal.version_count == 2


def test_withdrawing_after_the_deadline_is_refused(client, db, login_as, open_scenario, bidder, submit_proposal,
                                                    frozen_now):
    version = submit_proposal(open_scenario, bidder)
    frozen_now.travel(timedelta(days=5))
    login_as(bidder)
    response = client.post(f"/proposals/{version.proposal_id}/withdraw", follow_redirects=True)
    assert "不再接受揭榜" in response.text
    assert db.session.get(Proposal, version.proposal_id).state == ProposalState.SUBMITTED


def test_my_proposals_lists_state_deadline_and_receipt(client, login_as, open_scenario, bidder, submit_proposal):
    version = submit_proposal(open_scenario, bidder)
    login_as(bidder)
    page = client.get("/my/proposals")
    assert open_scenario.title in page.text and version.receipt_no in page.text and "已提交" in page.text


def test_the_scenario_page_offers_take_the_list_only_to_verified_enterprises(client, login_as, open_scenario,
                                                                             bidder, create_user):
    assert "揭榜需以企业账号登录" in client.get(f"/scenarios/{open_scenario.id}").text
    login_as(create_user("enterprise", verified=False))
    assert "尚未通过平台认证" in client.get(f"/scenarios/{open_scenario.id}").text
    login_as(bidder)
    assert "我要揭榜" in client.get(f"/scenarios/{open_scenario.id}").text


def test_an_unverified_enterprise_cannot_open_the_form(client, login_as, open_scenario, create_user):
    login_as(create_user("enterprise", verified=False))
    response = client.get(f"/scenarios/{open_scenario.id}/proposal")
    assert response.status_code == 403 and "尚未通过平台认证" in response.text


def test_receipt_numbers_run_per_year(db, open_scenario, create_user, submit_proposal, frozen_now):
    first = submit_proposal(open_scenario, create_user("enterprise"))
    second = submit_proposal(open_scenario, create_user("enterprise"))
    year = clock.now().astimezone(clock.LOCAL_TZ).year
    assert (first.receipt_no, second.receipt_no) == (f"JB-{year}-000001", f"JB-{year}-000002")


def test_the_count_names_proposals_and_all_submissions_including_amendments(client, login_as, open_scenario, bidder,
                                                                            submit_proposal, department):
    submit_proposal(open_scenario, bidder)
    submit_proposal(open_scenario, bidder, price="90.00")
    login_as(department)
    page = client.get(f"/manage/scenarios/{open_scenario.id}/proposals").text
    assert "1 份" in page and "累计收到 2 份提交" in page


def test_the_list_shows_the_latest_version_of_each_proposal_with_its_files(client, login_as, open_scenario, bidder,
                                                                           submit_proposal, stored_file, department,
                                                                           frozen_now):
    submit_proposal(open_scenario, bidder, title="初版方案", price="120.00")
    amended = [stored_file(name="修改说明.pdf")]
    submit_proposal(open_scenario, bidder, title="修改后的方案", price="90.00", files=amended)
    frozen_now.travel(timedelta(days=4))
    login_as(department)
    page = client.get(f"/manage/scenarios/{open_scenario.id}/proposals").text
    assert "修改后的方案" in page and "90 万元" in page and "修改说明.pdf" in page
    assert "初版方案" not in page and "120 万元" not in page
