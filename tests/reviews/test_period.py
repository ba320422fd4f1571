"""The review period: the department sets its end (a default until then), reviewers with unfinished reviews are
reminded two days and one day before it (each once, whatever the worker does), the department follows progress
without seeing scores, and after the end replaces an overdue reviewer by a standby one, matched for conflicts as
any assignment is; the replaced reviewer loses the proposals."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal import jobs
from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.errors import Conflict, InvalidTransition, NotReady, PermissionDenied
from portal.extensions import db as _db
from portal.notifications.models import Notification
from portal.reviews import conflicts, period
from portal.reviews import setup as review_setup
from portal.reviews.models import Review, ReviewReminder, ReviewState
from portal.scenarios.models import ScenarioState
from portal.util import clock
from tests.factories import mails
from tests.reviews.helpers import assign, department_of, review_of, score, split

TODAY = date(2026, 3, 2)  # frozen_now, in Hangzhou
# The end of 2026-03-05 in Hangzhou: midnight there, 16:00 UTC the day before.
END = datetime(2026, 3, 5, 16, 0, tzinfo=UTC)


def _actions(action):
    return _db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)
                               .order_by(AuditRecord.id)).all()


def _set_end(scenario, day=date(2026, 3, 5)):
    period.set_period(scenario, department_of(scenario), day)
    _db.session.commit()


def _reminder_mails(outbox):
    return [m for m in mails(outbox) if "评审即将截止" in str(m["Subject"])]


def _end_review(scenario, state):
    from portal.scenarios import operations as scenario_ops

    if state == ScenarioState.CANCELLED:
        scenario_ops.cancel_scenario(scenario, department_of(scenario), "需求调整")
    else:
        scenario.state = state
    _db.session.commit()


def _reminders(user=None):
    query = select(func.count()).select_from(Notification).where(Notification.kind == "review_reminder")
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return _db.session.scalar(query)


# --- the period ---------------------------------------------------------------------------------

def test_a_review_gets_a_default_period_that_the_department_changes_and_the_change_is_audited(closed, reviewers):
    assign(closed, reviewers[:3])
    assert period.ends_at(closed) == period.end_of(TODAY + timedelta(days=review_setup.DEFAULT_DAYS))
    _set_end(closed)
    assert period.ends_at(closed) == END
    assert period.last_day(END) == date(2026, 3, 5)
    (record,) = _actions("review.period")
    assert record.details == {"ends_on": "2026-03-05", "previous": "2026-03-12"}


@pytest.mark.parametrize(("day", "message"), [(date(2026, 3, 1), "不能早于今天"), (None, "请选择评审截止日期"),
                                              (TODAY + timedelta(days=91), "不能晚于 90 天后")])
def test_a_period_in_the_past_or_too_far_ahead_is_refused(closed, reviewers, day, message):
    assign(closed, reviewers[:3])
    with pytest.raises(NotReady, match=message):
        period.set_period(closed, department_of(closed), day)


@pytest.mark.parametrize("role", ["enterprise", "reviewer", "other_department", "admin"])
def test_only_the_owning_department_sets_the_period(closed, reviewers, create_user, role):
    assign(closed, reviewers[:3])
    actor = create_user(Role.GOVERNMENT if role == "other_department" else Role(role))
    with pytest.raises(PermissionDenied):
        period.set_period(closed, actor, date(2026, 3, 5))


@pytest.mark.parametrize("state", [ScenarioState.DECIDED, ScenarioState.CANCELLED])
def test_the_period_is_fixed_once_the_review_is_over(closed, reviewers, state):
    assign(closed, reviewers[:3])
    _end_review(closed, state)
    with pytest.raises(InvalidTransition):
        period.set_period(closed, department_of(closed), date(2026, 3, 5))


def test_the_page_refuses_an_unreadable_date_in_chinese_and_keeps_it(client, login_as, closed, reviewers):
    assign(closed, reviewers[:3])
    login_as(department_of(closed))
    page = client.post(f"/manage/scenarios/{closed.id}/review/period", data={"ends_on": "2026-02-30"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "请填写有效的日期" in text and 'value="2026-02-30"' in text
    page = client.post(f"/manage/scenarios/{closed.id}/review/period", data={"ends_on": "2026-03-05"},
                       follow_redirects=True)
    assert "评审期已保存" in page.get_data(as_text=True)
    assert period.ends_at(closed) == END


# --- reminders ----------------------------------------------------------------------------------

@pytest.mark.both_databases
def test_reminders_go_out_two_days_and_one_day_before_the_end_each_once(closed, reviewers, proposals, outbox,
                                                                          frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    for proposal in proposals:  # reviewers[2] has finished: nothing to remind it of
        score(review_of(closed, reviewers[2], proposal), split(80))
    assert period.send_reminders() == 0, "three days before: too early"

    clock.set_now(END - timedelta(days=2))
    assert period.send_reminders() == 2
    _db.session.commit()
    assert period.send_reminders() == 0, "the same reminder is never sent twice"
    clock.set_now(END - timedelta(days=1, minutes=10))
    assert period.send_reminders() == 0
    _db.session.commit()
    assert [_reminders(r) for r in reviewers[:3]] == [1, 1, 0]

    clock.set_now(END - timedelta(hours=20))
    assert period.send_reminders() == 2
    _db.session.commit()
    assert period.send_reminders() == 0
    clock.set_now(END + timedelta(minutes=1))
    assert period.send_reminders() == 0, "after the end the reviewer is overdue, not reminded"
    _db.session.commit()
    assert [_reminders(r) for r in reviewers[:3]] == [2, 2, 0]
    rows = _db.session.scalars(select(ReviewReminder).order_by(ReviewReminder.id)).all()
    assert sorted((r.reviewer_id, r.days_before, r.unfinished) for r in rows) == [
        (reviewers[0].id, 1, 3), (reviewers[0].id, 2, 3), (reviewers[1].id, 1, 3), (reviewers[1].id, 2, 3)]
    sent = _reminder_mails(outbox)
    assert len(sent) == 4 and {m["To"].addresses[0].addr_spec for m in sent} == {reviewers[0].email,
                                                                                 reviewers[1].email}


@pytest.mark.both_databases
def test_the_worker_job_reminds_once_however_often_it_runs(app, closed, reviewers, outbox, frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    clock.set_now(END - timedelta(days=1, hours=12))
    assert "reviews.deadline-reminders" in jobs.run_due()
    clock.set_now(END - timedelta(days=1, hours=11))
    assert "reviews.deadline-reminders" in jobs.run_due(), "the next slot runs the job again"
    _db.session.expire_all()
    assert [_reminders(r) for r in reviewers[:3]] == [1, 1, 1]
    assert len(_reminder_mails(outbox)) == 3


def test_a_moved_period_reminds_again_for_its_new_end(closed, reviewers, frozen_now):
    assign(closed, reviewers[:1])
    _set_end(closed)
    clock.set_now(END - timedelta(hours=12))
    assert period.send_reminders() == 1
    _db.session.commit()
    _set_end(closed, date(2026, 3, 9))
    clock.set_now(period.end_of(date(2026, 3, 9)) - timedelta(hours=12))
    assert period.send_reminders() == 1
    _db.session.commit()
    assert _reminders(reviewers[0]) == 2


def test_no_reminder_once_the_review_is_over_or_for_an_inactive_account(closed, reviewers, frozen_now):
    assign(closed, reviewers[:2])
    _set_end(closed)
    reviewers[1].active = False
    _db.session.commit()
    clock.set_now(END - timedelta(hours=12))
    assert period.send_reminders() == 1
    _db.session.commit()
    assert [_reminders(r) for r in reviewers[:2]] == [1, 0]
    _set_end(closed, date(2026, 3, 9))
    clock.set_now(period.end_of(date(2026, 3, 9)) - timedelta(hours=12))
    _end_review(closed, ScenarioState.CANCELLED)
    assert period.send_reminders() == 0, "a cancelled review reminds nobody"


# --- progress and overdue reviewers -------------------------------------------------------------

def test_the_board_counts_each_reviewers_work_and_flags_the_overdue_after_the_end(closed, reviewers, proposals,
                                                                                 frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    score(review_of(closed, reviewers[0], proposals[0]), split(80))
    for proposal in proposals:
        score(review_of(closed, reviewers[1], proposal), split(70))
    rows = {r.reviewer.id: r for r in period.progress(closed)}
    assert [(rows[r.id].assigned, rows[r.id].scored, rows[r.id].remaining, rows[r.id].overdue)
            for r in reviewers[:3]] == [(3, 1, 2, False), (3, 3, 0, False), (3, 0, 3, False)]
    clock.set_now(END)
    rows = {r.reviewer.id: r for r in period.progress(closed)}
    assert [rows[r.id].overdue for r in reviewers[:3]] == [True, False, True]


def test_the_board_page_shows_counts_but_no_scores(client, login_as, closed, reviewers, proposals, frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    score(review_of(closed, reviewers[0], proposals[0]), [27.5, 25, 15, 10])  # total 77.5
    clock.set_now(END + timedelta(hours=1))
    login_as(department_of(closed))
    page = client.get(f"/manage/scenarios/{closed.id}/review/progress")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "逾期" in text and reviewers[0].name in text
    assert "77.5" not in text and "27.5" not in text, "the board shows progress, never scores"


def _overdue_world(closed, reviewers):
    assign(closed, reviewers[:3])
    _set_end(closed)
    clock.set_now(END + timedelta(hours=1))


def test_a_department_replaces_an_overdue_reviewer_by_a_standby(closed, reviewers, proposals, frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    score(review_of(closed, reviewers[0], proposals[0]), split(80))
    clock.set_now(END + timedelta(hours=1))
    created = period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])
    _db.session.commit()
    assert [r.proposal_id for r in created] == [p.id for p in proposals[1:]]
    assert [review_of(closed, reviewers[0], p).state for p in proposals] == [
        ReviewState.SUBMITTED, ReviewState.REPLACED, ReviewState.REPLACED]
    assert [review_of(closed, reviewers[4], p) is None for p in proposals] == [True, False, False]
    assert {r.state for r in created} == {ReviewState.PENDING}
    assert len(_actions("review.replace")) == 2
    (summary,) = _actions("review.replace_reviewer")
    assert summary.details["standby"] == reviewers[4].id
    kinds = _db.session.scalars(select(Notification.kind).where(Notification.user_id.in_(
        [reviewers[0].id, reviewers[4].id]))).all()
    assert "review_replaced" in kinds and "review_assigned" in kinds
    board = {r.reviewer.id: r for r in period.progress(closed)}
    assert not board[reviewers[0].id].overdue and board[reviewers[0].id].out == 2


def test_the_replaced_reviewer_loses_the_proposals(client, login_as, closed, reviewers, proposals, frozen_now):
    _overdue_world(closed, reviewers)
    review = review_of(closed, reviewers[0], proposals[0])
    conflicts.declare(review, reviewers[0], conflict=False)
    _db.session.commit()
    period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])
    _db.session.commit()
    login_as(reviewers[0])
    assert client.get(f"/reviewing/reviews/{review.id}").status_code == 404
    assert client.get(f"/reviewing/reviews/{review.id}/attachments/1").status_code == 404
    assert "方案 A" not in client.get("/reviewing/").get_data(as_text=True)


def test_a_standby_whose_profile_matches_a_bidder_is_refused_and_nothing_changes(closed, reviewers, bidders,
                                                                                 proposals, frozen_now):
    _overdue_world(closed, reviewers)
    conflicts.save_employer(reviewers[4], reviewers[4], employer=bidders[1].organization.name, uscc=None)
    _db.session.commit()
    with pytest.raises(Conflict, match="利益冲突信息与方案 B"):
        period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])
    _db.session.rollback()
    assert {review_of(closed, reviewers[0], p).state for p in proposals} == {ReviewState.PENDING}
    assert all(review_of(closed, reviewers[4], p) is None for p in proposals)


def test_a_standby_already_on_the_proposals_is_refused(closed, reviewers, frozen_now):
    _overdue_world(closed, reviewers)
    with pytest.raises(Conflict, match="已参与方案"):
        period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[1])


def test_no_replacement_before_the_end_of_the_period(closed, reviewers, frozen_now):
    assign(closed, reviewers[:3])
    _set_end(closed)
    clock.set_now(END - timedelta(minutes=1))
    with pytest.raises(Conflict, match="评审期尚未结束"):
        period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])


@pytest.mark.parametrize(("state", "replaceable"), [
    (ReviewState.PENDING, True), (ReviewState.IN_PROGRESS, True), (ReviewState.SUBMITTED, False),
    (ReviewState.RECUSED, False), (ReviewState.EXCLUDED, False)])
def test_only_unfinished_reviews_are_overdue_and_replaced(closed, reviewers, proposals, frozen_now, state,
                                                          replaceable):
    assign(closed, reviewers[:3], proposals[:1])
    _set_end(closed)
    review = review_of(closed, reviewers[0], proposals[0])
    if state == ReviewState.IN_PROGRESS:
        conflicts.declare(review, reviewers[0], conflict=False)
    elif state == ReviewState.SUBMITTED:
        score(review, split(60))
    elif state == ReviewState.RECUSED:
        conflicts.recuse(review, reviewers[0], "曾与该单位合作")
    elif state == ReviewState.EXCLUDED:
        conflicts.save_employer(reviewers[0], reviewers[0], employer=review.proposal.organization.name, uscc=None)
    _db.session.commit()
    assert review.state == state
    clock.set_now(END)
    assert {r.reviewer.id: r.overdue for r in period.progress(closed)}.get(reviewers[0].id) is replaceable
    if replaceable:
        period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])
        assert review.state == ReviewState.REPLACED and review.replaced_at == clock.now()
    else:
        with pytest.raises(Conflict, match="没有逾期未完成的评审"):
            period.replace_reviewer(closed, department_of(closed), reviewers[0], reviewers[4])


@pytest.mark.parametrize("role", ["enterprise", "reviewer", "other_department", "admin"])
def test_only_the_owning_department_replaces(closed, reviewers, create_user, frozen_now, role):
    _overdue_world(closed, reviewers)
    actor = reviewers[1] if role == "reviewer" else create_user(
        Role.GOVERNMENT if role == "other_department" else Role(role))
    with pytest.raises(PermissionDenied):
        period.replace_reviewer(closed, actor, reviewers[0], reviewers[4])


def test_replacing_through_the_board(client, login_as, closed, reviewers, proposals, frozen_now):
    _overdue_world(closed, reviewers)
    login_as(department_of(closed))
    page = client.post(f"/manage/scenarios/{closed.id}/review/replace",
                       data={"reviewer_id": str(reviewers[0].id), "standby": str(reviewers[1].id)})
    assert page.status_code == 200 and "已参与方案" in page.get_data(as_text=True)
    page = client.post(f"/manage/scenarios/{closed.id}/review/replace",
                       data={"reviewer_id": str(reviewers[0].id), "standby": str(reviewers[5].id)},
                       follow_redirects=True)
    assert "已由替补专家" in page.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(Review).where(
        Review.reviewer_id == reviewers[5].id)) == len(proposals)


def test_with_no_standby_left_the_board_says_so_instead_of_an_empty_list(client, login_as, closed, reviewers,
                                                                          frozen_now):
    for extra in reviewers[3:]:
        extra.active = False
    _db.session.commit()
    _overdue_world(closed, reviewers)
    login_as(department_of(closed))
    text = client.get(f"/manage/scenarios/{closed.id}/review/progress").get_data(as_text=True)
    assert "没有可替补的评审专家" in text and 'name="standby"' not in text


def test_the_setup_page_shows_no_empty_standby_list(client, login_as, closed, reviewers, proposals):
    for extra in reviewers[3:]:
        extra.active = False
    _db.session.commit()
    assign(closed, reviewers[:3])
    conflicts.recuse(review_of(closed, reviewers[0], proposals[0]), reviewers[0], "曾与该单位合作")
    _db.session.commit()
    login_as(department_of(closed))
    text = client.get(f"/manage/scenarios/{closed.id}/review").get_data(as_text=True)
    assert "没有可指派的替补专家" in text and f'id="replace-{proposals[0].id}"' not in text
