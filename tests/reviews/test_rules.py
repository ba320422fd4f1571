"""Rules of the review: who is assigned, conflicts, the rubric, score bounds, final reviews and reopening,
and cancelling a scenario under review (the decision and 公示 are in tests/announcements/test_decision.py)."""


import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import Conflict, InvalidTransition, NotReady, PermissionDenied
from portal.notifications.models import Notification
from portal.reviews import conflicts, operations
from portal.reviews import setup as review_setup
from portal.reviews.models import ReviewState
from portal.scenarios import operations as scenario_ops
from portal.scenarios.models import ScenarioState
from tests.reviews.helpers import assign, review_of, score, split


def _actions(db, action):
    return db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)).all()


# --- assignment and conflicts ---------------------------------------------------------------------

def test_no_review_before_the_deadline(create_scenario, create_user, frozen_now, submit_proposal):
    scenario = create_scenario(state="published")
    submit_proposal(scenario, create_user(Role.ENTERPRISE))
    owner = scenario.batch.department.users[0]
    with pytest.raises(PermissionDenied):
        conflicts.assign_reviewers(scenario, owner, [create_user(Role.REVIEWER)])


def test_first_assignment_starts_the_review_once_and_is_audited(db, closed, reviewers, proposals):
    created = assign(closed, reviewers[:3])
    assert len(created) == 9 and closed.state == ScenarioState.UNDER_REVIEW
    assign(closed, reviewers[3:5])
    assert len(_actions(db, "scenario.start_review")) == 1
    assert len(_actions(db, "review.assign")) == 15
    assert db.session.scalar(select(Notification).where(Notification.user_id == reviewers[0].id,
                                                        Notification.kind == "review_assigned"))


def test_assigning_the_same_reviewer_twice_adds_nothing(closed, reviewers):
    assign(closed, reviewers[:3])
    with pytest.raises(Conflict):
        assign(closed, reviewers[:1])


def test_only_reviewer_accounts_can_be_assigned(closed, create_user):
    with pytest.raises(NotReady):
        assign(closed, [create_user(Role.ENTERPRISE), create_user(Role.GOVERNMENT)])


def test_another_department_cannot_assign(closed, reviewers, create_user):
    with pytest.raises(PermissionDenied):
        conflicts.assign_reviewers(closed, create_user(Role.GOVERNMENT), reviewers[:3])


def test_a_reviewer_of_the_bidders_organization_is_excluded_with_the_reason_shown(
        client, login_as, closed, department, bidders, proposals, create_user):
    insider = create_user(Role.REVIEWER, org=bidders[0].organization)
    assign(closed, [insider])
    own = review_of(closed, insider, proposals[0])
    assert own.state == ReviewState.EXCLUDED and bidders[0].organization.name in own.conflict_reason
    assert review_of(closed, insider, proposals[1]).state == ReviewState.PENDING
    login_as(department)
    assert "自动回避" in client.get(f"/manage/scenarios/{closed.id}/review").text
    login_as(insider)
    assert client.get(f"/reviewing/reviews/{own.id}").status_code == 404
    assert f"/reviewing/reviews/{own.id}\"" not in client.get("/reviewing/").text


def test_a_declared_conflict_needs_a_reason_and_removes_the_work(client, login_as, db, closed, reviewers, proposals):
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    page = client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "yes", "reason": ""})
    assert "声明回避时请说明原因" in page.text and review.state == ReviewState.PENDING
    page = client.post(f"/reviewing/reviews/{review.id}/declare", data={})
    assert "请选择是否需要回避" in page.text
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "yes", "reason": "亲属在该单位任职"})
    db.session.refresh(review)
    assert review.state == ReviewState.RECUSED and review.conflict_reason == "亲属在该单位任职"
    with pytest.raises(PermissionDenied):
        conflicts.declare(review, reviewers[0], conflict=False)


def test_the_proposal_is_hidden_until_no_conflict_is_declared(client, login_as, closed, reviewers, proposals):
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    attachment = proposals[0].latest_version.attachments[0]
    login_as(reviewers[0])
    page = client.get(f"/reviewing/reviews/{review.id}")
    assert proposals[0].latest_version.title not in page.text and "回避声明" in page.text
    assert client.get(f"/reviewing/reviews/{review.id}/attachments/1").status_code == 404
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    with pytest.raises(PermissionDenied):
        operations.save_review(review, reviewers[0], scores=[("1", "")] * 4, opinion="", submit=False)
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"})
    assert proposals[0].latest_version.title in client.get(f"/reviewing/reviews/{review.id}").text


