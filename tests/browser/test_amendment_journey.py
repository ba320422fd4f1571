"""变更公告 in the browser: three days before the deadline a department changes the requirements; the portal
refuses the change until the deadline moves far enough (keeping what was typed), then publishes it with its diff;
the enterprise that had already submitted sees 需确认 on its proposal and confirms it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Company,
    ProposalText,
    ScenarioText,
    pdf,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第六批中国视谷重点场景机会清单"
BIDDER = Company("杭州云栖视界科技有限公司", make_uscc("91330106MA2Q7K4L9"), "西湖区", "孔立新", "0571-85667788",
                 "kong.lixin@yunqi.example.cn", "Yunqi#Vision2025")
PROPOSAL = ProposalText("园区周界视觉入侵检测方案", "周界摄像头识别翻越与徘徊，十秒内告警。",
                        "1. 多目标跟踪。\n\n2. 夜间红外补光。", 5, "45.00", "算法与集成团队 8 人。")
NEW_REQUIREMENTS = "翻越识别准确率不低于 98%，告警延迟不超过 5 秒，支持夜间无补光识别。"
REASON = "试点园区夜间不允许补光，相应调整技术要求。"


def test_a_late_change_of_requirements_moves_the_deadline_and_the_bidder_confirms(people, live_portal, tmp_path,
                                                                                  axe_audit):
    admin, department = signed_in_staff(people, live_portal)
    [firm] = register_and_verify(people, admin, [BIDDER])

    deadline = (live_portal.now() + timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("园区周界智能安防", "数字安防", "西湖区", "园区周界依靠人工巡逻，夜间盲区多。",
                            "翻越识别准确率不低于 95%，告警延迟不超过 10 秒。", "60", deadline)
    department.publish_batch_with(BATCH, scenario)
    firm.submit_proposal(scenario.title, PROPOSAL, pdf(tmp_path / "方案.pdf"))

    # Seven days later three days remain: fewer than the five a change must leave.
    live_portal.travel(7 * DAY)
    department.open_managed_scenario(BATCH, scenario.title)
    department.page.get_by_role("link", name="发布变更公告").click()
    form = department.page
    form.get_by_label("技术要求").fill(NEW_REQUIREMENTS)
    form.get_by_label("变更原因").fill(REASON)
    department.checkpoint()
    form.get_by_role("button", name="发布变更公告").click()
    expect(form.locator("#deadline-error")).to_contain_text("距揭榜截止已不足 5 天")
    expect(form.get_by_label("技术要求")).to_have_value(NEW_REQUIREMENTS)
    expect(form.get_by_label("变更原因")).to_have_value(REASON)

    new_deadline = (live_portal.now() + timedelta(days=6)).replace(second=0, microsecond=0)
    form.get_by_label("揭榜截止时间").fill(new_deadline.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="发布变更公告").click()
    department.expect_flash("变更公告已发布。")
    notice = form.locator("#amendments")
    expect(notice.get_by_role("heading", name=re.compile("第 1 号变更公告"))).to_be_visible()
    expect(notice).to_contain_text(REASON)
    expect(notice.locator("del").filter(has_text="不低于 95%")).to_be_visible()
    expect(notice.locator("ins").filter(has_text="不低于 98%")).to_be_visible()
    expect(form.locator("dl.facts")).to_contain_text(new_deadline.strftime("%Y-%m-%d %H:%M"))

    # The bidder, who submitted before the change, must confirm before the new deadline.
    firm.page.goto("/my/proposals")
    firm.page.get_by_role("row").filter(has_text=scenario.title).get_by_role("link", name="详情").click()
    waiting = firm.page.locator("#needs-confirmation")
    expect(waiting).to_contain_text("需确认")
    expect(waiting).to_contain_text(new_deadline.strftime("%Y-%m-%d %H:%M"))
    firm.checkpoint()
    waiting.get_by_role("button", name="确认方案仍然有效").click()
    firm.expect_flash("已确认：贵单位的方案按变更后的要求继续有效。")
    expect(firm.page.locator("#needs-confirmation")).to_have_count(0)
