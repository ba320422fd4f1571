"""专家库 and the random draw, in the browser: the admin records the experts' fields, one expert keeps its own, the
department draws five experts for a closed scenario, and the page shows the seed and the candidate list from
which the draw is recomputed here, by the rule the page states, giving the same five; the panel is marked
随机抽取 on the ranking page."""

import hashlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
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
BATCH = "2026年第一批中国视谷工业视觉场景机会清单"
BIDDER = Company("杭州睿瞳工业视觉有限公司", make_uscc("91330108MA2N7R9T4"), "滨江区", "许诺", "0571-86334455",
                 "xu.nuo@ruitong.example.cn", "Ruitong#Vision2026")
PROPOSAL = ProposalText("锂电极片表面缺陷视觉检测方案", "线阵相机加深度学习检测极片表面缺陷。",
                        "1. 多光源成像。\n\n2. 缺陷分类与追溯。", 6, "45.00", "视觉算法团队 10 人。")
# Seven experts of 机器视觉检测, one of ultrasound, and one employed by the bidder: the pool is the seven.
VISION = [("顾清远", "浙江大学"), ("方若琳", "之江实验室"), ("唐启明", "西湖大学"), ("严书华", "杭州电子科技大学"),
          ("邵一帆", "浙江工业大学"), ("柯明哲", "中国计量大学"), ("陆星河", "浙江理工大学")]
ULTRASOUND = ("苏静怡", "浙江省人民医院")
INSIDER = ("韩立诚", BIDDER.name)


def test_a_department_draws_five_experts_that_anyone_can_recompute(people, live_portal, tmp_path, axe_audit):
    admin, department = signed_in_staff(people, live_portal)

    [firm] = register_and_verify(people, admin, [BIDDER])
    deadline = (live_portal.now() + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("锂电极片缺陷在线检测", "工业视觉", "钱塘区", "极片缺陷依靠人工抽检，漏检率高。",
                            "机器视觉检测覆盖全部涂布线，缺陷检出率不低于 99%。", "60", deadline)
    department.publish_batch_with(BATCH, scenario)
    firm.submit_proposal(scenario.title, PROPOSAL, pdf(tmp_path / "技术方案.pdf"))
    live_portal.travel(6 * DAY)

    # The admin creates the experts and records their fields; one expert keeps its own profile.
    experts = [*VISION, ULTRASOUND, INSIDER]
    accounts = {}
    for n, (name, employer) in enumerate(experts, start=1):
        email, password = f"expert{n}@pool.example.cn", f"Expert#{n}Pool2026"
        admin.create_reviewer(name, employer, email, password)
        accounts[name] = (email, password)
    for name, _employer in experts[1:]:
        admin.open_admin("账号管理")
        admin.page.get_by_role("row").filter(has_text=name).get_by_role("link", name="专家库信息").click()
        field = "超声影像" if name == ULTRASOUND[0] else "机器视觉检测"
        admin.page.get_by_label(field, exact=True).check()
        admin.page.get_by_label("所在区县市").select_option(label="西湖区")
        admin.checkpoint()
        admin.page.get_by_role("button", name="保存专家信息").click()
        admin.expect_flash(f"{name} 的专家库信息已保存。")

    first = people(Reviewer)
    first.email, first.password = accounts[VISION[0][0]]
    first.log_in()
    first.page.get_by_role("link", name="我的专家库信息").click()
    first.page.get_by_role("button", name="保存专家信息").click()
    expect(first.page.get_by_text("请至少选择一个专业领域。")).to_be_visible()
    first.page.get_by_label("机器视觉检测", exact=True).check()
    first.checkpoint()
    first.page.get_by_role("button", name="保存专家信息").click()
    first.expect_flash("专家库信息已保存。")

    # The department asks for too many and is told how many there are; then draws five with two standbys.
    department.open_review(BATCH, scenario.title)
    department.page.get_by_role("link", name="随机抽取专家", exact=True).click()
    page = department.page
    expect(page.get_by_label("机器视觉检测", exact=True)).to_be_checked()  # the scenario's own field, proposed
    page.get_by_label("抽取人数").select_option("5")
    page.get_by_label("替补人数").select_option("3")
    page.get_by_role("button", name="随机抽取").click()
    expect(page.get_by_text("符合条件的专家只有 7 位")).to_be_visible()
    page.get_by_label("替补人数").select_option("2")
    department.checkpoint()
    page.get_by_role("button", name="随机抽取").click()
    department.expect_flash("已随机抽取 5 位专家并指派评审，另有 2 位替补。")

    # Recompute from what the page shows: the seed and the candidate list, by the rule it states.
    record = page.locator(".draw-record").first
    seed = record.locator(".draw-seed").inner_text().strip()
    candidates = [int(i) for i in record.locator("tr[data-candidate]").evaluate_all(
        "rows => rows.map(r => r.dataset.candidate)")]
    size = int(record.locator(".draw-size").inner_text())
    standby = int(record.locator(".draw-standby-count").inner_text())
    shown_drawn = [int(i) for i in record.locator(".draw-drawn li").evaluate_all(
        "items => items.map(i => i.dataset.expert)")]
    shown_standbys = [int(i) for i in record.locator(".draw-standbys li").evaluate_all(
        "items => items.map(i => i.dataset.expert)")]
    assert re.fullmatch(r"[0-9a-f]{16}", seed)
    assert len(candidates) == 7 and (size, standby) == (5, 2)
    ranked = sorted(candidates, key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    assert shown_drawn == ranked[:5] and shown_standbys == ranked[5:7]
    names = {int(row.get_attribute("data-candidate")): row.locator("td").nth(1).inner_text()
             for row in record.locator("tr[data-candidate]").all()}
    assert set(names.values()) == {name for name, _org in VISION}  # neither the ultrasound expert nor the insider

    # The verify page agrees; the ranking page marks the panel 随机抽取.
    record.get_by_role("link", name="按记录重新计算并核对").click()
    expect(page.locator("#verify-result")).to_contain_text("一致")
    department.checkpoint()
    page.get_by_role("link", name="评审排名").click()
    panel = page.get_by_role("region", name="评审专家组")
    for expert_id in shown_drawn:
        expect(panel.locator(f'tr[data-reviewer="{expert_id}"]')).to_contain_text("随机抽取")
    expect(panel.locator("tr")).to_have_count(6)  # the header and the five