def test_a_reviewer_never_sees_another_reviewers_work(client, login_as, closed, reviewers, proposals):
    assign(closed, reviewers[:3])
    theirs = review_of(closed, reviewers[1], proposals[0])
    login_as(reviewers[0])
    assert client.get(f"/reviewing/reviews/{theirs.id}").status_code == 404
    assert client.post(f"/reviewing/reviews/{theirs.id}/declare", data={"conflict": "no"}).status_code == 404


# --- rubric ---------------------------------------------------------------------------------------

def _rubric(*rows):
    data = {"save": "1", "blind": "y"}
    for i, (name, weight) in enumerate(rows):
        data[f"criteria-{i}-name"], data[f"criteria-{i}-weight"] = name, str(weight)
    return data


@pytest.mark.parametrize(("rows", "message"), [
    ((("技术先进性", 40), ("方案可行性", 30), ("团队实力", 20), ("经济合理性", 20)),
     "各项权重之和应为 100，当前为 110"),
    ((("技术先进性", "三十"), ("方案可行性", 70)), "“技术先进性”的权重应为整数"),
    ((("技术先进性", 50.5), ("方案可行性", 49.5)), "权重应为整数"),
    ((("技术先进性", 50), ("技术先进性", 50)), "名称不能重复"),
    ((("技术先进性", 0), ("方案可行性", 100)), "权重应至少为 1"),
    ((("", 50), ("方案可行性", 50)), "每项评分标准都要填写名称"),
    ((), "至少需要一项评分标准"),
])
def test_a_wrong_rubric_is_refused_with_what_was_typed_kept(client, login_as, closed, department, rows, message):
    login_as(department)
    page = client.post(f"/manage/scenarios/{closed.id}/review/setup", data=_rubric(*rows))
    assert page.status_code == 200 and message in page.text
    for name, _weight in rows:
        assert f'value="{name}"' in page.text
    assert review_setup.get_setup(closed).criteria[0] == ("技术先进性", 30)


def test_the_rubric_can_change_until_the_first_score_is_submitted(client, login_as, db, closed, department,
                                                                   reviewers, proposals):
    login_as(department)
    response = client.post(f"/manage/scenarios/{closed.id}/review/setup",
                           data=_rubric(("技术先进性", 40), ("方案可行性", 40), ("经济合理性", 20)))
    assert response.status_code == 302
    assert review_setup.get_setup(closed).criteria == [("技术先进性", 40), ("方案可行性", 40), ("经济合理性", 20)]
    assign(closed, reviewers[:3])
    score(review_of(closed, reviewers[0], proposals[0]), [10, 10, 10], submit=False)
    review_setup.save_setup(closed, department, blind=True, criteria=[("技术先进性", 50), ("方案可行性", 50)])
    score(review_of(closed, reviewers[1], proposals[0]), [10, 10])
    draft = score(review_of(closed, reviewers[0], proposals[0]), [20, 20])
    assert [(s.position, s.score) for s in draft.scores] == [(0, 20), (1, 20)]
    with pytest.raises(Conflict):
        review_setup.save_setup(closed, department, blind=True, criteria=[("技术先进性", 60), ("方案可行性", 40)])
    page = client.post(f"/manage/scenarios/{closed.id}/review/setup",
                       data=_rubric(("技术先进性", 60), ("方案可行性", 40)))
    assert "评分标准不能再修改" in page.text


# --- scores ---------------------------------------------------------------------------------------

@pytest.fixture
def open_review(client, login_as, closed, reviewers, proposals):
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    client.post(f"/reviewing/reviews/{review.id}/declare", data={"conflict": "no"})
    return review


def _scores(values, submit=True, opinion="可行"):
    data = {"opinion": opinion, "submit" if submit else "save": "1"}
    for i, value in enumerate(values):
        data[f"score_{i}"], data[f"comment_{i}"] = value, f"评语{i}-保留"
    return data


@pytest.mark.parametrize(("values", "message"), [
    (["31", "20", "10", "10"], "“技术先进性”的得分应在 0 到 30 之间"),
    (["-1", "20", "10", "10"], "“技术先进性”的得分应在 0 到 30 之间"),
    (["20", "abc", "10", "10"], "“方案可行性”的得分应为数字"),
    (["20", "20", "10.3", "10"], "“团队实力”的得分以 0.5 分为单位"),
    (["20", "20", "10", ""], "请填写“经济合理性”的得分"),
])
def test_bad_scores_get_a_clear_message_and_everything_typed_is_kept(client, db, open_review, values, message):
    page = client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(values))
    assert page.status_code == 200 and message in page.text
    for value in values:
        assert f'value="{value}"' in page.text
    assert "评语3-保留" in page.text and "可行" in page.text
    db.session.refresh(open_review)
    assert open_review.state == ReviewState.IN_PROGRESS and not open_review.scores


