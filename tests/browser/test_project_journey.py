"""After 揭榜成功, in the browser: the department drafts the 任务书 and the winner agrees to it, the winner reports
progress with a file, the department marks the milestone, opens 验收 and invites an expert, the expert gives an
opinion, the department records 通过 with its reason, the winner writes the public case with a picture, and a
visitor finds it in the 场景创新成果 showcase."""

from datetime import timedelta
from urllib.parse import urlsplit

import pypdf
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
from tests.catalogue.conftest import PNG

pytestmark = pytest.mark.browser

DAY = 24 * 3600
BATCH = "2025年第六批城市治理场景机会清单"
WINNER = Company("杭州路眸智能科技有限公司", make_uscc("91330106MA2P4R9X2"), "西湖区", "沈越", "0571-88112233",
                 "shen.yue@lumou.example.cn", "Lumou#Vision2025")
LOSER = Company("杭州道衡检测技术有限公司", make_uscc("91330110MA2R7T3Y5"), "余杭区", "韩青", "0571-82114455",
                "han.qing@daoheng.example.cn", "Daoheng#Test2025")
WINNING = ProposalText("道路病害车载视觉巡检方案", "公交车载相机采集路面图像，自动识别坑槽与裂缝。",
                       "轻量化检测模型。", 6, "45.00", "算法与运维团队 7 人。")
LOSING = ProposalText("道路病害人工复核巡检方案", "巡检车采集后人工复核。", "人机结合。", 8, "52.00", "团队 5 人。")
SCORES = {WINNING.title: ("27", "26", "18", "17"), LOSING.title: ("22", "21", "15", "16")}


def open_project(person, title):
    person.nav("项目")
    person.page.get_by_role("link", name=title).first.click()
    expect(person.page.get_by_role("heading", level=1)).to_have_text(title)


def check_application_pdf(bidder, receipt):
    """The 申报书 from the receipt page: a PDF naming the receipt, whose link (the QR code's) verifies it."""
    with bidder.page.expect_download() as download:
        bidder.page.get_by_role("link", name="下载申报书（PDF）").click()
    reader = pypdf.PdfReader(download.value.path())
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert receipt in text and "揭榜挂帅方案申报书" in text
    links = [str(a.get_object()["/A"]["/URI"]) for a in reader.pages[0].get("/Annots", []) if "/A" in a.get_object()]
    verify = next(url for url in links if f"/verify?receipt={receipt}" in url)
    assert verify in text
    target = urlsplit(verify)
    bidder.page.goto(f"{target.path}?{target.query}")
    expect(bidder.page.get_by_text("一致：该回执编号与摘要对应平台保存的一次提交。")).to_be_visible()


def test_from_a_final_result_through_acceptance_to_the_showcase(people, live_portal, tmp_path, axe_audit):
    admin, department = signed_in_staff(people, live_portal)
    winner, loser = register_and_verify(people, admin, [WINNER, LOSER])
    deadline = (live_portal.now() + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    scenario = ScenarioText("道路病害智能巡检", "其他/多元", "西湖区", "城区道路需及时发现坑槽与裂缝。",
                            "识别准确率不低于 90%。", "50", deadline)
    department.publish_batch_with(BATCH, scenario)
    attachment = pdf(tmp_path / "方案.pdf")
    receipt = winner.submit_proposal(scenario.title, WINNING, attachment)
    check_application_pdf(winner, receipt)
    loser.submit_proposal(scenario.title, LOSING, attachment)
    live_portal.travel(4 * DAY)
    reviewers = create_reviewers(people, admin)
    department.assign_reviewers(BATCH, scenario.title, ["陈明哲", "林佳", "王海涛"])
    for reviewer in reviewers[:3]:
        reviewer.log_in()
        reviewer.score_all(SCORES)
    department.decide(BATCH, scenario.title, WINNER.name, "评审排名第一。")
    department.announce()
    live_portal.travel_past_announcement()

    # 揭榜成功 by the clock: the department's project list opens the project.
    open_project(department, scenario.title)
    page = department.page
    page.get_by_role("button", name="拟定任务书").click()
    department.expect_flash("已新建任务书草稿")
    page.get_by_label("里程碑名称").fill("试点路段部署")
    page.get_by_label("完成日期").fill((live_portal.now() + timedelta(days=20)).date().isoformat())
    page.get_by_label("交付物").fill("部署报告与识别准确率测试报告")
    page.get_by_role("button", name="添加里程碑").click()
    department.expect_flash("已添加里程碑。")
    page.get_by_role("button", name="发送揭榜单位确认").click()
    department.expect_flash("任务书已发送揭榜单位确认。")

    open_project(winner, scenario.title)
    winner.page.get_by_role("button", name="确认任务书").click()
    winner.expect_flash("已确认任务书")
    axe_audit(winner.page)
    winner.page.get_by_label("进展情况").fill("试点路段已部署 12 台车载相机。")
    winner.page.get_by_label("附件").set_input_files(str(pdf(tmp_path / "部署报告.pdf")))
    winner.page.get_by_role("button", name="提交进展报告").click()
    winner.expect_flash("进展报告已提交。")

    open_project(department, scenario.title)
    expect(page.get_by_text("试点路段已部署 12 台车载相机。")).to_be_visible()
    page.get_by_role("button", name="标记").click()
    department.expect_flash("已记录里程碑完成情况。")
    page.get_by_role("button", name="启动验收").click()
    department.expect_flash("已启动验收")
    page.get_by_label("验收专家").select_option(label="赵雪（浙江工业大学）")
    page.get_by_role("button", name="邀请").click()
    department.expect_flash("已邀请专家")

    expert = reviewers[3]
    expert.log_in()
    expert.nav("项目")
    expert.page.get_by_role("link", name=scenario.title).click()
    expert.page.get_by_label("建议结论").select_option(label="通过")
    expert.page.get_by_label("验收意见").fill("部署完整，实测准确率 93%，达到任务书要求。")
    expert.page.get_by_role("button", name="提交验收意见").click()
    expert.expect_flash("验收意见已提交。")

    open_project(department, scenario.title)
    expect(page.get_by_text("实测准确率 93%")).to_be_visible()
    page.get_by_label("验收结论").select_option(label="通过")
    page.get_by_label("理由").fill("专家意见一致，交付物齐全。")
    page.get_by_role("button", name="记录并公开验收结论").click()
    department.expect_flash("验收结论已记录并公开。")

    open_project(winner, scenario.title)
    winner.page.get_by_role("link", name="编辑场景创新成果").click()
    winner.page.get_by_label("成果简介").fill("公交车载相机巡检道路病害，发现即派单。")
    winner.page.get_by_label("实测效果").fill("坑槽识别准确率 93%，巡检成本下降 60%。")
    winner.page.get_by_role("button", name="保存成果信息").click()
    winner.expect_flash("成果信息已保存。")
    picture = tmp_path / "巡检车.png"
    picture.write_bytes(PNG)
    winner.page.get_by_label("成果图片").set_input_files(str(picture))
    winner.page.get_by_label("图片说明").fill("车载相机")
    winner.page.get_by_role("button", name="上传图片").click()
    winner.expect_flash("图片已上传。")

    visitor = people(Person)
    visitor.go_home()
    visitor.nav("创新成果")
    visitor.page.get_by_role("link", name=scenario.title).click()
    expect(visitor.page.get_by_text("巡检成本下降 60%")).to_be_visible()
    expect(visitor.page.get_by_text("专家意见一致，交付物齐全。")).to_be_visible()
    expect(visitor.page.get_by_role("img", name="车载相机")).to_be_visible()
    axe_audit(visitor.page)
