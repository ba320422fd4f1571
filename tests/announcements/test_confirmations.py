"""定榜 and 发布公示 cannot be undone: the first submit shows a confirmation page (no JavaScript needed), and only
the confirmed submit acts; going back keeps what was entered."""

from sqlalchemy import func, select

from portal.announcements.models import Decision
from portal.scenarios.models import ScenarioState
from tests.announcements.helpers import decided
from tests.factories import form_values
from tests.reviews.helpers import fully_reviewed


def _decisions(db):
    return db.session.scalar(select(func.count()).select_from(Decision))


def test_the_decision_is_taken_only_once_confirmed(client, login_as, db, closed, reviewers, proposals, department):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    login_as(department)
    url = f"/manage/scenarios/{closed.id}/decision"
    data = {"winners": [str(proposals[1].id)], "rationale": "第二名方案更符合场景需求。", "feedback": "place"}
    page = client.post(url, data=data)
    assert page.status_code == 200 and "确定定榜" in page.text and "不能撤回" in page.text
    assert proposals[1].organization.name in page.text and "总分和名次" in page.text
    assert _decisions(db) == 0 and closed.status == ScenarioState.UNDER_REVIEW
    # The confirmation page carries the same values; going back shows the form with them.
    carried = form_values(page.text)
    assert carried["rationale"] == data["rationale"] and carried["confirmed"] == "1"
    back = client.post(url, data={**data, "confirmed": "1", "revise": "1"})
    assert "确定定榜" not in back.text and "第二名方案更符合场景需求。" in back.text and _decisions(db) == 0
    # A refused decision is refused on the first step already, with nothing to confirm.
    refused = client.post(url, data={**data, "rationale": " "})
    assert "请填写定榜理由" in refused.text and "确定定榜" not in refused.text
    done = client.post(url, data={**data, "confirmed": "1", "submit": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    decision = db.session.get(Decision, closed.id)
    assert [p.id for p in decision.winners] == [proposals[1].id] and decision.feedback.value == "place"


def test_the_announcement_is_published_only_once_confirmed(client, login_as, db, closed, reviewers, proposals,
                                                           department):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    login_as(department)
    url = f"/manage/scenarios/{closed.id}/announce"
    data = form_values(client.get(url).text)
    data["publish_scores"] = "y"
    page = client.post(url, data=data)
    assert page.status_code == 200 and "确定发布公示" in page.text
    db.session.expire_all()
    assert closed.status == ScenarioState.DECIDED and not db.session.get(Decision, closed.id).is_announced
    carried = form_values(page.text)
    assert carried["starts_at"] == data["starts_at"] and carried["ends_at"] == data["ends_at"]
    assert carried["publish_scores"] == "y" and carried["confirmed"] == "1"
    refused = client.post(url, data={**data, "ends_at": data["starts_at"]})
    assert "晚于开始时间" in refused.text and "确定发布公示" not in refused.text
    done = client.post(url, data={**carried, "submit": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    decision = db.session.get(Decision, closed.id)
    assert decision.is_announced and decision.publish_scores
