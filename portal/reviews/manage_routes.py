"""The owning department's review pages: set-up and assignments, ranking and exports (decision and 公示 are in
portal/announcements)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import audit
from portal.permissions import (
    can_draw_experts,
    can_manage_review,
    is_department,
    load_or_404,
    load_scenario_or_404,
)
from portal.proposals.operations import record_list_read
from portal.reviews import conflicts, experts, exports, operations, period, queries
from portal.reviews import manage_bp as bp
from portal.reviews import setup as review_setup
from portal.reviews.forms import AssignForm, DrawForm, PeriodForm, ReopenForm, ReplaceForm, SetupForm
from portal.reviews.models import ExpertDraw, Review, ReviewState
from portal.scenarios.operations import close_if_due, finalize_if_due
from portal.web.forms import ActionForm, options
from portal.web.sqlite import writes_on_get
from portal.web.unit_of_work import audited_read
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(is_department))


def _scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    # Bring the row up to date with what server time has already decided (deadline, end of 公示).
    close_if_due(scenario)
    finalize_if_due(scenario)
    return scenario


def _assign_form(scenario):
    form = AssignForm()
    form.reviewers.choices = options((u.id, u.name) for u in conflicts.reviewer_candidates())
    return form


@bp.get("/scenarios/<int:scenario_id>/review")
@audited_read
def setup(scenario_id: int):
    scenario = _scenario(scenario_id)
    record_list_read(current_user, scenario, queries.reviewed_proposals(scenario), "review-setup")
    current = review_setup.get_setup(scenario)
    return _render_setup(scenario, SetupForm.for_setup(current), _assign_form(scenario))


def _period_form(scenario):
    return PeriodForm(data={"ends_on": period.last_day(period.ends_at(scenario))})


def _render_setup(scenario, setup_form, assign_form, period_form=None):
    proposals = queries.reviewed_proposals(scenario)
    reviews = queries.scenario_reviews(scenario)
    assigned = {r.reviewer_id for r in reviews}
    return render_template(
        "reviews/manage/setup.html", scenario=scenario, setup=review_setup.get_setup(scenario), form=setup_form,
        assign_form=assign_form, proposals=proposals, labels=queries.proposal_labels(proposals),
        reviews_of={p.id: [r for r in reviews if r.proposal_id == p.id] for p in proposals},
        candidates=conflicts.reviewer_candidates(), assigned=assigned, action_form=ActionForm(),
        rubric_locked=review_setup.rubric_locked(scenario), mode_locked=review_setup.mode_locked(scenario),
        policy=_policy(), ReviewState=ReviewState, period_form=period_form or _period_form(scenario),
        ends_at=period.ends_at(scenario), default_days=review_setup.DEFAULT_DAYS)


def _policy():
    from portal.reviews import policy

    return {"min": policy.min_reviewers(), "default": policy.default_reviewers()}


@bp.post("/scenarios/<int:scenario_id>/review/setup")
def save_setup(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    form = SetupForm()
    if form.validate_on_submit():
        if run_operation(form, review_setup.save_setup, scenario, current_user, blind=form.blind.data,
                         criteria=form.values()):
            flash(_("评审设置已保存。"), "success")
            return redirect(url_for("review_manage.setup", scenario_id=scenario.id))
    return _render_setup(scenario, form, _assign_form(scenario))


@bp.post("/scenarios/<int:scenario_id>/review/assign")
def assign(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    form = _assign_form(scenario)
    if form.validate_on_submit():
        chosen = {u.id: u for u in conflicts.reviewer_candidates()}
        reviewers = [chosen[i] for i in form.reviewers.data or [] if i in chosen]
        only = None
        if form.proposal_id.data:
            only = [p for p in queries.reviewed_proposals(scenario) if str(p.id) == form.proposal_id.data]
        # Choosing experts by hand is 指定: only with a reason, recorded and shown with the ranking.
        created = run_operation(form, experts.pick_experts, scenario, current_user, reviewers, form.reason.data,
                                only)
        if created:
            excluded = sum(r.state == ReviewState.EXCLUDED for r in created)
            flash(_("已新增 %(n)d 项评审任务。", n=len(created) - excluded), "success")
            if excluded:
                flash(_("%(n)d 项因专家利益冲突信息与揭榜单位匹配而自动回避，原因见评审进度。", n=excluded), "warning")
            return redirect(url_for("review_manage.setup", scenario_id=scenario.id))
    # Refused: the page again, with the experts chosen and the reason typed.
    return _render_setup(scenario, SetupForm.for_setup(review_setup.get_setup(scenario)), form)


@bp.post("/scenarios/<int:scenario_id>/review/period")
def save_period(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    form = PeriodForm()
    if form.validate_on_submit():
        if run_operation(form, period.set_period, scenario, current_user, form.ends_on.data):
            flash(_("评审期已保存。"), "success")
            return redirect(url_for("review_manage.setup", scenario_id=scenario.id))
    return _render_setup(scenario, SetupForm.for_setup(review_setup.get_setup(scenario)), _assign_form(scenario),
                         period_form=form)


@bp.get("/scenarios/<int:scenario_id>/review/progress")
def progress(scenario_id: int):
    scenario = _scenario(scenario_id)
    return _render_progress(scenario)


def _render_progress(scenario, failed=None):
    rows = period.progress(scenario)
    drawn_standbys = set(experts.standby_order(scenario))
    forms = {}
    for row in rows:
        if row.overdue:
            form = failed if failed is not None and failed.reviewer_id.data == str(row.reviewer.id) else ReplaceForm(
                data={"reviewer_id": str(row.reviewer.id)})
            form.standby.choices = options((str(u.id), f"{u.name}（{u.organization.name}）"
                                            + (_("· 抽取替补") if u.id in drawn_standbys else ""))
                                           for u in period.standby_candidates(scenario, row))
            forms[row.reviewer.id] = form
    return render_template("reviews/manage/progress.html", scenario=scenario, rows=rows, forms=forms,
                           ends_at=period.ends_at(scenario), ended=period.has_ended(scenario))


@bp.post("/scenarios/<int:scenario_id>/review/replace")
def replace_reviewer(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_review)
    form = ReplaceForm()
    if form.validate_on_submit():
        overdue = period.reviewer_from(scenario, _int(form.reviewer_id.data))
        standby = period.reviewer_from(scenario, _int(form.standby.data))
        if overdue is None:
            form.form_errors.append(_("请选择要替换的评审专家。"))
        elif run_operation(form, period.replace_reviewer, scenario, current_user, overdue, standby):
            flash(_("已由替补专家 %(name)s 接替 %(overdue)s 未完成的评审。", name=standby.name, overdue=overdue.name),
                  "success")
            return redirect(url_for("review_manage.progress", scenario_id=scenario.id))
    for error in form.form_errors:
        flash(error, "danger")
    return _render_progress(scenario, failed=form)


def _int(text) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


@bp.route("/reviews/<int:review_id>/reopen", methods=["GET", "POST"])
def reopen_review(review_id: int):
    review = load_or_404(Review, review_id, current_user, need=lambda u, r: can_manage_review(u, r.scenario))
    form = ReopenForm()
    if form.validate_on_submit():
        if run_operation(form, operations.reopen_review, review, current_user, form.reason.data):
            flash(_("评分已退回，评审专家会收到通知。"), "success")
            return redirect(url_for("review_manage.setup", scenario_id=review.scenario_id))
    labels = queries.proposal_labels(queries.reviewed_proposals(review.scenario))
    return render_template("reviews/manage/reopen.html", review=review, form=form,
                           label=labels.get(review.proposal_id, ""))


@bp.get("/scenarios/<int:scenario_id>/ranking")
@audited_read
def ranking(scenario_id: int):
    scenario = _scenario(scenario_id)
    result = queries.ranking_lines(scenario)
    record_list_read(current_user, scenario, result.rows, "ranking")
    decision = scenario.decision
    return render_template("reviews/manage/ranking.html", scenario=scenario, ranking=result, decision=decision,
                           winners=queries.winner_names(decision, result.rows), panel=experts.panel(scenario))


@bp.get("/scenarios/<int:scenario_id>/ranking/<any(ranking, scores):kind>.<any(csv, xlsx):fmt>")
@writes_on_get
def export(scenario_id: int, kind: str, fmt: str):
    scenario = _scenario(scenario_id)
    response = exports.response(scenario, queries.ranking(scenario, details=True), kind, fmt)
    audit.record(current_user, "review.export", scenario, kind=kind, format=fmt)
    return response


# --- the random draw of experts (专家随机抽取) ----------------------------------------------------------

def _draw_form(scenario):
    form = DrawForm()
    if not form.is_submitted():
        from portal.capabilities.matching import scenario_profile
        from portal.reviews import policy

        field = scenario_profile(scenario).field
        form.fields.data = [field] if field else []
        form.size.data = str(min(policy.default_reviewers(), experts.MAX_SIZE))
        form.standby.data = str(experts.DEFAULT_STANDBY)
    return form


@bp.route("/scenarios/<int:scenario_id>/review/draw", methods=["GET", "POST"])
def draw_experts(scenario_id: int):
    scenario = _scenario(scenario_id)
    form = _draw_form(scenario)
    if form.validate_on_submit():
        record = run_operation(form, experts.draw_experts, scenario, current_user, fields=form.fields.data,
                               size=_int(form.size.data), standby=_int(form.standby.data))
        if record:
            flash(_("已随机抽取 %(n)d 位专家并指派评审，另有 %(s)d 位替补。", n=len(record.drawn),
                    s=len(record.standbys)), "success")
            return redirect(url_for("review_manage.draw_experts", scenario_id=scenario.id, _anchor=f"draw-{record.id}"))
    return _render_draws(scenario, form)


def _render_draws(scenario, form):
    from portal.catalogue.classify import category
    from portal.reviews import draw

    records = experts.draws_of(scenario)
    users = experts.users_by_id(i for r in records for i in r.candidates)
    return render_template("reviews/manage/draw.html", scenario=scenario, form=form, records=records, users=users,
                           ticket=draw.ticket, order=draw.order, category=category, method=draw.METHOD,
                           can_draw=can_draw_experts(current_user, scenario))


@bp.get("/scenarios/<int:scenario_id>/review/draws/<int:draw_id>/verify")
def verify_draw(scenario_id: int, draw_id: int):
    scenario = _scenario(scenario_id)
    record = load_or_404(ExpertDraw, draw_id, current_user, need=lambda u, d: d.scenario_id == scenario.id)
    outcome, matches = experts.verify(record)
    from portal.reviews import draw

    return render_template("reviews/manage/draw_verify.html", scenario=scenario, record=record, outcome=outcome,
                           matches=matches, users=experts.users_by_id(record.candidates), ticket=draw.ticket,
                           ranked=draw.order(record.seed, record.candidates))
