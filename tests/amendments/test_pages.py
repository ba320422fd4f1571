"""变更公告 through HTTP: the department's form (refusals keep what was typed), the public 变更公告 with its diff,
the bidder's 需确认 and confirmation, and the open-data API."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.amendments.models import ScenarioAmendment
from portal.extensions import db
from portal.util import clock
from tests.factories import form_values


def amend_form(client, scenario, **typed):
    page = client.get(f"/manage/scenarios/{scenario.id}/amend")
    assert page.status_code == 200
    data = form_values(page.text)
    data.update(typed)
    return client.post(f"/manage/scenarios/{scenario.id}/amend", data=data)


def local(moment) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def amendments_of(scenario):
    return db.session.scalar(select(func.count()).select_from(ScenarioAmendment)
                             .where(ScenarioAmendment.scenario_id == scenario.id))


def test_the_form_shows_the_call_as_it_stands(client, login_as, open_scenario, department):
    login_as(department)
    values = form_values(client.get(f"/manage/scenarios/{open_scenario.id}/amend").text)
    assert "95%" in values["requirements"] and values["budget"] == "120.00"
    assert values["deadline"] == local(open_scenario.deadline)


def test_without_a_reason_the_form_comes_back_with_what_was_typed(client, login_as, open_scenario, department):
    login_as(department)
    response = amend_form(client, open_scenario, requirements="全新的技术要求：准确率 99%", reason="")
    assert response.status_code == 200
    assert "请填写变更原因" in response.text
    assert form_values(response.text)["requirements"] == "全新的技术要求：准确率 99%"
    assert amendments_of(open_scenario) == 0


def test_a_late_change_without_extension_is_refused_with_the_date_to_reach(client, login_as, open_scenario,
                                                                          department, frozen_now):
    frozen_now.set_now(open_scenario.deadline - timedelta(days=2))
    login_as(department)
    response = amend_form(client, open_scenario, requirements="准确率 99%", reason="指标调整")
    assert response.status_code == 200
    floor = clock.to_local(clock.now() + timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    assert "距揭榜截止已不足 5 天" in response.text and floor in response.text
    values = form_values(response.text)
    assert values["requirements"] == "准确率 99%" and values["reason"] == "指标调整"
    assert amendments_of(open_scenario) == 0
    response = amend_form(client, open_scenario, requirements="准确率 99%", reason="指标调整",
                          deadline=local(clock.now() + timedelta(days=6)))
    assert response.status_code == 302 and amendments_of(open_scenario) == 1


def test_the_form_needs_its_csrf_token(csrf_app, client, login_as, open_scenario, department):
    login_as(department)
    response = client.post(f"/manage/scenarios/{open_scenario.id}/amend",
                           data={"requirements": "准确率 99%", "reason": "调整"})
    assert response.status_code == 400 and amendments_of(open_scenario) == 0


def test_the_public_sees_each_amendment_with_its_diff_escaped(client, login_as, open_scenario, department, amend):
    amend(open_scenario, requirements="1. 识别准确率不低于98%\n2. 支持车载部署\n<script>alert(1)</script>",
          reason="根据试点反馈<b>提高</b>指标", budget=200)
    page = client.get(f"/scenarios/{open_scenario.id}").text
    assert "变更公告" in page and "第 1 号变更公告" in page
    assert "<del class=\"d-block text-danger\">− 1. 识别准确率不低于95%</del>" in page
    assert "<ins class=\"d-block text-success text-decoration-none\">+ 1. 识别准确率不低于98%</ins>" in page
    assert "<script>alert(1)</script>" not in page and "<b>提高</b>" not in page
    assert "&lt;b&gt;提高&lt;/b&gt;" in page
    assert "120.00 万元" in page and "200.00 万元" in page


def test_a_bidder_sees_needs_confirmation_and_confirms(client, login_as, open_scenario, amend, submit_proposal,
                                                       bidder, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements="准确率 99%")
    login_as(bidder)
    page = client.get(f"/proposals/{proposal.id}").text
    assert "需确认" in page and f"/proposals/{proposal.id}/confirm" in page
    assert "需确认" in client.get(f"/scenarios/{open_scenario.id}/proposal").text  # the editor says so as well
    response = client.post(f"/proposals/{proposal.id}/confirm")
    assert response.location == f"/proposals/{proposal.id}"
    page = client.get(response.location).text
    assert "已确认" in page and "id=\"needs-confirmation\"" not in page


def test_another_enterprise_cannot_confirm_a_proposal(client, login_as, open_scenario, amend, submit_proposal,
                                                      bidder, create_user, frozen_now):
    proposal = submit_proposal(open_scenario, bidder).proposal
    frozen_now.travel(timedelta(minutes=1))
    amend(open_scenario, requirements="准确率 99%")
    login_as(create_user(Role.ENTERPRISE))
    assert client.post(f"/proposals/{proposal.id}/confirm").status_code == 404


def test_the_department_page_after_amending_says_nothing_of_the_bids(client, login_as, open_scenario, department,
                                                                     submit_proposal, bidder, frozen_now):
    submit_proposal(open_scenario, bidder)
    frozen_now.travel(timedelta(minutes=1))
    login_as(department)
    response = amend_form(client, open_scenario, requirements="准确率 99%", reason="指标调整")
    page = client.get(response.location).text
    assert bidder.organization.name not in page and "需确认" not in page


def test_the_api_carries_the_amendments_and_the_deadline_history(client, open_scenario, amend, frozen_now):
    from jsonschema_rs import Draft202012Validator

    from portal.api.openapi import document

    published_deadline = open_scenario.deadline
    frozen_now.set_now(open_scenario.deadline - timedelta(days=2))
    amend(open_scenario, requirements="准确率 99%", deadline=clock.now() + timedelta(days=7), reason="延期")
    body = client.get(f"/api/v1/scenarios/{open_scenario.id}").json
    (amendment,) = body["amendments"]
    assert amendment["number"] == 1 and amendment["reason"] == "延期" and amendment["requirements_changed"]
    assert amendment["changes"]["requirements"]["new"] == "准确率 99%" and amendment["changes"]["budget"] is None
    history = [h["deadline"] for h in body["deadline_history"]]
    assert history == [clock.to_local(published_deadline).isoformat(timespec="seconds"), body["deadline"]]
    spec = json.loads(json.dumps(document("/api/v1")))
    Draft202012Validator({"$ref": "#/components/schemas/Scenario", "components": spec["components"]}).validate(body)
    assert "amendments" in spec["components"]["schemas"]["Scenario"]["allOf"][1]["properties"]


@pytest.mark.parametrize("role", [Role.ENTERPRISE, Role.REVIEWER, Role.GOVERNMENT, None])
def test_only_the_admin_sets_the_days(client, login_as, create_user, role):
    if role is not None:
        login_as(create_user(role))
    response = client.post("/admin/amendments", data={"min_days": "3"})
    assert response.status_code in (302, 403) and (response.status_code == 403 or "/login" in response.location)


def test_the_admin_sets_the_days_and_a_bad_value_is_kept_with_its_message(client, login_as, create_user):
    from portal.amendments import policy

    login_as(create_user(Role.ADMIN))
    response = client.post("/admin/amendments", data={"min_days": "99"})
    assert response.status_code == 200 and "1 到 60" in response.text
    assert form_values(response.text)["min_days"] == "99"
    assert client.post("/admin/amendments", data={"min_days": "7"}).status_code == 302
    assert policy.min_days() == 7
