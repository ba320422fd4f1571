"""Two-way matchmaking in the browser: an enterprise publishes a capability, an admin approves it, the department
sees it suggested on its open scenario with the reason and invites the enterprise to bid; the enterprise finds the
invitation and opens the bid form."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Admin,
    Company,
    Enterprise,
    ScenarioText,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

BATCH = "2025年第七批中国视谷重点场景机会清单"
MAKER = Company("杭州守界智能科技有限公司", make_uscc("91330106MA2R8K3L5"), "西湖区", "郑岚", "0571-86557788",
                "zheng.lan@shoujie.example.cn", "Shoujie#Guard2025")
CAPABILITY = "园区周界入侵雷达视频联动识别"


def publish_capability(enterprise: Enterprise) -> None:
    enterprise.go_home()
    enterprise.nav("我的能力")
    enterprise.page.get_by_role("link", name="发布能力").click()
    enterprise.page.get_by_label("能力名称").fill(CAPABILITY)
    enterprise.page.get_by_label("所属领域").select_option(label="数字安防")
    enterprise.page.get_by_label("技术领域").select_option(label="安检与周界防范")
    enterprise.page.get_by_label("成熟度").select_option(label="规模应用")
    enterprise.page.get_by_label("能力简介").fill("毫米波雷达与热成像摄像机联动，对园区周界翻越、入侵全天候识别报警，"
                                              "夜间有效，误报每日少于 1 次。")
    enterprise.page.get_by_label("已交付案例").fill("西湖区两个产业园区周界防范。")
    enterprise.checkpoint()
    enterprise.page.get_by_role("button", name="保存草稿").click()
    enterprise.expect_flash("草稿已保存")
    enterprise.page.get_by_role("button", name="提交审核").click()
    enterprise.expect_flash(f"已提交审核：{CAPABILITY}")


def approve_capability(admin: Admin) -> None:
    admin.nav("能力审核")
    admin.checkpoint()
    admin.page.get_by_role("row").filter(has_text=CAPABILITY).get_by_role("button", name="审核通过并公开").click()
    admin.expect_flash(f"已公开：{CAPABILITY}")


def test_a_fitting_capability_is_suggested_and_its_enterprise_invited_to_bid(people, live_portal):
    admin, department = signed_in_staff(people, live_portal)
    [maker] = register_and_verify(people, admin, [MAKER])
    publish_capability(maker)
    approve_capability(admin)

    deadline = (live_portal.now() + timedelta(days=15)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("产业园区周界入侵智能识别", "数字安防", "西湖区",
                            "园区周界依靠人工巡逻，夜间翻越围栏漏报多。",
                            "周界入侵识别准确率不低于 98%，夜间有效，误报每日不超过 3 次。", "80", deadline)
    department.publish_batch_with(BATCH, scenario)

    # The department sees the capability suggested on its scenario, with the reason (the index follows the
    # worker, so the page is read again until the suggestion is there).
    department.open_scenario(scenario.title)
    box = department.page.locator("section", has=department.page.get_by_role("heading", name="可能匹配的能力"))
    for _attempt in range(40):
        if box.get_by_role("link", name=CAPABILITY).count():
            break
        department.page.wait_for_timeout(500)
        department.page.reload()
    expect(box.get_by_role("link", name=CAPABILITY)).to_be_visible()
    expect(box.get_by_text("匹配理由")).to_be_visible()
    expect(box.get_by_text("同属数字安防")).to_be_visible()
    department.checkpoint()
    box.get_by_role("button", name="邀请揭榜").click()
    department.expect_flash(f"已邀请{MAKER.name}揭榜。")
    expect(box.get_by_text("已邀请揭榜")).to_be_visible()

    # The enterprise finds the invitation among its capabilities and opens the bid form from it.
    maker.go_home()
    maker.nav("我的能力")
    maker.page.get_by_role("link", name="收到的揭榜邀请").click()
    maker.checkpoint()
    row = maker.page.get_by_role("row").filter(has_text=scenario.title)
    expect(row.get_by_text(CAPABILITY)).to_be_visible()
    row.get_by_role("link", name="去揭榜").click()
    expect(maker.page.get_by_label("方案名称")).to_be_visible()
