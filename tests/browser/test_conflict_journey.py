"""The 揭榜挂帅 journey with automatic 回避, in the browser: a reviewer whose employer is a bidder, written another
way, is kept out of that proposal by the portal and the department sees why; another reviewer recuses after
having read a proposal and the department assigns a replacement; the review ends in 揭榜成功."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.util.uscc import make_uscc
from tests.browser.people import (
    Company,
    Person,
    ProposalText,
    Reviewer,
    ScenarioText,
    pdf,
    register_and_verify,
    signed_in_staff,
)

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第五批中国视谷重点场景机会清单"
# The bidder registered under one spelling; the reviewer's employer is the same company written another way.
BIDDER = Company("澜图视觉科技（杭州）有限责任公司", make_uscc("91330108MA2N6Q8R3"), "滨江区", "骆文", "0571-86112233",
                 "luo.wen@lantu.example.cn", "Lantu#Vision2025")
RIVAL = Company("杭州禾光智能装备有限公司", make_uscc("91330110MA2P3W5T7"), "余杭区", "葛敏", "0571-88223344",
                "ge.min@heguang.example.cn", "Heguang#Equip2025")
EMPLOYER = "杭州澜图视觉科技有限公司"
INSIDER = ("蒋一鸣", EMPLOYER)
CLEAN = [("钱立群", "浙江大学"), ("吕思远", "之江实验室"), ("卫明轩", "西湖大学"), ("褚文静", "杭州电子科技大学")]
REPLACEMENT = ("沈若溪", "浙江工业大学")
RECUSAL = "阅读方案后发现本人所在课题组与该单位有在研合作项目。"
BIDDING = ProposalText("港区集装箱视觉识别与理货方案", "岸桥摄像头识别箱号、箱型与残损，自动生成理货单。",
                       "1. 多机位箱号识别。\n\n2. 残损检测与留档。", 6, "58.00", "视觉算法团队 12 人。")
RIVALLING = ProposalText("港区集装箱智能理货装备方案", "门式理货装备配合识别软件，覆盖全部岸桥。",
                         "装备加软件一体化交付。", 8, "66.00", "装备与软件团队 9 人。")
SCORES = {BIDDING.title: ("26", "25", "18", "17"), RIVALLING.title: ("22", "21", "15", "16")}


def _reviewer(people, admin, number, name, employer):
    reviewer = people(Reviewer)
    reviewer.email, reviewer.password = f"panel{number}@review.example.cn", f"Review#{number}Lantu2025"
    admin.create_reviewer(name, employer, reviewer.email, reviewer.password)
    return reviewer


def test_a_reviewer_employed_by_the_bidder_under_another_spelling_is_kept_out(people, live_portal, tmp_path,
                                                                              axe_audit):
    admin, department = signed_in_staff(people, live_portal)

    # Two enterprises register and are verified; the department publishes a scenario; both take the list.
    firms = register_and_verify(people, admin, [BIDDER, RIVAL])
    deadline = (live_portal.now() + timedelta(days=5)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("港区集装箱智能理货", "工业视觉", "滨江区", "集装箱理货依靠人工抄录，效率低、差错多。",
                            "箱号识别准确率不低于 99%，单箱处理时间不超过 3 秒。", "80", deadline)
    department.publish_batch_with(BATCH, scenario)
    attachment = pdf(tmp_path / "技术方案.pdf")
    firms[0].submit_proposal(scenario.title, BIDDING, attachment)
    firms[1].submit_proposal(scenario.title, RIVALLING, attachment)

    # The deadline passes. The admin creates the reviewers, one of them employed by 「杭州澜图视觉科技有限公司」.
    live_portal.travel(6 * DAY)
    insider = _reviewer(people, admin, 1, *INSIDER)
    clean = [_reviewer(people, admin, n, name, org) for n, (name, org) in enumerate(CLEAN, start=2)]
    replacement = _reviewer(people, admin, 9, *REPLACEMENT)

    # Five reviewers for two proposals: nine reviews, the insider's review of its employer's bid excluded.
    department.assign_reviewers(BATCH, scenario.title, [INSIDER[0], *(name for name, _org in CLEAN)], tasks=9)
    department.expect_flash("1 项因专家利益冲突信息与揭榜单位匹配而自动回避")
    card = department.progress_of(BIDDER.name)
    row = card.get_by_role("row").filter(has_text=INSIDER[0])
    expect(row).to_contain_text("自动回避")
    expect(row).to_contain_text(f"现工作单位“{EMPLOYER}”")
    expect(row).to_contain_text(f"揭榜单位“{BIDDER.name}”单位名称规范化后相同")
    expect(department.progress_of(RIVAL.name).get_by_role("row").filter(has_text=INSIDER[0])).to_contain_text("待声明")
    axe_audit(department.page)

    # The insider sees its employer in its conflict profile and only the rival's proposal among its tasks.
    insider.log_in()
    insider.nav("评审任务")
    insider.page.get_by_role("link", name="我的利益冲突信息").click()
    expect(insider.page.get_by_role("textbox", name="现工作单位")).to_have_value(EMPLOYER)
    axe_audit(insider.page)
    assert insider.pending_tasks() == 1
    insider.score_all(SCORES, tasks=1)

    # A reviewer declares no conflict, reads a proposal, then recuses with a reason.
    recusing = clean[-1]
    recusing.log_in()
    recusing.open_first_task()
    recusing.recuse(RECUSAL)
    assert recusing.pending_tasks() == 1

    # The department sees the recusal and its reason, and assigns a replacement to that proposal.
    department.open_review(BATCH, scenario.title)
    expect(department.progress_of(RECUSAL).get_by_role("row").filter(has_text=CLEAN[-1][0])).to_contain_text("声明回避")
    department.assign_replacement(RECUSAL, f"{REPLACEMENT[0]}（{REPLACEMENT[1]}）")

    # Everyone else scores; the bid with the insider's employer is ranked without the insider.
    recusing.score_all(SCORES, tasks=1)
    replacement.log_in()
    replacement.score_all(SCORES, tasks=1)
    for reviewer in clean[:-1]:
        reviewer.log_in()
        reviewer.score_all(SCORES)

    department.decide(BATCH, scenario.title, BIDDER.name, "评审排名第一，识别方案成熟，报价合理。")
    department.announce()

    # The 公示 ends without objections: 揭榜成功 on the public results page.
    live_portal.travel_past_announcement()
    visitor = people(Person)
    visitor.go_home()
    visitor.nav("结果公示")
    result = visitor.page.get_by_role("row").filter(has_text=scenario.title)
    expect(result).to_contain_text("揭榜成功")
    expect(result).to_contain_text(BIDDER.name)
    expect(visitor.page.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2}")).first).to_be_visible()
