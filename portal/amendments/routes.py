"""变更公告 pages: the department amends an open call and attaches files to a draft; the public downloads the
call's files; a bidder confirms its proposal after a change; the admin sets the days that must remain."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import Role
from portal.amendments import admin_bp, bidder_bp, bp, manage_bp, operations, policy, queries
from portal.amendments.forms import AmendmentForm, AmendmentPolicyForm, AttachmentsForm
from portal.amendments.models import ScenarioAttachment
from portal.errors import DomainError
from portal.permissions import (
    can_amend_scenario,
    can_download_scenario_attachment,
    can_manage_scenario,
    can_set_amendment_policy,
    has_role,
    is_department,
    load_or_404,
    load_proposal_or_404,
    load_scenario_or_404,
    owns_proposal,
)
from portal.web.forms import ActionForm
from portal.web.views import refuse, require_role_area, run_operation

manage_bp.before_request(require_role_area(is_department))
bidder_bp.before_request(require_role_area(lambda user: has_role(user, Role.ENTERPRISE)))
admin_bp.before_request(require_role_area(can_set_amendment_policy))


@bp.get("/scenarios/<int:scenario_id>/files/<int:attachment_id>")
def download_file(scenario_id: int, attachment_id: int):
    from portal.uploads.downloads import send_attachment

    attachment = load_or_404(ScenarioAttachment, attachment_id, current_user, need=can_download_scenario_attachment)
    if attachment.scenario_id != scenario_id:
        abort(404)
    return send_attachment(attachment.stored_name, attachment.display_name, attachment.mimetype)


@manage_bp.route("/scenarios/<int:scenario_id>/amend", methods=["GET", "POST"])
def amend_scenario(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    if not can_amend_scenario(current_user, scenario):
        flash(_("只有揭榜中的场景可以发布变更公告；草稿请直接编辑。"), "warning")
        return redirect(url_for("manage.preview_scenario", scenario_id=scenario.id))
    attachments = queries.attachments_of(scenario.id)
    form = AmendmentForm(attachments=attachments)
    if not form.is_submitted():
        form = AmendmentForm(attachments=attachments, requirements=scenario.requirements_html,
                             budget=scenario.budget, deadline=scenario.deadline)
    if form.validate_on_submit() and _amend(scenario, form):
        flash(_("变更公告已发布。"), "success")
        return redirect(url_for("scenarios.show_scenario", scenario_id=scenario.id, _anchor="amendments"))
    return render_template("amendments/amend.html", form=form, scenario=scenario, attachments=attachments,
                           min_days=policy.min_days())


def _amend(scenario, form):
    """Store the new files and the amendment; on refusal keep what was typed (stored files go with the rollback)."""
    from portal.uploads.storage import accept_if_given

    try:
        files = [checked for storage in form.files.data or [] if (checked := accept_if_given(storage))]
        return operations.amend_scenario(scenario, current_user, reason=form.reason.data,
                                         requirements=form.requirements.data, budget=form.budget.data,
                                         deadline=form.deadline.data, files=files, remove_ids=form.remove.data or [])
    except DomainError as error:
        refuse(form, error)
        if any(f and f.filename for f in form.files.data or []):
            form.form_errors.append(_("其他内容已保留，请重新选择要上传的附件。"))
        return None


@manage_bp.route("/scenarios/<int:scenario_id>/files", methods=["GET", "POST"])
def draft_files(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    form = AttachmentsForm()
    if form.validate_on_submit():
        from portal.uploads.storage import accept_if_given

        try:
            files = [checked for storage in form.files.data or [] if (checked := accept_if_given(storage))]
            if operations.attach_files(scenario, current_user, files):
                flash(_("附件已上传。"), "success")
                return redirect(url_for("amend_manage.draft_files", scenario_id=scenario.id))
            form.files.errors = [_("请选择要上传的文件。")]
        except DomainError as error:
            refuse(form, error)
    return render_template("amendments/files.html", form=form, scenario=scenario,
                           attachments=queries.attachments_of(scenario.id), action_form=ActionForm())


@manage_bp.post("/scenarios/<int:scenario_id>/files/<int:attachment_id>/remove")
def remove_draft_file(scenario_id: int, attachment_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user, need=can_manage_scenario)
    attachment = load_or_404(ScenarioAttachment, attachment_id)
    if attachment.scenario_id != scenario.id:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.remove_draft_file, attachment, current_user):
        flash(_("附件已删除。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("amend_manage.draft_files", scenario_id=scenario.id))


@bidder_bp.post("/proposals/<int:proposal_id>/confirm")
def confirm_proposal(proposal_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.confirm_proposal, proposal, current_user):
        flash(_("已确认：贵单位的方案按变更后的要求继续有效。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))


@admin_bp.route("/amendments", methods=["GET", "POST"])
def amendment_policy():
    if request.method == "POST":
        form = AmendmentPolicyForm()
    else:
        form = AmendmentPolicyForm(data={"min_days": policy.min_days()})
    if form.validate_on_submit():
        changed = run_operation(form, policy.set_min_days, current_user, form.min_days.data)
        if changed is not None:
            flash(_("变更规则已保存。") if changed else _("没有改动。"), "success")
            return redirect(url_for("amend_admin.amendment_policy"))
    return render_template("amendments/policy.html", form=form)
