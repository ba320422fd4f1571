"""答疑 pages: the enterprise's question page, the department's questions and answer pages, the scenario page's
section. Bad input keeps what was typed; forms need their CSRF token; the department never sees who asked."""

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.clarifications import operations, queries
from portal.clarifications.models import Question
from portal.scenarios import operations as scenario_ops
from portal.util import clock
from tests.factories import _owner_of, form_values


def count_questions(db):
    return db.session.scalar(select(func.count()).select_from(Question))


def test_an_enterprise_asks_from_the_scenario_page_and_follows_its_question(db, client, login_as, scenario, asker):
    login_as(asker)
    assert f"/scenarios/{scenario.id}/questions" in client.get(f"/scenarios/{scenario.id}").text

    response = client.post(f"/scenarios/{scenario.id}/questions", data={"text": "验收样本由谁提供？"})

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/scenarios/{scenario.id}/questions")
    own = client.get(f"/scenarios/{scenario.id}/questions").text
    assert "验收样本由谁提供？" in own and "待答复" in own
    assert "贵单位已提问 1 个" in client.get(f"/scenarios/{scenario.id}").text


def test_a_refused_question_keeps_its_text_and_says_why(db, client, login_as, scenario, asker, frozen_now):
    login_as(asker)
    long_text = "样本" * 501
    response = client.post(f"/scenarios/{scenario.id}/questions", data={"text": long_text})
    assert response.status_code == 200 and "不能超过 1000 个字" in response.text
    assert form_values(response.text)["text"] == long_text

    clock.set_now(queries.question_deadline(scenario) + timedelta(minutes=1))
    late = client.post(f"/scenarios/{scenario.id}/questions", data={"text": "截止后的问题：样本格式？"})
    assert late.status_code == 200 and "提问已于" in late.text and "截止" in late.text
    assert form_values(late.text)["text"] == "截止后的问题：样本格式？"
    assert count_questions(db) == 0


def test_the_question_form_needs_its_csrf_token(csrf_app, db, client, login_as, scenario, asker):
    login_as(asker)
    response = client.post(f"/scenarios/{scenario.id}/questions", data={"text": "验收样本由谁提供？"})
    assert response.status_code in (200, 400) and count_questions(db) == 0


def test_an_unverified_enterprise_is_told_why_it_cannot_ask(db, client, login_as, scenario, create_user):
    login_as(create_user(Role.ENTERPRISE, verified=False))
    page = client.get(f"/scenarios/{scenario.id}/questions").text
    assert "认证通过后即可提问" in page
    response = client.post(f"/scenarios/{scenario.id}/questions", data={"text": "验收样本由谁提供？"})
    assert "认证通过后即可提问" in response.text and count_questions(db) == 0


def test_a_draft_scenario_has_no_question_page(db, client, login_as, create_scenario, asker):
    login_as(asker)
    assert client.get(f"/scenarios/{create_scenario().id}/questions").status_code == 404


def test_the_department_answers_without_ever_seeing_who_asked(db, client, login_as, scenario, owner, asker, ask):
    question = ask(scenario, asker, "样本由谁提供？")
    login_as(owner)

    listing = client.get(f"/manage/scenarios/{scenario.id}/questions").text
    detail = client.get(f"/manage/questions/{question.id}").text
    for text in (listing, detail):
        assert "样本由谁提供？" in text
        assert asker.organization.name not in text and asker.email not in text and asker.organization.uscc not in text
    assert "提问单位对发布单位匿名" in listing

    response = client.post(f"/manage/questions/{question.id}/answer",
                           data={"public_text": "样本由谁提供？", "answer": "由发布单位提供。"})
    assert response.status_code == 302
    assert queries.public_questions(scenario) == [question]


def test_an_empty_answer_keeps_the_reworded_question(db, client, login_as, scenario, owner, asker, ask):
    question = ask(scenario, asker)
    login_as(owner)
    response = client.post(f"/manage/questions/{question.id}/answer",
                           data={"public_text": "改写后的问题：样本？", "answer": " "})
    assert response.status_code == 200 and "请填写答复" in response.text
    assert form_values(response.text)["public_text"] == "改写后的问题：样本？"
    assert question.is_pending


