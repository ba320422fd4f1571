"""Department pages: batches and scenarios of the user's own department."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.permissions import (
    can_edit_scenario,
    can_manage_batch,
    can_manage_scenario,
    is_department,
    load_batch_or_404,
    load_scenario_or_404,
)
from portal.proposals import caps
from portal.scenarios import manage_bp as bp
from portal.scenarios import operations, queries
from portal.scenarios.forms import BatchForm, CancelForm, ScenarioForm
from portal.web.forms import ActionForm
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(is_department))


@bp.get("/")
def dashboard():
    batches = queries.department_batches(current_user.organization_id)
    return render_template("manage/dashboard.html", batches=batches,
                           counts=queries.department_scenario_counts(current_user.organization_id))


@bp.route("/batches/new", methods=["GET", "POST"])
def new_batch():
    form = BatchForm()
    if form.validate_on_submit():
        batch = run_operation(form, operations.create_batch, current_user, title=form.title.data,
                              summary=form.summary.data or "", proposal_cap=form.proposal_cap.data)
        if batch:
            flash(_("批次已创建，现在可以添加场景。"), "success")
            return redirect(url_for("manage.show_batch", batch_id=batch.id))
    return render_template("manage/batch_form.html", form=form, batch=None)


@bp.get("/batches/<int:batch_id>")
def show_batch(batch_id: int):
    batch = load_batch_or_404(batch_id, current_user, need=can_manage_batch)
    problems = {s.id: operations.scenario_problems(s) for s in batch.scenarios if s.is_draft}
    return render_template("manage/batch.html", batch=batch, problems=problems, action_form=ActionForm())


@bp.route("/batches/<int:batch_id>/edit", methods=["GET", "POST"])
def edit_batch(batch_id: int):
    batch = load_batch_or_404(batch_id, current_user, need=can_manage_batch)
    form = BatchForm()
    if not form.is_submitted():
        form = BatchForm(obj=batch, summary=batch.summary_html)
    if form.validate_on_submit():
        if run_operation(form, caps.update_batch, batch, current_user, title=form.title.data,
                         summary=form.summary.data or "", proposal_cap=form.proposal_cap.data):
            flash(_("批次已保存。"), "success")
            return redirect(url_for("manage.show_batch", batch_id=batch.id))
    return render_template("manage/batch_form.html", form=form, batch=batch)


@bp.post("/batches/<int:batch_id>/publish")
def publish_batch(batch_id: int):
    batch = load_batch_or_404(batch_id, current_user, need=can_manage_batch)
    form = ActionForm()
    if form.validate_on_submit():
        result = run_operation(form, operations.publish_batch, batch, current_user)
        if result:
            flash(_("已发布 %(n)d 个场景。", n=len(result.published)), "success")
            for warning in filter(None, map(operations.deadline_warning, result.published)):
                flash(warning, "warning")
            for scenario, problems in result.skipped.items():
                flash(_("“%(title)s”未发布：%(problems)s", title=scenario.title or _("（未命名）"),
                        problems="；".join(problems)), "warning")
        for error in form.form_errors:
            flash(error, "danger")
    return redirect(url_for("manage.show_batch", batch_id=batch.id))


@bp.route("/batches/<int:batch_id>/scenarios/new", methods=["GET", "POST"])
def new_scenario(batch_id: int):
    batch = load_batch_or_404(batch_id, current_user, need=can_manage_batch)
    form = ScenarioForm()
    if not form.is_submitted():
        form.contact_name.data = current_user.name
        form.contact_phone.data = current_user.phone or current_user.organization.contact_phone
        form.contact_email.data = current_user.email
    if form.validate_on_submit():
        scenario = run_operation(form, operations.create_scenario, batch, current_user, **form.values())
        if scenario:
            flash(_("场景草稿已保存。"), "success")
            return redirect(url_for("manage.preview_scenario", scenario_id=scenario.id))
    return render_template("manage/scenario_form.html", form=form, batch=batch, scenario=None)


@bp.route("/scenarios/<int:scenario_id>/edit", methods=["GET", "POST"])
def edit_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    if not can_edit_scenario(current_user, scenario):
        flash(_("只有草稿状态的场景可以修改。"), "warning")
        return redirect(url_for("manage.preview_scenario", scenario_id=scenario.id))
    form = ScenarioForm()
    if not form.is_submitted():
        form = ScenarioForm(obj=scenario, description=scenario.description_html,
                            requirements=scenario.requirements_html)
    if form.validate_on_submit():
        if run_operation(form, operations.update_scenario, scenario, current_user, **form.values()):
            flash(_("场景已保存。"), "success")
            return redirect(url_for("manage.preview_scenario", scenario_id=scenario.id))
    return render_template("manage/scenario_form.html", form=form, batch=scenario.batch, scenario=scenario)


@bp.get("/scenarios/<int:scenario_id>/preview")
def preview_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    return render_template("scenarios/detail.html", scenario=scenario, preview=True,
                           problems=operations.scenario_problems(scenario) if scenario.is_draft else [],
                           action_form=ActionForm())


@bp.post("/scenarios/<int:scenario_id>/publish")
def publish_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    form = ActionForm()
    if form.validate_on_submit():
        if run_operation(form, operations.publish_scenario, scenario, current_user):
            flash(_("场景已发布。"), "success")
            warning = operations.deadline_warning(scenario)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("scenarios.show_scenario", scenario_id=scenario.id))
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("manage.preview_scenario", scenario_id=scenario.id))


@bp.route("/scenarios/<int:scenario_id>/cancel", methods=["GET", "POST"])
def cancel_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    form = CancelForm()
    if form.validate_on_submit():
        if run_operation(form, operations.cancel_scenario, scenario, current_user, form.reason.data):
            flash(_("场景已撤销。"), "success")
            return redirect(url_for("manage.show_batch", batch_id=scenario.batch_id))
    return render_template("manage/cancel.html", form=form, scenario=scenario)
