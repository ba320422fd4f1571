"""A consortium of three in the browser: the lead names two verified members by their codes, its submission is
refused until both have confirmed in their own accounts, the receipt lists every member, and after the review the
公示 names all three."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Company,
    Person,
    ProposalText,
    ScenarioText,
    pdf,
    register_and_verify,
    signed_in_staff,
)
from tests.browser.test_whole_journey import create_reviewers

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第六批智慧交通场景机会清单"
LEAD = Company("杭州远瞳交通科技有限公司", make_uscc("91330106MA2K7L3C5"), "西湖区", "周岚", "0571-86001234",
               "zhou.lan@yuantong.example.cn", "Yuantong#Lead2025")
FIRST = Company("杭州驰感雷达技术有限公司", make_uscc("91330108MA2H4J6D2"), "滨江区", "吴迪", "0571-87005678",
                "wu.di@chigan.example.cn", "Chigan#Radar2025")
SECOND = Company("杭州云衢数据服务有限公司", make_uscc("91330110MA2F9G1E8"), "余杭区", "钱悦", "0571-88009012",
                 "qian.yue@yunqu.example.cn", "Yunqu#Data2025")
PROPOSAL = ProposalText("路口雷视融合信号优化联合方案", "雷达与视频融合感知路口车流，动态优化配时。",
                        "毫米波雷达与视频融合，边缘计算配时。", 8, "66.00", "三家单位联合团队 15 人。")


def confirm_invitation(member, lead_name: str) -> None:
    member.nav("我的揭榜")
    member.page.get_by_role("link", name="联合体邀请").click()
    card = member.page.get_by_role("region").filter(has_text=lead_name)
    expect(card).to_contain_text("待确认")
    expect(card).not_to_contain_text(PROPOSAL.title)  # a member sees that it takes part, not the sealed content
    member.checkpoint()
    card.get_by_role("button", name="确认参加").click()
    member.expect_flash("已确认参加该联合体揭榜。")


def test_a_consortium_of_three_bids_with_every_confirmation_and_appears_in_full_on_the_announcement(
        people, live_portal, tmp_path, axe_audit):
    admin, department = signed_in_staff(people, live_portal)
    lead, first, second = register_and_verify(people, admin, [LEAD, FIRST, SECOND])
    deadline = (live_portal.now() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("主干道路口信号配时优化", "其他/多元", "西湖区", "高峰时段路口排队过长。",
                            "平均排队长度下降 15%。", "80", deadline)
    department.publish_batch_with(BATCH, scenario)

    # The lead saves a draft and names its two members by their codes.
    lead.open_scenario(scenario.title)
    lead.page.get_by_role("link", name="我要揭榜").click()
    lead.page.get_by_label("方案名称").fill(PROPOSAL.title)
    lead.page.get_by_label("方案摘要").fill(PROPOSAL.summary)
    lead.page.get_by_label("技术路线").fill(PROPOSAL.approach)
    lead.page.get_by_label("实施周期（月）").fill(str(PROPOSAL.months))
    lead.page.get_by_label("报价（万元）").fill(PROPOSAL.price)
    lead.page.get_by_label("团队情况").fill(PROPOSAL.team)
    lead.page.get_by_label("添加附件").set_input_files(pdf(tmp_path / "联合体方案.pdf"))
    lead.page.get_by_role("button", name="保存草稿").click()
    lead.expect_flash("草稿已保存")
    edit_url = lead.page.url
    lead.page.get_by_role("link", name="以联合体形式揭榜（添加成员）").click()
    for member in (FIRST, SECOND):
        lead.page.get_by_label("成员单位统一社会信用代码").fill(member.uscc.lower())
        lead.checkpoint()
        lead.page.get_by_role("button", name="添加成员").click()
        lead.expect_flash(f"已邀请“{member.name}”加入联合体")
    members_table = lead.page.get_by_role("table", name="联合体成员名单")
    expect(members_table).to_contain_text(FIRST.name)
    expect(members_table).to_contain_text(SECOND.name)
    axe_audit(lead.page)

    # One member confirms; the lead's submission is refused, naming the one still to confirm.
    confirm_invitation(first, LEAD.name)
    axe_audit(first.page)
    lead.page.goto(edit_url)
    lead.page.get_by_label("本单位承诺").check()
    lead.page.get_by_role("button", name="提交揭榜方案").click()
    expect(lead.page.get_by_text("联合体成员尚未全部确认")).to_be_visible()
    expect(lead.page.get_by_text(f"{SECOND.name}（待确认）")).to_be_visible()
    expect(lead.page.get_by_label("方案名称")).to_have_value(PROPOSAL.title)

    # The second confirms; now the bid goes, and its receipt lists every member.
    confirm_invitation(second, LEAD.name)
    lead.page.goto(edit_url)
    lead.page.get_by_label("本单位承诺").check()
    lead.page.get_by_role("button", name="提交揭榜方案").click()
    lead.expect_flash("揭榜方案已提交，请保存回执。")
    receipt = lead.page.locator("#receipt-members")
    for member in (FIRST, SECOND):
        expect(receipt).to_contain_text(member.name)
        expect(receipt).to_contain_text(member.uscc)
    axe_audit(lead.page)

    # After the deadline: review, decision and 公示.
    live_portal.travel(4 * DAY)
    reviewers = create_reviewers(people, admin)[:3]
    department.assign_reviewers(BATCH, scenario.title, ["陈明哲", "林佳", "王海涛"], tasks=3)
    for reviewer in reviewers:
        reviewer.log_in()
        reviewer.score_all({PROPOSAL.title: ("26", "25", "17", "17")})
    department.decide(BATCH, scenario.title, LEAD.name, "雷视融合方案成熟，三家单位分工明确。")
    department.announce()

    visitor = people(Person)
    visitor.go_home()
    visitor.open_announcement(scenario.title)
    winners = visitor.page.locator("dd").filter(has_text=PROPOSAL.title)
    expect(winners).to_contain_text(f"{LEAD.name}（牵头）")
    expect(winners).to_contain_text(FIRST.name)
    expect(winners).to_contain_text(SECOND.name)
    axe_audit(visitor.page)