def test_declining_needs_a_reason_and_keeps_it_on_refusal(db, client, login_as, scenario, owner, asker, ask):
    question = ask(scenario, asker)
    login_as(owner)
    refused = client.post(f"/manage/questions/{question.id}/decline", data={"reason": "否"})
    assert refused.status_code == 200 and "至少 2 个字" in refused.text and form_values(refused.text)["reason"] == "否"
    assert client.post(f"/manage/questions/{question.id}/decline", data={"reason": "与场景无关"}).status_code == 302

    login_as(asker)
    own = client.get(f"/scenarios/{scenario.id}/questions").text
    assert "不予答复" in own and "与场景无关" in own
    public = client.get(f"/scenarios/{scenario.id}").text
    assert "与场景无关" not in public


def test_answer_forms_need_their_csrf_token(csrf_app, db, client, login_as, scenario, owner, asker, ask):
    question = ask(scenario, asker)
    login_as(owner)
    client.post(f"/manage/questions/{question.id}/answer", data={"answer": "由发布单位提供。"})
    client.post(f"/manage/questions/{question.id}/decline", data={"reason": "与场景无关"})
    db.session.refresh(question)
    assert question.is_pending


def test_another_department_cannot_see_or_answer_the_question(db, client, login_as, scenario, asker, ask,
                                                              create_user):
    question = ask(scenario, asker)
    login_as(create_user(Role.GOVERNMENT))
    assert client.get(f"/manage/questions/{question.id}").status_code == 404
    assert client.post(f"/manage/questions/{question.id}/answer", data={"answer": "越权答复"}).status_code == 404
    db.session.refresh(question)
    assert question.is_pending


def test_the_department_sets_the_question_deadline_and_bad_times_are_kept(db, client, login_as, scenario, owner):
    login_as(owner)
    late = clock.to_local(scenario.deadline + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = client.post(f"/manage/scenarios/{scenario.id}/call-terms", data={"question_deadline": late})
    assert refused.status_code == 200 and "不能晚于揭榜截止时间" in refused.text
    assert form_values(refused.text)["question_deadline"] == late

    good = clock.to_local(scenario.deadline - timedelta(days=1)).replace(second=0, microsecond=0)
    response = client.post(f"/manage/scenarios/{scenario.id}/call-terms",
                           data={"question_deadline": good.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    assert queries.question_deadline(scenario) == good


def test_the_public_reads_answers_and_the_asker_is_named_nowhere(db, client, login_as, scenario, answered, asker,
                                                                 create_user):
    for viewer in (None, create_user(Role.ENTERPRISE), create_user(Role.GOVERNMENT), create_user(Role.ADMIN)):
        if viewer is not None:
            login_as(viewer)
        text = client.get(f"/scenarios/{scenario.id}").text
        assert f'id="clarification-{answered.id}"' in text
        assert "样本由谁提供？" in text and "样本由发布单位提供，共 2000 张。" in text
        assert "杭州提问科技有限公司" not in text  # neither the name nor the original wording that held it
        assert "贵单位的提问" not in text
    login_as(asker)
    assert "贵单位的提问" in client.get(f"/scenarios/{scenario.id}").text


def test_the_department_manages_questions_from_its_preview(db, client, login_as, scenario, owner):
    login_as(owner)
    assert f"/manage/scenarios/{scenario.id}/questions" in client.get(f"/manage/scenarios/{scenario.id}/preview").text


def test_questions_in_english(db, client, login_as, scenario, asker):
    login_as(asker)
    client.get("/lang/en")
    page = client.get(f"/scenarios/{scenario.id}/questions").text
    assert "Your organization has not asked any question" in page


def test_a_reviewer_cannot_post_a_question(db, client, login_as, scenario, create_user):
    login_as(create_user(Role.REVIEWER))
    assert client.post(f"/scenarios/{scenario.id}/questions", data={"text": "评审专家的问题？"}).status_code == 403
    assert count_questions(db) == 0


def test_saving_the_question_deadline_of_a_published_scenario_keeps_its_opening_terms(db, client, login_as,
                                                                                      create_scenario):
    draft = create_scenario()
    owner = _owner_of(draft.batch)
    operations.set_call_terms(draft, owner, question_deadline=None, opening_names_bidders=True)
    scenario_ops.publish_batch(draft.batch, owner)
    db.session.commit()
    login_as(owner)

    page = client.get(f"/manage/scenarios/{draft.id}/questions").text
    assert 'name="opening_names_bidders"' not in page and "公布揭榜单位名称" in page
    response = client.post(f"/manage/scenarios/{draft.id}/call-terms", data={"question_deadline": ""})
    assert response.status_code == 302
    assert queries.terms_of(draft).opening_names_bidders is True
