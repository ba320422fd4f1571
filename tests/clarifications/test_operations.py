"""答疑 rules, enforced in the domain operations: who may ask, until when, how much; who answers and declines;
who is told; what is audited. Runs on both databases (row locks, counts, the notification dedupe)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.audit import AuditRecord
from portal.clarifications import operations, queries
from portal.clarifications.deadlines import default_question_deadline
from portal.clarifications.models import Question, QuestionState
from portal.errors import Conflict, DeadlinePassed, InvalidInput, PermissionDenied
from portal.follows import operations as follow_ops
from portal.notifications.models import Notification
from portal.proposals import operations as proposal_ops
from portal.util import clock
from tests.factories import mails, proposal_fields

pytestmark = pytest.mark.both_databases


def inbox(db, user):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


# --- asking ---------------------------------------------------------------------------------------

def test_a_verified_enterprise_asks_and_the_question_waits_unpublished(db, scenario, asker):
    question = operations.ask_question(scenario, asker, "  验收样本由谁提供？  ")

    assert question.state == QuestionState.PENDING and question.text == "验收样本由谁提供？"
    assert question.organization_id == asker.organization_id
    assert queries.public_questions(scenario) == []
    assert queries.own_questions(asker, scenario) == [question]


def test_the_default_question_deadline_is_three_working_days_before_the_submission_deadline(db, scenario):
    assert queries.question_deadline(scenario) == default_question_deadline(scenario.deadline)
    assert default_question_deadline(None) is None


@pytest.mark.parametrize(("deadline", "questions_close"), [
    (datetime(2026, 6, 12, 9, 0), datetime(2026, 6, 10, 0, 0)),   # Friday: 24:00 on Tuesday
    (datetime(2026, 10, 9, 9, 0), datetime(2026, 9, 30, 0, 0)),   # after 国庆 (1–7 October): 24:00 on 29 September
    (datetime(2026, 6, 15, 9, 0), datetime(2026, 6, 11, 0, 0)),   # Monday: the weekend does not count (24:00 Wed)
])
def test_question_deadlines_count_china_s_working_days(deadline, questions_close):
    local = deadline.replace(tzinfo=clock.LOCAL_TZ)
    assert clock.to_local(default_question_deadline(local)) == questions_close.replace(tzinfo=clock.LOCAL_TZ)


def test_a_question_after_the_question_deadline_is_refused_in_chinese(db, scenario, asker, frozen_now):
    clock.set_now(queries.question_deadline(scenario) + timedelta(seconds=1))

    with pytest.raises(DeadlinePassed, match="提问已于 .* 截止"):
        operations.ask_question(scenario, asker, "还来得及提问吗？")
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0


def test_the_department_moves_the_question_deadline_and_it_decides(db, scenario, owner, asker, frozen_now):
    later = scenario.deadline - timedelta(hours=2)
    operations.set_call_terms(scenario, owner, question_deadline=later)
    clock.set_now(scenario.deadline - timedelta(days=1))

    assert operations.ask_question(scenario, asker, "最后一天还能问吗？").is_pending
    clock.set_now(later)
    with pytest.raises(DeadlinePassed):
        operations.ask_question(scenario, asker, "截止后还能问吗？")


@pytest.mark.parametrize("when, message", [
    (lambda s: s.deadline + timedelta(minutes=1), "不能晚于揭榜截止时间"),
    (lambda s: clock.now() - timedelta(minutes=1), "不能早于当前时间"),
])
def test_a_question_deadline_outside_the_call_is_refused(db, scenario, owner, when, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        operations.set_call_terms(scenario, owner, question_deadline=when(scenario))
    assert refused.value.field == "question_deadline"


def test_whether_the_opening_record_names_bidders_is_fixed_once_published(db, create_scenario, scenario, owner):
    with pytest.raises(Conflict, match="场景发布后"):
        operations.set_call_terms(scenario, owner, question_deadline=None, opening_names_bidders=True)
    draft = create_scenario(batch=scenario.batch)
    terms = operations.set_call_terms(draft, owner, question_deadline=None, opening_names_bidders=True)
    assert terms.opening_names_bidders is True


def test_call_terms_belong_to_the_owning_department(db, scenario, create_user):
    for stranger in (create_user(Role.GOVERNMENT), create_user(Role.ENTERPRISE), create_user(Role.ADMIN)):
        with pytest.raises(PermissionDenied):
            operations.set_call_terms(scenario, stranger, question_deadline=None)


@pytest.mark.parametrize("text, message", [
    ("", "请填写问题"), ("   \n ", "请填写问题"), ("样本？", "至少 5 个字"),
    ("问" * 1001, "不能超过 1000 个字"),
])
def test_question_length_limits(db, scenario, asker, text, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        operations.ask_question(scenario, asker, text)
    assert refused.value.field == "text"


def test_control_characters_are_dropped_and_markup_is_kept_as_text(db, scenario, asker):
    question = operations.ask_question(scenario, asker, "<b>样本</b>\x00由谁\r\n提供？")
    assert question.text == "<b>样本</b>由谁\n提供？"


def test_ten_open_questions_per_enterprise_and_scenario_then_wait_for_answers(db, scenario, owner, asker,
                                                                            create_user):
    questions = [operations.ask_question(scenario, asker, f"第 {n} 个问题：样本数量？") for n in range(10)]
    with pytest.raises(Conflict, match="已有 10 个问题等待答复"):
        operations.ask_question(scenario, asker, "第 11 个问题：样本数量？")
    # A colleague of the same enterprise is the same asker; another enterprise is not limited by it.
    colleague = create_user(Role.ENTERPRISE, org=asker.organization)
    with pytest.raises(Conflict):
        operations.ask_question(scenario, colleague, "同事的问题：样本数量？")
    assert operations.ask_question(scenario, create_user(Role.ENTERPRISE), "另一家企业的问题？").is_pending
    operations.answer_question(questions[0], owner, "2000 张。")
    assert operations.ask_question(scenario, asker, "答复后可以再问一个吗？").is_pending


def test_asking_is_audited(db, scenario, asker):
    question = operations.ask_question(scenario, asker, "验收样本由谁提供？")
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "clarification.ask"))
    assert record.object_id == question.id and record.actor_id == asker.id


# --- answering and declining ----------------------------------------------------------------------

def test_the_department_answers_in_public_and_may_reword_the_question(db, answered, scenario, owner):
    assert answered.is_answered and answered.public_text == "样本由谁提供？"
    assert answered.answered_by_id == owner.id
    assert queries.public_questions(scenario) == [answered]
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "clarification.answer"))
    assert record.details == {"scenario": scenario.id, "reworded": True}


def test_an_answer_without_rewording_publishes_the_question_as_asked(db, ask, scenario, owner, asker):
    question = ask(scenario, asker)
    operations.answer_question(question, owner, "按附件样本测定。")
    assert question.public_text == question.text


@pytest.mark.parametrize("answer, public, field", [("", None, "answer"), ("答" * 5001, None, "answer"),
                                                  ("好的。", "", "public_text")])
def test_answer_limits(db, ask, scenario, owner, asker, answer, public, field):
    question = ask(scenario, asker)
    with pytest.raises(InvalidInput) as refused:
        operations.answer_question(question, owner, answer, public)
    assert refused.value.field == field and question.is_pending


def test_a_question_is_answered_or_declined_once(db, answered, owner):
    with pytest.raises(Conflict, match="该问题已处理"):
        operations.answer_question(answered, owner, "再答一次。")
    with pytest.raises(Conflict):
        operations.decline_question(answered, owner, "重复问题")


def test_declining_keeps_the_question_unpublished_and_tells_the_asker_the_reason(db, ask, scenario, owner, asker):
    question = ask(scenario, asker, "能否透露预算的评分细则？")
    operations.decline_question(question, owner, "与场景无关")

    assert question.is_declined and question.decline_reason == "与场景无关"
    assert queries.public_questions(scenario) == []
    (message,) = inbox(db, asker)
    assert message.kind == "clarification_declined" and "与场景无关" in message.body
    with pytest.raises(InvalidInput, match="请填写不予答复的理由"):
        operations.decline_question(ask(scenario, asker), owner, " ")


def test_only_the_owning_department_answers_or_declines(db, ask, scenario, asker, create_user):
    question = ask(scenario, asker)
    for stranger in (create_user(Role.GOVERNMENT), create_user(Role.ADMIN), create_user(Role.REVIEWER), asker):
        with pytest.raises(PermissionDenied):
            operations.answer_question(question, stranger, "我来答。")
        with pytest.raises(PermissionDenied):
            operations.decline_question(question, stranger, "不答。")


def test_after_the_submission_deadline_questions_are_no_longer_answered(db, ask, scenario, owner, asker, frozen_now):
    question = ask(scenario, asker)
    clock.set_now(scenario.deadline + timedelta(minutes=1))
    with pytest.raises(DeadlinePassed):
        operations.answer_question(question, owner, "晚到的答复。")


# --- who is told ----------------------------------------------------------------------------------

def test_the_department_hears_of_a_new_question_without_who_asked(db, ask, scenario, owner, asker):
    ask(scenario, asker)
    (message,) = inbox(db, owner)
    assert message.kind == "clarification_asked"
    assert asker.organization.name not in message.title + message.body


def test_an_answer_reaches_followers_drafters_submitters_and_the_asker_once_each(db, ask, scenario, owner, asker,
                                                                               create_user, submit_proposal):
    follower = create_user(Role.ENTERPRISE)
    follow_ops.set_followed_sectors(follower, [scenario.sector])
    drafter = create_user(Role.ENTERPRISE)
    proposal_ops.save_draft(proposal_ops.open_proposal(scenario, drafter), drafter, proposal_fields(), [])
    submitter = create_user(Role.ENTERPRISE)
    submit_proposal(scenario, submitter)
    both = create_user(Role.ENTERPRISE)  # follows the sector and bids: told once
    follow_ops.set_followed_sectors(both, [scenario.sector])
    submit_proposal(scenario, both)
    # The asker also follows the sector: it gets its own message only.
    follow_ops.set_followed_sectors(asker, [scenario.sector])
    bystander = create_user(Role.ENTERPRISE)
    follow_ops.set_followed_sectors(bystander, ["medical_imaging" if scenario.sector != "medical_imaging" else "other"])
    db.session.commit()
    before = {u.id: len(inbox(db, u)) for u in (follower, drafter, submitter, both, asker, bystander)}

    question = ask(scenario, asker, "杭州提问科技有限公司：样本由谁提供？")
    operations.answer_question(question, owner, "发布单位提供。", "样本由谁提供？")
    db.session.commit()

    new = {u: inbox(db, u)[before[u.id]:] for u in (follower, drafter, submitter, both, asker, bystander)}
    for user in (follower, drafter, submitter, both):
        (message,) = new[user]
        assert message.kind == "clarification_answered" and "样本由谁提供？" in message.body
        assert "杭州提问科技有限公司" not in message.title + message.body
        assert message.link.endswith(f"/scenarios/{scenario.id}#clarification-{question.id}")
    (own,) = new[asker]
    assert own.kind == "clarification_answered_own"
    assert new[bystander] == []


def test_withdrawn_bidders_are_not_told(db, ask, scenario, owner, asker, create_user, submit_proposal):
    gone = create_user(Role.ENTERPRISE)
    version = submit_proposal(scenario, gone)
    proposal_ops.withdraw_proposal(version.proposal, gone)
    db.session.commit()
    operations.answer_question(ask(scenario, asker), owner, "发布单位提供。")
    assert inbox(db, gone) and all(m.kind != "clarification_answered" for m in inbox(db, gone))


def test_the_answer_goes_out_by_mail_through_the_outbox_without_the_asker(db, outbox, ask, scenario, owner, asker,
                                                                         create_user):
    follower = create_user(Role.ENTERPRISE)
    follow_ops.set_followed_sectors(follower, [scenario.sector])
    db.session.commit()
    operations.answer_question(ask(scenario, asker), owner, "发布单位提供。")
    db.session.commit()

    sent = [m for m in mails(outbox) if m["To"].addresses[0].addr_spec == follower.email]
    assert len(sent) == 1
    body = sent[0].get_body(("plain",)).get_content()
    assert "发布单位提供。" in body and asker.organization.name not in body and asker.email not in body
