"""答疑 in the browser: a department publishes, a verified enterprise asks, the department answers without learning
who asked, and the public reads the answer on the scenario page — with the asker named nowhere."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Company,
    Person,
    ScenarioText,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

BATCH = "2025年第六批中国视谷重点场景机会清单"
ASKER = Company("杭州问渠视觉科技有限公司", make_uscc("91330106MA2R7T4K9"), "西湖区", "庞清", "0571-86334455",
                "pang.qing@wenqu.example.cn", "Wenqu#Vision2025")
QUESTION = "验收时的识别准确率按什么样本测定？样本由谁提供？"
ANSWER = "按发布单位提供的 2000 张现场图片测定，样本在签约后提供。"


def test_an_enterprise_asks_the_department_answers_the_public_reads(people, live_portal, new_page):
    admin, department = signed_in_staff(people, live_portal)
    [asker] = register_and_verify(people, admin, [ASKER])
    deadline = (live_portal.now() + timedelta(days=12)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("园区周界入侵智能识别", "数字安防", "西湖区", "园区周界依靠人工巡逻，夜间漏报多。",
                            "入侵识别准确率不低于 98%，误报每日不超过 3 次。", "60", deadline)
    department.publish_batch_with(BATCH, scenario)

    # The enterprise asks from the scenario page; an empty question is refused on the page, in Chinese.
    asker.open_scenario(scenario.title)
    asker.page.get_by_role("link", name="我要提问").click()
    asker.checkpoint()
    asker.page.get_by_role("button", name="提交问题").click()
    expect(asker.page.get_by_text("请填写问题。").first).to_be_visible()
    asker.page.get_by_label("问题").fill(QUESTION)
    asker.page.get_by_role("button", name="提交问题").click()
    asker.expect_flash("问题已提交。")
    expect(asker.page.get_by_text("待答复")).to_be_visible()

    # The department reads the question, told that the asker is not disclosed, and answers it in public.
    department.open_managed_scenario(BATCH, scenario.title)
    department.page.get_by_role("link", name="管理答疑").click()
    department.checkpoint()
    expect(department.page.get_by_text("提问单位对发布单位匿名")).to_be_visible()
    expect(department.page.get_by_text(QUESTION)).to_be_visible()
    expect(department.page.get_by_text(ASKER.name)).to_have_count(0)
    department.page.get_by_role("link", name="答复", exact=True).click()
    department.checkpoint()
    department.page.get_by_label("答复", exact=True).fill(ANSWER)
    department.page.get_by_role("button", name="公开答复").click()
    department.expect_flash("答复已公开")

    # Anyone reads the answer on the scenario page; nobody is told who asked.
    visitor = Person(new_page())
    visitor.go_home()
    visitor.open_scenario(scenario.title)
    section = visitor.page.locator("#clarifications")
    expect(section.get_by_text(QUESTION)).to_be_visible()
    expect(section.get_by_text(ANSWER)).to_be_visible()
    expect(visitor.page.get_by_text(ASKER.name)).to_have_count(0)

    # The asker sees its question answered, marked as its own.
    asker.open_scenario(scenario.title)
    expect(asker.page.locator("#clarifications").get_by_text("贵单位的提问")).to_be_visible()
