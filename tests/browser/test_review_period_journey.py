"""The review between the deadline and the ranking, in the browser: the department sets the review period, the
worker's job reminds a reviewer who has not finished (once, however often it runs), and a proposal whose scores
spread too far is discussed by the panel and the department, where its bidder cannot see it."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util import clock
from portal.util.uscc import make_uscc
from tests.browser.live_portal import _portal_env, run_cli
from tests.browser.people import (
    Company,
    ProposalText,
    Reviewer,
    ScenarioText,
    pdf,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第六批中国视谷重点场景机会清单"
FIRST = Company("杭州鹊桥视联科技有限公司", make_uscc("91330106MA2K7L9P4"), "西湖区", "严青", "0571-86223344",
                "yan.qing@queqiao.example.cn", "Queqiao#Vision2025")
SECOND = Company("杭州明镜感知技术有限公司", make_uscc("91330105MA2J8H6D1"), "拱墅区", "邵峰", "0571-88334455",
                 "shao.feng@mingjing.example.cn", "Mingjing#Sense2025")
FLAGGED = ProposalText("地铁隧道病害视觉巡检方案", "巡检车搭载线阵相机，识别渗漏、裂缝与剥落。",
                       "1. 线阵成像。\n\n2. 病害识别与定位。", 6, "72.00", "视觉与轨交团队 10 人。")
CALM = ProposalText("地铁隧道智能巡检装备方案", "轨道巡检机器人配合识别软件。", "装备加软件一体化交付。", 8,
                    "80.00", "装备团队 8 人。")
PANEL = [("章明远", "浙江大学", ("28", "28", "18", "18")), ("宋佳音", "之江实验室", ("15", "15", "10", "10")),
         ("柯一凡", "西湖大学", ("22", "22", "15", "15"))]
CALM_SCORES = ("22", "21", "15", "16")


def _jobs(live_portal) -> None:
    """Run the scheduled jobs that are due now, as the worker beside the portal does on its tick."""
    run_cli(["run-jobs"], _portal_env(live_portal.instance_path, live_portal.clock_file))


def test_a_review_period_a_reminder_and_the_discussion_of_a_flagged_proposal(people, live_portal, tmp_path,
                                                                            axe_audit):
    admin, department = signed_in_staff(people, live_portal)
    firms = register_and_verify(people, admin, [FIRST, SECOND])
    deadline = (live_portal.now() + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("地铁隧道病害智能巡检", "工业视觉", "西湖区", "隧道巡检依靠人工夜间步行，效率低。",
                            "裂缝识别宽度不大于 0.2 毫米。", "90", deadline)
    department.publish_batch_with(BATCH, scenario)
    attachment = pdf(tmp_path / "技术方案.pdf")
    firms[0].submit_proposal(scenario.title, FLAGGED, attachment)
    firms[1].submit_proposal(scenario.title, CALM, attachment)

    live_portal.travel(6 * DAY)
    reviewers = []
    for number, (name, org, _scores) in enumerate(PANEL, start=1):
        reviewer = people(Reviewer)
        reviewer.email, reviewer.password = f"tunnel{number}@review.example.cn", f"Tunnel#{number}Review2025"
        admin.create_reviewer(name, org, reviewer.email, reviewer.password)
        reviewers.append(reviewer)

    # The batch page leads straight to the review; the department assigns the panel and sets the period.
    department.nav("场景管理")
    department.page.get_by_role("link", name=BATCH).click()
    department.page.get_by_role("row").filter(has_text=scenario.title).get_by_role("link", name="评审",
                                                                                   exact=True).click()
    assign = department.page.get_by_role("group", name="为全部方案指派")
    for name, _org, _scores in PANEL:
        assign.get_by_label(name).check()
    department.page.locator("#reason").fill("熟悉该场景的技术领域")
    department.page.get_by_role("button", name="指派", exact=True).click()
    department.expect_flash("已新增 6 项评审任务。")
    last_day = clock.to_local(live_portal.now()).date() + timedelta(days=3)
    department.page.get_by_label("评审截止日期").fill(last_day.isoformat())
    department.page.get_by_role("button", name="保存评审期").click()
    department.expect_flash("评审期已保存。")
    axe_audit(department.page)

    # Two days before the end the job reminds every reviewer with unfinished reviews, once however often it runs.
    live_portal.travel(2 * DAY)
    _jobs(live_portal)
    _jobs(live_portal)
    slow = reviewers[1]
    slow.log_in()
    expect(slow.page).to_have_url(live_portal.url("/reviewing/"))  # a reviewer lands on its task list
    slow.page.goto(live_portal.url("/notifications/"))
    expect(slow.page.get_by_role("heading", name=f"评审即将截止：{scenario.title}")).to_have_count(1)
    axe_audit(slow.page)

    # The panel scores; proposal A's totals spread 42 points, so the ranking flags it 需讨论.
    for reviewer, (_name, _org, scores) in zip(reviewers, PANEL, strict=True):
        if reviewer is not slow:
            reviewer.log_in()
        reviewer.score_all({FLAGGED.title: scores, CALM.title: CALM_SCORES})

    department.page.goto(live_portal.url("/manage/"))
    department.page.get_by_role("link", name=BATCH).click()
    department.page.get_by_role("row").filter(has_text=scenario.title).get_by_role("link", name="排名",
                                                                                   exact=True).click()
    department.page.get_by_role("row").filter(has_text=FIRST.name).get_by_role("link", name="需讨论").click()
    department.page.get_by_role("textbox", name="发言").fill("宋佳音专家的总分明显偏低，请说明评分依据。")
    department.page.get_by_role("button", name="发表").click()
    department.expect_flash("发言已发表，其他参与者会收到通知。")
    thread = department.page.url
    axe_audit(department.page)

    # The reviewer is told, replies from its task list, and the department reads the reply.
    slow.page.goto(live_portal.url("/notifications/"))
    expect(slow.page.get_by_role("heading", name="方案 A 的讨论有新发言")).to_be_visible()
    slow.nav("评审任务")
    slow.page.get_by_role("link", name="需讨论").first.click()
    expect(slow.page.get_by_text("请说明评分依据")).to_be_visible()
    slow.page.get_by_role("textbox", name="发言").fill("该方案线阵成像的夜间实测数据不足，故技术先进性打分偏低。")
    slow.page.get_by_role("button", name="发表").click()
    slow.expect_flash("发言已发表")
    department.page.reload()
    expect(department.page.get_by_text("夜间实测数据不足")).to_be_visible()

    # The bidder (signed in since it registered) never sees the discussion.
    response = firms[0].page.goto(thread)
    assert response is not None and response.status == 403
    expect(firms[0].page.get_by_text("夜间实测数据不足")).to_have_count(0)
