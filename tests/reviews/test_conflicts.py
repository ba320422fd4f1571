"""Conflicts of interest (回避): the reviewer's conflict profile excludes it automatically wherever it matches a
bidder (at assignment, on every profile change, at the declaration), the reason is recorded, audited and shown to
the department; and a reviewer may recuse itself at any time before submitting its scores."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import Conflict, NotReady, PermissionDenied
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.reviews import conflicts, operations
from portal.reviews import queries as review_queries
from portal.reviews import setup as review_setup
from portal.reviews.models import ConflictEntry, ConflictKind, ReviewState
from portal.util.uscc import make_uscc
from tests.announcements.helpers import decided
from tests.reviews.helpers import assign, department_of, fully_reviewed, review_of, score, split

BIDDER_NAME = "某某科技（杭州）有限责任公司"
TODAY = date(2026, 3, 2)  # frozen_now, in Hangzhou


@pytest.fixture
def bidder(closed, bidders, proposals):
    """The first bidder, renamed to a name whose variants the tests write (the proposal it submitted: proposals[0])."""
    org = bidders[0].organization
    org.name = BIDDER_NAME
    _db.session.commit()
    return org


def _actions(action, **details):
    records = _db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                                  .order_by(AuditRecord.id)).all()
    return [r for r in records if all(r.details.get(k) == v for k, v in details.items())]


def _entry(reviewer, kind, name, **fields):
    entry = conflicts.add_entry(reviewer, reviewer, kind=kind, org_name=name, **fields)
    _db.session.commit()
    return entry


def _states(closed, reviewer, proposals):
    return [review_of(closed, reviewer, p).state for p in proposals]


# --- automatic exclusion at assignment -----------------------------------------------------------

def test_a_reviewer_employed_by_the_bidder_under_its_code_is_excluded(closed, bidder, reviewers, proposals):
    conflicts.save_employer(reviewers[0], reviewers[0], employer="完全不同的写法研究中心", uscc=bidder.uscc.lower())
    _db.session.commit()
    assign(closed, reviewers[:3])
    assert _states(closed, reviewers[0], proposals) == [ReviewState.EXCLUDED, ReviewState.PENDING,
                                                        ReviewState.PENDING]
    reason = review_of(closed, reviewers[0], proposals[0]).conflict_reason
    assert "现工作单位“完全不同的写法研究中心”" in reason and BIDDER_NAME in reason and "统一社会信用代码相同" in reason
    (record,) = _actions("review.exclude")
    expected = {"at": "assignment", "entry_kind": "employer", "entry_name": "完全不同的写法研究中心", "how": "uscc",
                "bidder": bidder.id, "bidder_name": BIDDER_NAME}
    assert {key: record.details.get(key) for key in expected} == expected


@pytest.mark.parametrize("employer", ["杭州某某科技有限公司", "浙江某某科技股份有限公司", "某某科技（杭州）有限公司",
                                      "杭州市 某某科技 集团有限公司", "ＳＯＭＥ", "某某科技"])
def test_a_reviewer_employed_by_the_bidder_under_a_variant_of_its_name_is_excluded(
        closed, bidder, reviewers, proposals, employer):
    if employer == "ＳＯＭＥ":
        bidder.name, employer = "some科技（杭州）有限公司", "杭州ＳＯＭＥ科技有限公司"
        _db.session.commit()
    conflicts.save_employer(reviewers[0], reviewers[0], employer=employer, uscc=None)
    _db.session.commit()
    assign(closed, reviewers[:1])
    review = review_of(closed, reviewers[0], proposals[0])
    assert review.state == ReviewState.EXCLUDED and "单位名称规范化后相同" in review.conflict_reason
    assert _states(closed, reviewers[0], proposals[1:]) == [ReviewState.PENDING] * 2


def test_the_employer_given_when_the_account_was_made_counts(closed, bidder, create_user, proposals):
    reviewer = conflicts.create_reviewer(None, email="zhou.yi@review.example.cn", password="Review#Zy2025",
                                         name="周一", employer="杭州某某科技有限公司")
    _db.session.commit()
    assign(closed, [reviewer])
    assert review_of(closed, reviewer, proposals[0]).state == ReviewState.EXCLUDED
    assert review_of(closed, reviewer, proposals[1]).state == ReviewState.PENDING


@pytest.mark.parametrize(("until", "excluded"), [
    (TODAY, True), (TODAY - timedelta(days=400), True), (date(2023, 3, 2), True), (date(2023, 3, 1), False),
    (date(2020, 12, 31), False)])
def test_a_former_employer_counts_for_three_years_and_no_longer(closed, bidder, reviewers, proposals, until,
                                                               excluded):
    _entry(reviewers[0], "former_employer", "杭州某某科技有限公司", until=until)
    assign(closed, reviewers[:1])
    state = review_of(closed, reviewers[0], proposals[0]).state
    assert state == (ReviewState.EXCLUDED if excluded else ReviewState.PENDING), until


@pytest.mark.parametrize(("kind", "label"), [("shareholding", "持股单位"), ("post", "兼职、任职单位"),
                                             ("relation", "声明有利益关系的单位")])
def test_a_shareholding_a_post_or_a_declared_relation_excludes(closed, bidder, reviewers, proposals, kind, label):
    _entry(reviewers[0], kind, "某某科技股份公司", detail="配偶任该公司监事" if kind == "relation" else "")
    assign(closed, reviewers[:1])
    review = review_of(closed, reviewers[0], proposals[0])
    assert review.state == ReviewState.EXCLUDED and f"{label}“某某科技股份公司”" in review.conflict_reason


def test_unrelated_profiles_exclude_nobody(closed, bidder, reviewers, proposals):
    _entry(reviewers[0], "shareholding", "杭州某甲科技有限公司")
    _entry(reviewers[0], "former_employer", "杭州某某电子有限公司", until=TODAY)
    assign(closed, reviewers[:3])
    assert all(r.state == ReviewState.PENDING for r in review_queries.scenario_reviews(closed))


def test_the_department_sees_why_and_the_reviewer_never_sees_the_task(client, login_as, closed, bidder, department,
                                                                     reviewers, proposals):
    _entry(reviewers[0], "post", "杭州某某科技有限公司", detail="技术顾问")
    login_as(department)
    response = client.post(f"/manage/scenarios/{closed.id}/review/assign",
                           data={"reviewers": [str(r.id) for r in reviewers[:3]], "reason": "熟悉该领域"},
                           follow_redirects=True)
    assert "1 项因专家利益冲突信息与揭榜单位匹配而自动回避" in response.text
    page = client.get(f"/manage/scenarios/{closed.id}/review").text
    assert "自动回避" in page and "兼职、任职单位“杭州某某科技有限公司”" in page and BIDDER_NAME in page
    assert f'id="replace-{proposals[0].id}"' in page  # the department can assign someone else at once
    excluded = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    assert f"/reviewing/reviews/{excluded.id}\"" not in client.get("/reviewing/").text
    for path in (f"/reviewing/reviews/{excluded.id}", f"/reviewing/reviews/{excluded.id}/attachments/1",
                 f"/reviewing/reviews/{excluded.id}/recuse"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/reviewing/reviews/{excluded.id}/declare", data={"conflict": "no"}).status_code == 404
    assert not _actions("proposal.read", what=f"review:{excluded.id}")


# --- profile changes after assignment ------------------------------------------------------------

def _bring_to(state, closed, reviewer, proposal, make_conflict_later=None):
    review = review_of(closed, reviewer, proposal)
    if state in ("in_progress", "submitted"):
        conflicts.declare(review, reviewer, conflict=False)
    if state == "submitted":
        score(review, split(80))
    if state == "recused":
        conflicts.recuse(review, reviewer, "曾与该单位合作")
    _db.session.commit()
    return review


@pytest.mark.parametrize(("state", "excluded"), [("pending", True), ("in_progress", True), ("submitted", True),
                                                 ("recused", False)])
def test_a_profile_change_excludes_every_review_still_under_way(closed, bidder, department, reviewers, proposals,
                                                                state, excluded):
    assign(closed, reviewers[:3])
    review = _bring_to(state, closed, reviewers[0], proposals[0])
    _entry(reviewers[0], "shareholding", "杭州某某科技有限公司")
    _db.session.refresh(review)
    assert (review.state == ReviewState.EXCLUDED) is excluded
    assert _states(closed, reviewers[0], proposals[1:]) == [ReviewState.PENDING] * 2
    told = _db.session.scalars(select(Notification).where(Notification.user_id == department.id,
                                                          Notification.kind == "review_excluded")).all()
    assert len(told) == (1 if excluded else 0)
    if excluded:
        assert _actions("review.exclude", at="profile", previous=state)
        # A conflicted score does not count in the ranking.
        assert all(r.reviewer_id != reviewers[0].id for row in review_queries.ranking(closed).rows
                   for r in row.reviews)


def test_after_the_decision_a_profile_change_no_longer_touches_the_review(closed, bidder, reviewers, proposals):
    fully_reviewed(closed, reviewers[:3], [[80, 82, 84], [70, 71, 72], [60, 61, 62]])
    decided(closed, proposals[:1])
    _entry(reviewers[0], "shareholding", "杭州某某科技有限公司")
    assert review_of(closed, reviewers[0], proposals[0]).state == ReviewState.SUBMITTED
    assert not _actions("review.exclude")


def test_changing_the_employer_keeps_the_old_one_for_three_years(closed, bidder, reviewers, proposals):
    conflicts.save_employer(reviewers[0], reviewers[0], employer="杭州某某科技有限公司", uscc=None)
    conflicts.save_employer(reviewers[0], reviewers[0], employer="西湖大学", uscc=None)
    _db.session.commit()
    account_org, former = conflicts.get_profile(reviewers[0]).entries
    assert account_org.org_name == reviewers[0].organization.name
    assert (former.kind, former.org_name, former.until) == (ConflictKind.FORMER_EMPLOYER, "杭州某某科技有限公司", TODAY)
    assign(closed, reviewers[:1])
    assert review_of(closed, reviewers[0], proposals[0]).state == ReviewState.EXCLUDED


def test_removing_the_entry_does_not_bring_the_review_back(closed, bidder, reviewers, proposals):
    entry = _entry(reviewers[0], "shareholding", "杭州某某科技有限公司")
    assign(closed, reviewers[:1])
    conflicts.remove_entry(entry, reviewers[0])
    _db.session.commit()
    assert review_of(closed, reviewers[0], proposals[0]).state == ReviewState.EXCLUDED
    (record,) = _actions("reviewer_profile.remove")
    assert record.details["org_name"] == "杭州某某科技有限公司"


def test_the_declaration_checks_the_profile_once_more_before_opening_the_proposal(closed, bidder, reviewers,
                                                                                  proposals):
    assign(closed, reviewers[:1])
    review = review_of(closed, reviewers[0], proposals[0])
    # An entry that reached the profile without the operation (so without its matching).
    profile = conflicts._ensure_profile(reviewers[0])
    profile.entries.append(ConflictEntry(kind=ConflictKind.POST, org_name="杭州某某科技有限公司", detail="",
                                         created_at=review.assigned_at))
    _db.session.commit()
    conflicts.declare(review, reviewers[0], conflict=False)
    _db.session.commit()
    assert review.state == ReviewState.EXCLUDED and _actions("review.exclude", at="declaration")
    assert not _actions("review.declare_no_conflict")


# --- recusal ------------------------------------------------------------------------------------

@pytest.mark.parametrize("declared", [False, True])
def test_a_reviewer_may_recuse_before_and_after_declaring_no_conflict(client, login_as, closed, department,
                                                                      reviewers, proposals, declared):
    assign(closed, reviewers[:3])
    review = _bring_to("in_progress" if declared else "pending", closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    if declared:
        assert "申请回避" in client.get(f"/reviewing/reviews/{review.id}").text
    page = client.post(f"/reviewing/reviews/{review.id}/recuse", data={"reason": ""})
    assert "声明回避时请说明原因" in page.text
    client.post(f"/reviewing/reviews/{review.id}/recuse", data={"reason": "阅读后发现曾与该单位合作"})
    _db.session.refresh(review)
    assert review.state == ReviewState.RECUSED and review.conflict_reason == "阅读后发现曾与该单位合作"
    (record,) = _actions("review.recuse")
    assert record.details["after_declaration"] is declared and record.actor_id == reviewers[0].id
    assert client.get(f"/reviewing/reviews/{review.id}").status_code == 404
    assert _db.session.scalar(select(Notification).where(Notification.user_id == department.id,
                                                         Notification.kind == "review_recused"))
    # The department sees the reason and assigns someone else to that proposal.
    login_as(department)
    page = client.get(f"/manage/scenarios/{closed.id}/review").text
    assert "声明回避" in page and "阅读后发现曾与该单位合作" in page and "指派替补" in page
    client.post(f"/manage/scenarios/{closed.id}/review/assign",
                data={"reviewers": [str(reviewers[3].id)], "proposal_id": str(proposals[0].id),
                      "reason": "替补回避的专家"})
    assert review_of(closed, reviewers[3], proposals[0]).state == ReviewState.PENDING
    assert review_of(closed, reviewers[3], proposals[1]) is None


def test_no_recusal_once_the_scores_are_submitted_until_they_are_sent_back(client, login_as, closed, department,
                                                                           reviewers, proposals):
    assign(closed, reviewers[:3])
    review = _bring_to("submitted", closed, reviewers[0], proposals[0])
    with pytest.raises(Conflict):
        conflicts.recuse(review, reviewers[0], "迟到的回避")
    _db.session.rollback()
    login_as(reviewers[0])
    assert "申请回避" not in client.get(f"/reviewing/reviews/{review.id}").text
    page = client.post(f"/reviewing/reviews/{review.id}/recuse", data={"reason": "迟到的回避"})
    assert "评分已提交，不能再申请回避" in page.text
    _db.session.refresh(review)
    assert review.state == ReviewState.SUBMITTED
    operations.reopen_review(review, department, "请补充评语")
    _db.session.commit()
    conflicts.recuse(review, reviewers[0], "复核时发现利害关系")
    assert review.state == ReviewState.RECUSED


@pytest.mark.parametrize("state", ["pending", "in_progress", "submitted", "recused", "excluded"])
def test_recusal_is_open_exactly_while_the_review_is_the_reviewers_unsubmitted_work(closed, bidder, reviewers,
                                                                                    proposals, state):
    if state == "excluded":
        _entry(reviewers[0], "shareholding", "杭州某某科技有限公司")
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    if state != "excluded":
        review = _bring_to(state, closed, reviewers[0], proposals[0])
    if state in ("pending", "in_progress"):
        conflicts.recuse(review, reviewers[0], "原因")
        assert review.state == ReviewState.RECUSED
    else:
        with pytest.raises((Conflict, PermissionDenied)):
            conflicts.recuse(review, reviewers[0], "原因")
    with pytest.raises(PermissionDenied):
        conflicts.recuse(review_of(closed, reviewers[1], proposals[0]), reviewers[0], "别人的任务")


# --- blind and open reviews ---------------------------------------------------------------------

def test_in_a_blind_review_the_declaration_is_made_against_the_profile_and_names_no_bidder(
        client, login_as, closed, bidders, reviewers, proposals):
    _entry(reviewers[0], "shareholding", "杭州远帆数据科技有限公司", detail="持股 2%")
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    page = client.get(f"/reviewing/reviews/{review.id}").text
    assert "本场景为盲评" in page and "杭州远帆数据科技有限公司" in page and "本人已核对上方的利益冲突信息" in page
    assert all(b.organization.name not in page and b.organization.uscc not in page for b in bidders)
    # The reviewer adds what the profile lacked; it matches the hidden bidder, and the task goes without a name.
    response = client.post("/reviewing/profile/entries", data={"kind": "post", "org_name": bidders[0].organization.name,
                                                               "detail": "顾问"}, follow_redirects=True)
    assert response.status_code == 200
    _db.session.refresh(review)
    assert review.state == ReviewState.EXCLUDED
    workspace = client.get("/reviewing/").text
    assert f"/reviewing/reviews/{review.id}\"" not in workspace
    assert all(b.organization.name not in workspace for b in bidders[1:])


def test_in_an_open_review_the_declaration_names_the_bidder(client, login_as, closed, department, bidders,
                                                            reviewers, proposals):
    review_setup.save_setup(closed, department, blind=False, criteria=review_setup.get_setup(closed).criteria)
    assign(closed, reviewers[:3])
    review = review_of(closed, reviewers[0], proposals[0])
    login_as(reviewers[0])
    page = client.get(f"/reviewing/reviews/{review.id}").text
    assert bidders[0].organization.name in page and "本场景为盲评" not in page


# --- the profile pages --------------------------------------------------------------------------

def test_the_reviewer_keeps_its_profile_on_a_page_of_its_own(client, login_as, db, reviewers):
    reviewer = reviewers[0]
    login_as(reviewer)
    page = client.get("/reviewing/profile").text
    assert reviewer.organization.name in page  # the account's 所属单位 is the current employer until changed
    code = make_uscc("91330106MA2H3K7P1")
    assert client.post("/reviewing/profile/employer", data={"employer": "杭州某某科技有限公司",
                                                            "uscc": code.lower()}).status_code == 302
    profile = conflicts.get_profile(reviewer)
    assert (profile.employer_name, profile.employer_uscc) == ("杭州某某科技有限公司", code)
    assert client.post("/reviewing/profile/entries", data={
        "kind": "former_employer", "org_name": "宁波某甲电子有限公司", "until": "2024-06-30"}).status_code == 302
    page = client.get("/reviewing/profile").text
    assert "宁波某甲电子有限公司" in page and "2024-06-30" in page
    assert _actions("reviewer_profile.employer") and _actions("reviewer_profile.add", org_name="宁波某甲电子有限公司")


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "former_employer", "org_name": "某甲公司", "until": ""}, "请填写离职日期"),
    ({"kind": "former_employer", "org_name": "某甲公司", "until": "2030-01-01"}, "离职日期不能晚于今天"),
    ({"kind": "former_employer", "org_name": "某甲公司", "until": "去年六月"}, "请填写有效的日期"),
    ({"kind": "relation", "org_name": "某甲公司", "detail": ""}, "请说明与该单位的利益关系"),
    ({"kind": "shareholding", "org_name": "", "detail": "持股 5%"}, "请填写单位名称"),
    ({"kind": "shareholding", "org_name": "某甲公司", "uscc": "91330106MA2H3K7P1F"}, "校验位错误"),
    ({"kind": "bogus", "org_name": "某甲公司"}, "请选择类别"),
])
def test_a_wrong_entry_gets_a_message_on_its_field_and_keeps_what_was_typed(client, login_as, reviewers, data,
                                                                           message):
    login_as(reviewers[0])
    page = client.post("/reviewing/profile/entries", data=data)
    assert page.status_code == 200 and message in page.text
    for key, value in data.items():
        assert key == "kind" or value in page.text
    assert not conflicts.get_profile(reviewers[0]).entries


def test_a_wrong_employer_code_is_refused_on_its_field(client, login_as, reviewers):
    login_as(reviewers[0])
    page = client.post("/reviewing/profile/employer", data={"employer": "杭州某某科技有限公司", "uscc": "12345"})
    assert "统一社会信用代码应为18位" in page.text and 'value="杭州某某科技有限公司"' in page.text
    assert conflicts.get_profile(reviewers[0]).employer_name == reviewers[0].organization.name


def test_a_reviewer_cannot_touch_another_reviewers_profile(client, login_as, reviewers):
    entry = _entry(reviewers[1], "shareholding", "杭州某某科技有限公司")
    login_as(reviewers[0])
    assert client.post(f"/reviewing/profile/entries/{entry.id}/delete").status_code == 404
    with pytest.raises(PermissionDenied):
        conflicts.add_entry(reviewers[1], reviewers[0], kind="post", org_name="某甲公司")
    with pytest.raises(PermissionDenied):
        conflicts.save_employer(reviewers[1], reviewers[0], employer="某甲公司", uscc=None)
    login_as(reviewers[1])
    assert client.post(f"/reviewing/profile/entries/{entry.id}/delete").status_code == 302
    assert not conflicts.get_profile(reviewers[1]).entries


def test_an_operation_refuses_an_empty_relation(reviewers):
    with pytest.raises(NotReady):
        conflicts.add_entry(reviewers[0], reviewers[0], kind="relation", org_name="某甲公司", detail=" ")


def test_assignment_is_the_departments_alone(closed, reviewers, create_user):
    with pytest.raises(PermissionDenied):
        conflicts.assign_reviewers(closed, reviewers[0], reviewers[:1])
    assert department_of(closed).role == Role.GOVERNMENT


def test_the_reason_is_recorded_in_chinese_whatever_the_reviewers_language(client, login_as, closed, bidder,
                                                                           reviewers, proposals):
    assign(closed, reviewers[:1])
    login_as(reviewers[0])
    client.get("/lang/en")
    client.post("/reviewing/profile/entries", data={"kind": "shareholding", "org_name": "杭州某某科技有限公司"})
    review = review_of(closed, reviewers[0], proposals[0])
    assert review.state == ReviewState.EXCLUDED and review.conflict_reason.startswith("利益冲突信息中的持股单位")