def test_a_draft_may_be_incomplete_and_is_kept(client, db, open_review):
    assert client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(["25.5", "", "", ""], submit=False,
                                                                            opinion="")).status_code == 302
    page = client.get(f"/reviewing/reviews/{open_review.id}")
    assert 'value="25.5"' in page.text and open_review.state == ReviewState.IN_PROGRESS


def test_submitting_needs_an_overall_opinion(client, open_review):
    page = client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(["20", "20", "10", "10"], opinion=""))
    assert "提交前请填写总体意见" in page.text and 'value="20"' in page.text


def test_a_submitted_review_is_final(client, db, open_review, reviewers):
    client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(["20", "20", "10", "10"]))
    assert open_review.state == ReviewState.SUBMITTED
    page = client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(["30", "30", "20", "20"]))
    assert "不能再修改" in page.text
    db.session.refresh(open_review)
    assert [str(s.score) for s in open_review.scores] == ["20.0", "20.0", "10.0", "10.0"]
    with pytest.raises(Conflict):
        operations.save_review(open_review, reviewers[0], scores=[("30", "")] * 4, opinion="x", submit=True)


def test_only_the_department_reopens_with_a_reason_and_it_is_audited(client, login_as, db, open_review, department,
                                                                       reviewers):
    client.post(f"/reviewing/reviews/{open_review.id}", data=_scores(["20", "20", "10", "10"]))
    with pytest.raises(PermissionDenied):
        operations.reopen_review(open_review, reviewers[0], "自己想改")
    login_as(department)
    page = client.post(f"/manage/reviews/{open_review.id}/reopen", data={"reason": ""})
    assert "退回评分必须填写原因" in page.text and open_review.state == ReviewState.SUBMITTED
    assert client.post(f"/manage/reviews/{open_review.id}/reopen",
                       data={"reason": "第三项评语与得分不符"}).status_code == 302
    db.session.refresh(open_review)
    assert open_review.state == ReviewState.IN_PROGRESS
    (record,) = _actions(db, "review.reopen")
    assert record.details == {"reason": "第三项评语与得分不符", "previous": ["20.0", "20.0", "10.0", "10.0"]}
    note = db.session.scalar(select(Notification).where(Notification.user_id == reviewers[0].id,
                                                        Notification.kind == "review_reopened"))
    assert "第三项评语与得分不符" in note.body
    login_as(reviewers[0])
    assert "第三项评语与得分不符" in client.get(f"/reviewing/reviews/{open_review.id}").text
    assert client.post(f"/reviewing/reviews/{open_review.id}",
                       data=_scores(["20", "20", "15", "10"])).status_code == 302
    db.session.refresh(open_review)
    assert open_review.state == ReviewState.SUBMITTED
    with pytest.raises(Conflict):
        review_setup.save_setup(open_review.scenario, department, blind=True, criteria=[("唯一", 100)])


def test_a_cancelled_scenario_cannot_be_reviewed(closed, department, reviewers):
    scenario_ops.cancel_scenario(closed, department, "需求调整")
    with pytest.raises(InvalidTransition):
        assign(closed, reviewers[:3])


def test_cancelling_during_the_review_takes_the_work_away_from_reviewers(client, login_as, db, closed, department,
                                                                         reviewers, proposals):
    assign(closed, reviewers[:3])
    review = score(review_of(closed, reviewers[0], proposals[0]), split(80), submit=False)
    scenario_ops.cancel_scenario(closed, department, "需求调整")
    db.session.commit()
    login_as(reviewers[0])
    assert client.get(f"/reviewing/reviews/{review.id}").status_code == 404
    assert client.get(f"/reviewing/reviews/{review.id}/attachments/1").status_code == 404
    assert closed.title not in client.get("/reviewing/").text


def test_the_departments_review_pages_are_audited_reads_of_every_proposal(client, login_as, db, closed, department,
                                                                         reviewers, proposals):
    assign(closed, reviewers[:3])
    login_as(department)

    assert client.get(f"/manage/scenarios/{closed.id}/review").status_code == 200
    assert client.get(f"/manage/scenarios/{closed.id}/ranking").status_code == 200

    # One record per page view, on the scenario, naming every proposal the page showed.
    reads = db.session.execute(select(AuditRecord.object_type, AuditRecord.object_id, AuditRecord.details).where(
        AuditRecord.action == "proposal.read", AuditRecord.actor_id == department.id)).all()
    assert sorted(details["what"] for _type, _id, details in reads) == ["ranking", "review-setup"]
    for object_type, object_id, details in reads:
        assert (object_type, object_id) == ("Scenario", closed.id)
        assert sorted(details["proposals"]) == sorted(p.id for p in proposals)
