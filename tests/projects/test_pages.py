"""The project pages as the department, the winner and the expert use them, from the first 任务书 to the public
case: refusals in Chinese that keep what was typed, files refused by content, the showcase, its feed and the
dashboard's counts."""

import io
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.projects.models import PlanState, ProgressReport, ProjectState
from portal.util import clock
from tests.catalogue.conftest import PNG
from tests.factories import MINIMAL_PDF
from tests.projects import helpers


def _due(days=30):
    return (clock.local_today() + timedelta(days=days)).isoformat()


def test_department_and_winner_agree_a_plan_through_the_pages(project, people, client, login_as):
    login_as(people.department)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "任务书尚未拟定" in page and "拟定任务书" in page
    assert client.post(f"/projects/{project.id}/plans").status_code == 302
    plan = project.open_plan
    # A refused milestone keeps what was typed.
    page = client.post(f"/plans/{plan.id}/milestones",
                       data={"title": "系统部署", "due_on": "2020-01-01", "deliverables": "部署报告"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "完成日期不能早于今天" in html and "部署报告" in html and "系统部署" in html
    html = client.post(f"/plans/{plan.id}/milestones",
                       data={"title": "系统部署", "due_on": "明天", "deliverables": "部署报告"}).get_data(as_text=True)
    assert "请填写有效的日期" in html
    assert client.post(f"/plans/{plan.id}/milestones",
                       data={"title": "系统部署", "due_on": _due(), "deliverables": "部署报告"}).status_code == 302
    assert client.post(f"/plans/{plan.id}/propose").status_code == 302

    login_as(people.winner)
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "确认任务书" in html and "退回修改" in html
    html = client.post(f"/plans/{plan.id}/return", data={"comment": ""}).get_data(as_text=True)
    assert "请填写修改意见" in html
    assert client.post(f"/plans/{plan.id}/return", data={"comment": "请写明验收指标。"}).status_code == 302
    assert plan.state == PlanState.RETURNED

    login_as(people.department)
    assert "请写明验收指标" in client.get(f"/projects/{project.id}").get_data(as_text=True)
    client.post(f"/plans/{plan.id}/propose")
    login_as(people.winner)
    assert client.post(f"/plans/{plan.id}/agree").status_code == 302
    assert plan.state == PlanState.AGREED and project.state == ProjectState.IN_PROGRESS


def test_the_winner_reports_progress_with_files_checked_by_content(project, people, client, login_as):
    helpers.agreed_plan(project, people.winner)
    login_as(people.winner)
    bad = {"text": "完成调研。", "milestone_id": "0",
           "files": [(io.BytesIO(b"MZ" + b"\x00" * 200), "调研报告.pdf")]}
    html = client.post(f"/projects/{project.id}/reports", data=bad,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "完成调研。" in html and "请重新选择要上传的附件" in html
    assert db.session.scalar(select(ProgressReport)) is None
    good = {"text": "完成调研。", "milestone_id": str(project.milestones[0].id),
            "files": [(io.BytesIO(MINIMAL_PDF), "调研报告.pdf")]}
    assert client.post(f"/projects/{project.id}/reports", data=good,
                       content_type="multipart/form-data").status_code == 302
    report = db.session.scalar(select(ProgressReport))
    attachment = report.attachments[0]
    download = client.get(f"/report-attachments/{attachment.id}")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.data == MINIMAL_PDF
    download.close()
    # Not for the public, and not from static/.
    client.post("/logout")
    assert client.get(f"/report-attachments/{attachment.id}").status_code == 302


def test_the_department_marks_milestones_and_runs_acceptance(project, people, client, login_as):
    helpers.agreed_plan(project, people.winner)
    login_as(people.department)
    for milestone in project.milestones:
        assert client.post(f"/milestones/{milestone.id}/mark", data={"outcome": "met", "note": ""}).status_code == 302
    assert client.post(f"/projects/{project.id}/acceptance").status_code == 302
    html = client.post(f"/projects/{project.id}/experts", data={"reviewer_id": ""}).get_data(as_text=True)
    assert "请选择评审专家" in html
    assert client.post(f"/projects/{project.id}/experts",
                       data={"reviewer_id": str(people.expert.id)}).status_code == 302
    invitation = project.experts[0]

    login_as(people.expert)
    assert "查看任务书与进展报告" in client.get(f"/reviewing/acceptance/{invitation.id}").get_data(as_text=True)
    assert client.get(f"/projects/{project.id}").status_code == 200
    html = client.post(f"/reviewing/acceptance/{invitation.id}",
                       data={"verdict": "pass", "opinion": ""}).get_data(as_text=True)
    assert "请填写验收意见" in html
    assert client.post(f"/reviewing/acceptance/{invitation.id}",
                       data={"verdict": "conditional", "opinion": "需补充运维手册。"}).status_code == 302
    login_as(people.other_reviewer)
    assert client.get(f"/reviewing/acceptance/{invitation.id}").status_code == 404

    login_as(people.department)
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "需补充运维手册" in html and "记录并公开验收结论" in html
    html = client.post(f"/projects/{project.id}/result",
                       data={"verdict": "conditional", "reason": ""}).get_data(as_text=True)
    assert "请填写验收结论的理由" in html
    assert client.post(f"/projects/{project.id}/result",
                       data={"verdict": "conditional", "reason": "补充运维手册后通过。"}).status_code == 302
    assert project.state == ProjectState.CONDITIONAL
    client.post("/logout")
    html = client.get(f"/projects/{project.id}/result").get_data(as_text=True)
    assert "有条件通过" in html and "补充运维手册后通过" in html


def test_a_passed_case_is_public_with_pictures_feed_and_dashboard(project, people, client, login_as):
    helpers.concluded(project, people.winner, [people.expert])
    login_as(people.winner)
    assert client.post(f"/projects/{project.id}/case",
                       data={"summary": "", "results": "提升 3 倍"}).get_data(as_text=True).count("请填写成果简介") >= 1
    assert client.post(f"/projects/{project.id}/case",
                       data={"summary": "病害识别准确率 95%。", "results": "巡检效率提升 3 倍。"}).status_code == 302
    html = client.post(f"/projects/{project.id}/pictures",
                       data={"picture": (io.BytesIO(MINIMAL_PDF), "现场.pdf"), "caption": "现场"},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "只能是 PNG 或 JPG" in html
    assert client.post(f"/projects/{project.id}/pictures",
                       data={"picture": (io.BytesIO(PNG), "现场.png"), "caption": "巡检车"},
                       content_type="multipart/form-data").status_code == 302
    client.post("/logout")

    listing = client.get("/showcase").get_data(as_text=True)
    assert "道路病害智能识别" in listing
    case = client.get(f"/showcase/{project.id}").get_data(as_text=True)
    assert "病害识别准确率 95%" in case and "巡检效率提升 3 倍" in case and "巡检车" in case
    picture = project.pictures[0]
    image = client.get(f"/showcase/pictures/{picture.id}")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    image.close()
    feed = client.get("/feeds/showcase.atom")
    assert feed.mimetype == "application/atom+xml" and "道路病害智能识别" in feed.get_data(as_text=True)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "场景创新成果" in dashboard and "通过验收的成果" in dashboard


def test_a_failed_project_is_published_but_not_showcased(project, people, client):
    helpers.concluded(project, people.winner, [people.expert], verdict="fail")
    assert client.get(f"/showcase/{project.id}").status_code == 404
    assert "不通过" in client.get(f"/projects/{project.id}/result").get_data(as_text=True)
    assert "道路病害智能识别" not in client.get("/showcase").get_data(as_text=True)


def test_a_project_without_a_result_is_private(project, client, people, login_as):
    assert client.get(f"/projects/{project.id}/result").status_code == 404
    login_as(people.loser)
    assert client.get(f"/projects/{project.id}").status_code == 404
    login_as(people.other_department)
    assert client.get(f"/projects/{project.id}").status_code == 404


def test_the_pages_read_in_english(project, people, client, login_as):
    helpers.agreed_plan(project, people.winner)
    login_as(people.department)
    client.get("/lang/en")
    html = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Task book" in html and "Progress reports" in html and "Acceptance" in html


def test_the_scenario_page_links_the_published_result(project, people, client):
    scenario = project.scenario
    assert "查看验收结论" not in client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    helpers.concluded(project, people.winner, [people.expert], verdict="conditional")
    html = client.get(f"/scenarios/{scenario.id}").get_data(as_text=True)
    assert "有条件通过" in html and f"/showcase/{project.id}" in html


def test_pictures_are_public_only_once_the_case_is(project, people, client, login_as):
    helpers.in_acceptance(project, people.winner, [people.expert])
    login_as(people.winner)
    assert client.post(f"/projects/{project.id}/pictures", data={"picture": (io.BytesIO(PNG), "现场.png")},
                       content_type="multipart/form-data").status_code == 302
    picture = project.pictures[0]
    client.post("/logout")
    assert client.get(f"/showcase/pictures/{picture.id}").status_code == 404
    assert client.get(f"/showcase/{project.id}").status_code == 404
