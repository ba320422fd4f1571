"""答疑 in the open data: the API's scenario carries the published answers, the OpenAPI document describes them, the
Atom feed has an entry per answer — and the asker is in none of them, nor in any export of the scenario."""

from xml.etree import ElementTree as ET

from portal.api import serializers
from portal.api.openapi import document
from portal.clarifications import operations

ATOM = "{http://www.w3.org/2005/Atom}"
ASKER_MARKS = ("杭州提问科技有限公司", "杭州提问科技有限公司想问")


def test_the_api_scenario_carries_published_answers_only(db, client, scenario, owner, asker, ask, answered):
    pending = ask(scenario, asker, "另一个尚未答复的问题？")
    declined = ask(scenario, asker, "一个不予答复的问题？")
    operations.decline_question(declined, owner, "与场景无关")
    db.session.commit()

    body = client.get(f"/api/v1/scenarios/{scenario.id}").json

    assert [c["id"] for c in body["clarifications"]] == [answered.id]
    (item,) = body["clarifications"]
    assert item["question"] == "样本由谁提供？" and item["answer"] == "样本由发布单位提供，共 2000 张。"
    assert item["url"].endswith(f"/scenarios/{scenario.id}#clarification-{answered.id}")
    assert set(item) == set(serializers.CLARIFICATION["required"])
    assert body["question_deadline"] is not None and body["opening_record"] is None
    text = client.get(f"/api/v1/scenarios/{scenario.id}").text
    for mark in (*ASKER_MARKS, asker.email, pending.text, declined.text, "与场景无关"):
        assert mark not in text


def test_the_openapi_document_describes_clarifications_and_the_opening_record(client):
    schemas = document("/api/v1")["components"]["schemas"]
    detail = schemas["Scenario"]["allOf"][1]
    assert {"clarifications", "opening_record", "question_deadline"} <= set(detail["required"])
    assert detail["properties"]["clarifications"]["items"] == {"$ref": "#/components/schemas/Clarification"}
    assert "organization" not in str(schemas["Clarification"]) and "asker" not in schemas["Clarification"]["properties"]


def test_each_answer_is_an_entry_of_the_scenario_feed(db, client, scenario, answered):
    response = client.get("/feeds/scenarios.atom")
    feed = ET.fromstring(response.data)  # noqa: S314 -- the portal's own output

    entries = [e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith(
        f"#clarification-{answered.id}")]
    (entry,) = entries
    assert entry.find(f"{ATOM}title").text == f"答疑：{scenario.title}"
    assert entry.find(f"{ATOM}link").get("href").endswith(f"/scenarios/{scenario.id}#clarification-{answered.id}")
    summary = entry.find(f"{ATOM}summary").text
    assert "样本由谁提供？" in summary and "样本由发布单位提供" in summary
    assert entry.find(f"{ATOM}author/{ATOM}name").text == scenario.department.name
    for mark in ASKER_MARKS:
        assert mark not in response.text


def test_unanswered_questions_stay_out_of_the_feed(db, client, scenario, asker, ask):
    question = ask(scenario, asker, "还没有答复的问题？")
    text = client.get("/feeds/scenarios.atom").text
    assert question.text not in text and "clarification-" not in text


def test_the_scenario_exports_name_no_asker(db, client, scenario, asker, answered):
    for fmt in ("csv",):  # xlsx holds the same table, compressed
        response = client.get(f"/scenarios.{fmt}")
        assert response.status_code == 200
        assert asker.organization.name.encode() not in response.data


def test_the_asker_is_in_no_notification_but_its_own(db, scenario, asker, answered):
    from sqlalchemy import select

    from portal.notifications.models import Notification

    for message in db.session.scalars(select(Notification).where(Notification.user_id != asker.id)):
        assert asker.organization.name not in message.title + message.body
