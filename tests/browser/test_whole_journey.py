"""The whole journey in the browser: from an enterprise's registration to 揭榜成功 on the public results
page, and a buyer finding a 首台（套）product by a Chinese sub-word. Every person has a browser of their own."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Admin,
    Company,
    Department,
    Person,
    ProductText,
    ProposalText,
    Reviewer,
    ScenarioText,
    pdf,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第四批中国视谷重点场景机会清单"
WINNER = Company("杭州睿热光电科技有限公司", make_uscc("91330110MA2J4L6R8"), "余杭区", "钟磊", "0571-88102233",
                 "zhong.lei@ruire.example.cn", "Ruire#Thermal2025")
RUNNER_UP = Company("杭州视芯微电子有限公司", make_uscc("91330108MA2K7N3T5"), "滨江区", "吴婧", "0571-86778899",
                    "wu.jing@shixin.example.cn", "Shixin#Chip2025")
REVIEWERS = [("陈明哲", "浙江大学"), ("林佳", "之江实验室"), ("王海涛", "杭州电子科技大学"),
             ("赵雪", "浙江工业大学"), ("孙启航", "西湖大学")]
WINNING = ProposalText("无人机红外热成像外墙渗漏巡检方案", "红外双光吊舱无人机按航线巡检外墙，自动识别热桥与渗漏。",
                       "1. 自主航线覆盖外墙与屋面。\n\n2. 红外图像拼接与温差分析。", 4, "36.50",
                       "红外算法与飞手团队 8 人。")
LOSING = ProposalText("短波红外与热红外融合外墙检测方案", "短波红外相机与热像仪融合，提升渗漏识别率。",
                      "双波段成像，边缘端实时识别。", 5, "39.80", "团队 7 人。")
# Per reviewer, the four criteria of the default rubric (30/30/20/20); the winner is ahead with every one.
SCORES = {WINNING.title: ("27", "26", "18", "17"), LOSING.title: ("22", "21", "15", "16")}
PRODUCT = ProductText("非制冷红外热像仪", "RY-T640", "首台（套）装备", "特殊成像", "国家级", 2024,
                      "氧化钒非制冷探测器 640×512；NETD ≤ 35 mK；测温精度 ±2 ℃",
                      "采用国产氧化钒非制冷红外探测器的手持与固定两用热像仪，内置电力设备测温分析模板。")


def create_reviewers(people, admin):
    reviewers = []
    for number, (name, affiliation) in enumerate(REVIEWERS, start=1):
        reviewer = people(Reviewer)
        reviewer.email, reviewer.password = f"expert{number}@review.example.cn", f"Expert#{number}Review2025"
        admin.create_reviewer(name, affiliation, reviewer.email, reviewer.password)
        reviewers.append(reviewer)
    return reviewers


def test_from_registration_to_public_result(people, live_portal, tmp_path, axe_audit):
    admin, department = signed_in_staff(people, live_portal)

    # Two enterprises register and the admin verifies them.
    winner, runner_up = register_and_verify(people, admin, [WINNER, RUNNER_UP])

    # The department publishes a scenario closing in five days.
    deadline = (live_portal.now() + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("研发楼宇外墙渗漏无人机红外巡检", "特殊成像", "余杭区",
                            "园区研发楼宇外墙需定期排查渗漏、空鼓和热桥。",
                            "识别渗漏位置误差小于 0.5 米，单栋楼宇巡检时间不超过 2 小时。", "40", deadline)
    department.publish_batch_with(BATCH, scenario)

    # Both enterprises take the list with a PDF attachment; each gets a receipt.
    attachment = pdf(tmp_path / "技术方案.pdf")
    receipts = {winner.submit_proposal(scenario.title, WINNING, attachment),
                runner_up.submit_proposal(scenario.title, LOSING, attachment)}
    assert len(receipts) == 2

    # Before the deadline the department sees only how many proposals came in.
    department.open_managed_scenario(BATCH, scenario.title)
    department.page.get_by_role("link", name="揭榜情况").click()
    expect(department.page.get_by_text("2 份", exact=True)).to_be_visible()
    expect(department.page.get_by_text(WINNER.name)).to_have_count(0)

    # The deadline passes; five reviewers are created and assigned.
    live_portal.travel(6 * DAY)
    reviewers = create_reviewers(people, admin)
    department.assign_reviewers(BATCH, scenario.title, [name for name, _org in REVIEWERS])

    # Each reviewer declares no conflict and scores both proposals, blind.
    for reviewer in reviewers:
        reviewer.log_in()
        reviewer.score_all(SCORES)

    # The department decides for the better-ranked proposal and publishes the 公示.
    department.decide(BATCH, scenario.title, WINNER.name, "评审排名第一，技术方案成熟，报价合理。")
    department.announce()
    expect(department.page.get_by_text(WINNER.name).first).to_be_visible()

    # The other enterprise objects during the 公示 and the department answers it.
    runner_up.file_objection(scenario.title, "我方方案的双波段融合识别率更高，请复核技术先进性评分。")
    department.answer_objection(BATCH, scenario.title, "经复核，评分依据充分，维持原结果。")
    runner_up.page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("^消息")).click()
    expect(runner_up.page.get_by_role("heading", name=f"异议已答复（不成立）：{scenario.title}")).to_be_visible()
    axe_audit(runner_up.page)
    runner_up.open_announcement(scenario.title)
    expect(runner_up.page.get_by_text("经复核，评分依据充分，维持原结果。")).to_be_visible()

    # The window ends: the public results page shows 揭榜成功 for the winner.
    live_portal.travel_past_announcement()
    visitor = people(Person)
    visitor.go_home()
    visitor.nav("结果公示")
    row = visitor.page.get_by_role("row").filter(has_text=scenario.title)
    expect(row).to_contain_text("揭榜成功")
    expect(row).to_contain_text(WINNER.name)
    axe_audit(visitor.page)
    row.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).click()
    expect(visitor.page.get_by_role("status").filter(has_text="揭榜成功")).to_be_visible()
    axe_audit(visitor.page)


def test_buyer_finds_product_by_chinese_sub_word(people, live_portal, axe_audit):
    # A newly verified enterprise (still logged in since registering) applies to list its product; the
    # department approves it.
    admin = people(Admin, live_portal.admin)
    admin.log_in()
    firm, = register_and_verify(people, admin, [Company(
        "杭州热眸红外科技有限公司", make_uscc("91330106MA2M8P4W2"), "西湖区", "何静", "0571-85123456",
        "he.jing@remou.example.cn", "Remou#Infrared2025")])
    firm.apply_product(PRODUCT)
    department = people(Department, live_portal.government)
    department.log_in()
    department.approve_product(PRODUCT.name)

    # A buyer searches for 红外, a word inside the product's name, and opens the product.
    buyer = people(Person)
    buyer.go_home()
    buyer.search("红外")
    expect(buyer.page.get_by_role("status")).to_contain_text("找到")
    axe_audit(buyer.page)
    buyer.page.get_by_role("link", name=PRODUCT.name).first.click()
    expect(buyer.page.get_by_role("heading", level=1)).to_contain_text(PRODUCT.name)
    expect(buyer.page.get_by_text(PRODUCT.model).first).to_be_visible()
    axe_audit(buyer.page)
