"""答疑 pages: an enterprise asks on a scenario and follows its own questions; the owning department answers."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.clarifications import bp, manage_bp, operations, queries
from portal.clarifications.forms import AnswerForm, CallTermsForm, DeclineForm, QuestionForm
from portal.permissions import (
    can_manage_questions,
    can_set_opening_names,
    can_view_question_as_department,
    is_department,
    is_enterprise_account,
    load_question_or_404,
    load_scenario_or_404,
)
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(is_enterprise_account))
manage_bp.before_request(require_role_area(is_department))


@bp.route("/scenarios/<int:scenario_id>/questions", methods=["GET", "POST"])
def ask_question(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user)
    form = QuestionForm()
    if form.validate_on_submit():
        if run_operation(form, operations.ask_question, scenario, current_user, form.text.data):
            flash(_("问题已提交。发布单位答复后将公开在场景页面，并通知您。"), "success")
            return redirect(url_for("clarifications.ask_question", scenario_id=scenario.id))
    return render_template("clarifications/ask.html", scenario=scenario, form=form,
                           questions=queries.own_questions(current_user, scenario))


def _scenario_page(scenario, terms_form=None, status=200):
    terms = queries.terms_of(scenario)
    terms_form = terms_form or CallTermsForm(data={"question_deadline": terms.question_deadline,
                                                   "opening_names_bidders": terms.opening_names_bidders})
    return render_template("clarifications/manage/questions.html", scenario=scenario, terms_form=terms_form,
                           questions=queries.department_questions(scenario), terms=terms), status


@manage_bp.get("/scenarios/<int:scenario_id>/questions")
def scenario_questions(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_questions)
    return _scenario_page(scenario)


@manage_bp.post("/scenarios/<int:scenario_id>/call-terms")
def set_call_terms(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_questions)
    form = CallTermsForm()
    if form.validate_on_submit():
        # The checkbox is shown only while the term may change; otherwise its absence means "leave it".
        names = form.opening_names_bidders.data if can_set_opening_names(current_user, scenario) else None
        if run_operation(form, operations.set_call_terms, scenario, current_user,
                         question_deadline=form.question_deadline.data, opening_names_bidders=names):
            flash(_("已保存答疑与开标设置。"), "success")
            return redirect(url_for("clarifications_manage.scenario_questions", scenario_id=scenario.id))
    return _scenario_page(scenario, terms_form=form)


def _question_page(question, answer_form=None, decline_form=None, status=200):
    answer_form = answer_form or AnswerForm(data={"public_text": question.text})
    return render_template("clarifications/manage/question.html", question=question, scenario=question.scenario,
                           answer_form=answer_form, decline_form=decline_form or DeclineForm()), status


@manage_bp.get("/questions/<int:question_id>")
def show_question(question_id: int):
    question = load_question_or_404(question_id, current_user, need=can_view_question_as_department)
    return _question_page(question)


@manage_bp.post("/questions/<int:question_id>/answer")
def answer_question(question_id: int):
    question = load_question_or_404(question_id, current_user, need=can_view_question_as_department)
    form = AnswerForm()
    if form.validate_on_submit():
        if run_operation(form, operations.answer_question, question, current_user, form.answer.data,
                         form.public_text.data):
            flash(_("答复已公开，并已通知相关企业。"), "success")
            return redirect(url_for("clarifications_manage.scenario_questions", scenario_id=question.scenario_id))
    return _question_page(question, answer_form=form)


@manage_bp.post("/questions/<int:question_id>/decline")
def decline_question(question_id: int):
    question = load_question_or_404(question_id, current_user, need=can_view_question_as_department)
    form = DeclineForm()
    if form.validate_on_submit():
        if run_operation(form, operations.decline_question, question, current_user, form.reason.data):
            flash(_("已不予答复，理由已告知提问单位。"), "success")
            return redirect(url_for("clarifications_manage.scenario_questions", scenario_id=question.scenario_id))
    return _question_page(question, decline_form=form)

