"""An objection upheld in the browser: the department finds it partly right and decides again, a new 公示 runs
and ends in 揭榜成功 with the first one kept on record, and the losing bidder reads its own scores and the experts'
comments under letters, never their names."""

import re
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
BATCH = "2025年第五批城市治理场景机会清单"
WINNER = Company("杭州澜视智能科技有限公司", make_uscc("91330105MA2P3Q8X1"), "拱墅区", "许航", "0571-88001122",
                 "xu.hang@lanshi.example.cn", "Lanshi#Vision2025")
LOSER = Company("杭州溪谷感知技术有限公司", make_uscc("91330109MA2R6T2Y4"), "萧山区", "方琳", "0571-82003344",
                "fang.lin@xigu.example.cn", "Xigu#Sensing2025")
WINNING = ProposalText("河道漂浮物视觉识别与告警方案", "岸基摄像机识别漂浮物并自动告警。", "多尺度目标检测与跟踪。", 3,
                       "28.00", "算法团队 6 人。")
LOSING = ProposalText("河道漂浮物无人船巡检方案", "无人船定线巡检并回传识别结果。", "无人船与视觉识别结合。", 6,
                      "33.00", "团队 5 人。")
SCORES = {WINNING.title: ("27", "26", "18", "17"), LOSING.title: ("22", "21", "15", "16")}


def test_an_upheld_objection_leads_to_a_new_announcement_and_the_loser_reads_its_feedback(
        people, live_portal, tmp_path, axe_audit):
    admin, department = signed_in_staff(people, live_portal)
    winner, loser = register_and_verify(people, admin, [WINNER, LOSER])
    deadline = (live_portal.now() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("河道漂浮物智能识别", "其他/多元", "萧山区", "城区河道需及时发现漂浮物。",
                            "识别准确率不低于 90%。", "35", deadline)
    department.publish_batch_with(BATCH, scenario)
    attachment = pdf(tmp_path / "方案.pdf")
    winner.submit_proposal(scenario.title, WINNING, attachment)
    loser.submit_proposal(scenario.title, LOSING, attachment)

    live_portal.travel(4 * DAY)
    reviewers = create_reviewers(people, admin)[:3]
    names = [r.email for r in reviewers]
    department.assign_reviewers(BATCH, scenario.title, ["陈明哲", "林佳", "王海涛"])
    for reviewer in reviewers:
        reviewer.log_in()
        reviewer.score_all(SCORES)

    # At phone width the ranking keeps bidder names on a line (the table scrolls instead).
    department.open_review(BATCH, scenario.title)
    department.page.get_by_role("link", name="评审排名").click()
    department.page.set_viewport_size({"width": 375, "height": 800})
    name_cell = department.page.locator("td.ranking-name").first
    assert name_cell.bounding_box()["width"] >= 150
    department.page.set_viewport_size({"width": 1280, "height": 900})

    department.decide(BATCH, scenario.title, WINNER.name, "评审排名第一，报价最低。")
    department.announce()

    loser.file_objection(scenario.title, "定榜理由称报价最低，但我方报价单位为万元/年，比较口径不一致。")
    department.answer_objection(BATCH, scenario.title, "报价比较口径确有不一致，定榜理由需更正；技术评分不受影响。",
                                outcome="部分成立", consequence="重新定榜")
    department.expect_flash("原公示已终止并存档")

    # The public sees the first 公示 on record, ended, while the new decision is prepared.
    loser.open_announcement(scenario.title)
    history = loser.page.get_by_role("region", name="历次公示")
    expect(history).to_contain_text("第 1 次公示")
    expect(history).to_contain_text("部分成立")
    expect(history).to_contain_text("比较口径不一致")  # its own objection, with the answer
    axe_audit(loser.page)

    department.decide(BATCH, scenario.title, WINNER.name, "评审排名第一，技术方案成熟；报价按统一口径比较后合理。")
    department.announce()
    live_portal.travel_past_announcement()  # five working days, whatever the weekday

    # The new 公示 ended with nothing open: 揭榜成功, and the results page names the winner.
    visitor = people(Person)
    visitor.go_home()
    visitor.nav("结果公示")
    row = visitor.page.get_by_role("row").filter(has_text=scenario.title)
    expect(row).to_contain_text("揭榜成功")
    expect(row).to_contain_text(WINNER.name)

    # The losing bidder reads its own total, place and the experts' comments, under letters.
    loser.open_announcement(scenario.title)
    expect(loser.page.get_by_role("status").filter(has_text="揭榜成功")).to_be_visible()
    loser.page.get_by_role("link", name="查看本单位方案的评审反馈").click()
    page = loser.page
    expect(page.get_by_role("heading", name=re.compile("^评审反馈"))).to_be_visible()
    expect(page.get_by_text("第 2 名（共 2 个方案）")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^评审专家 A"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("^评审专家 C"))).to_be_visible()
    expect(page.get_by_text("方案完整，指标可验证。").first).to_be_visible()
    content = page.content()
    for name in ("陈明哲", "林佳", "王海涛", WINNER.name, *names):
        assert name not in content
    axe_audit(page)
