"""公示: its window by server time, objections and answers, and the final result derived without a job."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.announcements import operations as announcement_ops
from portal.announcements.models import Objection
from portal.errors import Conflict, PermissionDenied
from portal.extensions import db as _db
from portal.scenarios.models import Scenario, ScenarioState
from tests.announcements.helpers import announced, decided
from tests.factories import MINIMAL_PDF
from tests.reviews.helpers import fully_reviewed


@pytest.fixture
def decided_scenario(closed, reviewers, proposals):
    fully_reviewed(closed, reviewers[:3], [[88, 86, 84], [70, 72, 74], [60, 62, 64]])
    decided(closed, proposals[:1])
    return closed


@pytest.fixture
def objector(create_user):
    return create_user(Role.ENTERPRISE)


def _object(client, scenario, text="评分有失公允。", **extra):
    return client.post(f"/scenarios/{scenario.id}/objections", data={"text": text, **extra},
                       content_type="multipart/form-data")


def _final_ids():
    return set(_db.session.scalars(select(Scenario.id).where(Scenario.status_clause(ScenarioState.FINAL))))


def _announced_ids():
    return set(_db.session.scalars(select(Scenario.id).where(Scenario.status_clause(ScenarioState.ANNOUNCED))))


def test_objections_are_accepted_from_the_start_until_one_second_before_the_end(
        client, login_as, db, frozen_now, decided_scenario, objector):
    start = frozen_now.now() + timedelta(hours=1)
    decision = announced(decided_scenario, starts_at=start, ends_at=start + timedelta(days=5))
    # Before the start the public does not see it yet, and nobody can object.
    assert client.get(f"/scenarios/{decided_scenario.id}/announcement").status_code == 404
    login_as(objector)
    assert _object(client, decided_scenario).status_code == 404
    frozen_now.set_now(start)
    assert _object(client, decided_scenario, text="开始即提出").status_code == 302
    frozen_now.set_now(decision.ends_at - timedelta(seconds=1))
    assert _object(client, decided_scenario, text="最后一秒").status_code == 302
    frozen_now.set_now(decision.ends_at)
    page = _object(client, decided_scenario, text="迟到的异议")
    assert "不在公示期内" in page.text
    assert [o.text for o in db.session.scalars(select(Objection))] == ["开始即提出", "最后一秒"]


def test_the_result_is_final_at_the_end_of_the_window_when_nothing_is_open(frozen_now, decided_scenario):
    decision = announced(decided_scenario)
    frozen_now.set_now(decision.ends_at - timedelta(seconds=1))
    assert decided_scenario.status == ScenarioState.ANNOUNCED
    assert decided_scenario.id in _announced_ids() and decided_scenario.id not in _final_ids()
    frozen_now.set_now(decision.ends_at)
    assert decided_scenario.status == ScenarioState.FINAL
    assert decided_scenario.id in _final_ids() and decided_scenario.id not in _announced_ids()
    assert decided_scenario.state == ScenarioState.ANNOUNCED  # derived by time; nothing was written


def test_an_unanswered_objection_holds_the_result_until_it_is_answered(
        client, login_as, db, frozen_now, decided_scenario, department, objector):
    decision = announced(decided_scenario)
    objection = announcement_ops.file_objection(decided_scenario, objector, text="请复核技术评分。")
    db.session.commit()
    frozen_now.set_now(decision.ends_at + timedelta(days=1))
    assert decided_scenario.status == ScenarioState.ANNOUNCED and decided_scenario.id not in _final_ids()
    login_as(department)
    page = client.post(f"/manage/objections/{objection.id}", data={"answer": "已复核。"})
    assert "请选择异议是否成立" in page.text and "已复核。" in page.text
    page = client.post(f"/manage/objections/{objection.id}", data={"answer": "", "outcome": "rejected"})
    assert "请填写答复内容" in page.text
    client.post(f"/manage/objections/{objection.id}", data={"answer": "已复核，评分无误。", "outcome": "rejected"})
    db.session.refresh(decided_scenario)
    assert decided_scenario.state == ScenarioState.FINAL
    with pytest.raises(Conflict):
        announcement_ops.answer_objection(objection, department, "再答一次", outcome="rejected")


def test_only_a_verified_enterprise_may_object(client, login_as, decided_scenario, department, create_user,
                                               reviewers):
    announced(decided_scenario)
    pending = create_user(Role.ENTERPRISE, verified=False)
    for user in (pending, department, reviewers[0]):
        login_as(user)
        assert _object(client, decided_scenario).status_code == 403
        with pytest.raises(PermissionDenied):
            announcement_ops.file_objection(decided_scenario, user, text="x")
    client.post("/logout")
    assert "登录" in client.get(f"/scenarios/{decided_scenario.id}/announcement").text


def test_an_objection_needs_text_and_a_refused_file_keeps_the_text(client, login_as, db, decided_scenario, objector):
    announced(decided_scenario)
    login_as(objector)
    assert "请填写异议内容" in _object(client, decided_scenario, text=" ").text
    page = _object(client, decided_scenario, text="附件是程序的异议",
                   attachment=(io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "证据.exe"))
    assert "不受支持" in page.text and "附件是程序的异议" in page.text
    assert db.session.scalar(select(Objection)) is None


def test_the_objector_and_the_department_see_the_objection_others_do_not(
        client, login_as, db, decided_scenario, department, objector, create_user):
    announced(decided_scenario)
    login_as(objector)
    _object(client, decided_scenario, text="只有本企业可见的异议",
            attachment=(io.BytesIO(MINIMAL_PDF), "证据材料.pdf"))
    objection = db.session.scalar(select(Objection))
    download = client.get(f"/objections/{objection.id}/attachment")
    download.close()
    assert download.status_code == 200
    login_as(create_user(Role.ENTERPRISE))
    page = client.get(f"/scenarios/{decided_scenario.id}/announcement")
    assert "只有本企业可见的异议" not in page.text
    assert client.get(f"/objections/{objection.id}/attachment").status_code == 404
    login_as(department)
    page = client.get(f"/scenarios/{decided_scenario.id}/announcement")
    assert "只有本企业可见的异议" in page.text and "答复" in page.text


@pytest.mark.parametrize("publish", [False, True])
def test_scores_are_published_only_when_so_set(client, decided_scenario, proposals, publish):
    announced(decided_scenario, publish_scores=publish)
    page = client.get(f"/scenarios/{decided_scenario.id}/announcement").text
    assert proposals[0].organization.name in page
    assert ("86.00" in page) is publish


def test_the_results_page_lists_final_results_by_batch(client, frozen_now, decided_scenario, proposals):
    decision = announced(decided_scenario)
    assert decided_scenario.title not in client.get("/results").text
    frozen_now.set_now(decision.ends_at)
    page = client.get("/results").text
    assert decided_scenario.title in page and decided_scenario.batch.title in page
    assert proposals[0].organization.name in page
