"""The owning department's 公示 pages: the decision (定榜), the announcement, the answers to objections."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.announcements import manage_bp as bp
from portal.announcements import operations
from portal.announcements.forms import AnnounceForm, AnswerForm, DecisionForm
from portal.permissions import (
    can_answer_objection,
    can_manage_review,
    is_department,
    load_objection_or_404,
    load_scenario_or_404,
)
from portal.reviews import queries as review_queries
from portal.util import clock
from portal.web.forms import options
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(is_department))


@bp.route("/scenarios/<int:scenario_id>/decision", methods=["GET", "POST"])
def decide(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    result = review_queries.ranking_lines(scenario)
    form = DecisionForm()
    form.winners.choices = options((line.id, line.organization_name) for line in result.rows)
    if form.validate_on_submit() and not form.revise.data:
        values = {"winner_ids": form.winners.data or [], "rationale": form.rationale.data,
                  "feedback": form.feedback.data}
        # 定榜 cannot be undone: the first submit shows what will be decided, only the confirmed one decides.
        if not _confirmed(form):
            draft = run_operation(form, operations.check_decision, scenario, current_user, **values)
            if draft:
                return render_template("announcements/manage/confirm_decision.html", scenario=scenario, form=form,
                                       draft=draft)
        elif run_operation(form, operations.decide, scenario, current_user, **values):
            flash(_("已定榜，下一步请发布公示。"), "success")
            return redirect(url_for("announcement_manage.announce", scenario_id=scenario.id))
    return render_template("announcements/manage/decision.html", scenario=scenario, ranking=result, form=form)


@bp.route("/scenarios/<int:scenario_id>/announce", methods=["GET", "POST"])
def announce(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    decision = scenario.decision
    if decision is None:
        abort(404)
    form = AnnounceForm()
    if not form.is_submitted():
        form.starts_at.data, form.ends_at.data = (clock.to_local(t) for t in operations.default_window())
    if form.validate_on_submit() and not form.revise.data:
        window = {"starts_at": form.starts_at.data, "ends_at": form.ends_at.data}
        if not _confirmed(form):
            checked = run_operation(form, operations.check_announcement, scenario, current_user, **window)
            if checked:
                _target, starts_at, ends_at = checked
                return render_template("announcements/manage/confirm_announce.html", scenario=scenario,
                                       decision=decision, form=form, starts_at=starts_at, ends_at=ends_at,
                                       end_warning=operations.end_warning(ends_at))
        elif run_operation(form, operations.announce, scenario, current_user, publish_scores=form.publish_scores.data,
                           **window):
            flash(_("公示已发布。"), "success")
            warning = operations.end_warning(decision.ends_at)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("announcements.show_announcement", scenario_id=scenario.id))
    return render_template("announcements/manage/announce.html", scenario=scenario, decision=decision, form=form)


def _confirmed(form) -> bool:
    """Whether the form comes from the confirmation page (its hidden field), not from the first page."""
    return form.confirmed.data == "1"


@bp.route("/objections/<int:objection_id>", methods=["GET", "POST"])
def answer_objection(objection_id: int):
    objection = load_objection_or_404(objection_id, current_user, need=can_answer_objection)
    form = AnswerForm()
    if form.validate_on_submit():
        if run_operation(form, operations.answer_objection, objection, current_user, form.answer.data,
                         outcome=form.outcome.data, consequence=form.consequence.data):
            flash(_("答复已发送给提出异议的企业。"), "success")
            if objection.consequence is not None:
                flash(_("原公示已终止并存档，请重新定榜后发布新的公示。"), "info")
                return redirect(url_for("review_manage.ranking", scenario_id=objection.scenario_id))
            return redirect(url_for("announcements.show_announcement", scenario_id=objection.scenario_id))
    return render_template("announcements/manage/objection.html", objection=objection, form=form,
                           scenario=objection.scenario)
