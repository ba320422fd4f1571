"""揭榜 pages of an enterprise: the proposal editor, its versions and receipts, and 我的揭榜."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.accounts.models import Role
from portal.errors import DeadlinePassed, DomainError, PermissionDenied
from portal.extensions import db
from portal.permissions import (
    can_download_attachment,
    has_role,
    load_or_404,
    load_proposal_or_404,
    load_scenario_or_404,
    owns_proposal,
    take_list_refusal,
)
from portal.proposals import bp, caps, operations, public_bp, queries
from portal.proposals.forms import ProposalForm, VerifyForm
from portal.proposals.models import Attachment, ProposalVersion
from portal.web import unit_of_work
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.sqlite import writes_on_get
from portal.web.views import refuse, require_role_area, run_operation

bp.before_request(require_role_area(lambda user: has_role(user, Role.ENTERPRISE)))


@bp.route("/scenarios/<int:scenario_id>/proposal", methods=["GET", "POST"])
def edit_proposal(scenario_id: int):
    scenario = load_scenario_or_404(scenario_id, current_user)
    proposal = operations.find_proposal(scenario, current_user.organization_id)
    refusal = take_list_refusal(current_user, scenario)
    if request.method == "GET" and refusal:
        if proposal is not None:
            flash(refusal, "warning")
            return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))
        raise PermissionDenied(refusal)

    form = ProposalForm()
    if not form.is_submitted() and proposal is not None:
        form = ProposalForm(obj=proposal, approach=proposal.approach_html)
    if form.validate_on_submit():
        proposal = _save(scenario, form)
        if proposal is not None and form.submit.data:
            # The draft stays saved when its submission is refused (the form says so), so it commits first.
            unit_of_work.commit_early()
            submission = run_operation(form, operations.submit_proposal, proposal, current_user,
                                       declaration=form.declaration.data)
            if submission:
                flash(_("该内容已提交过，回执不变。") if submission.repeated else _("揭榜方案已提交，请保存回执。"),
                      "success")
                return redirect(url_for("proposals.receipt", receipt_no=submission.version.receipt_no))
            form.form_errors.insert(0, _("草稿已保存，但尚未提交。"))
        elif proposal is not None:
            flash(_("草稿已保存。草稿不是正式提交，请在截止前提交。"), "success")
            return redirect(url_for("proposals.edit_proposal", scenario_id=scenario.id))
    return render_template("proposals/edit.html", scenario=scenario, proposal=proposal, form=form,
                           action_form=ActionForm(), refusal=refusal,
                           places=caps.places(scenario.batch, current_user.organization_id, proposal))


def _save(scenario, form):
    """Store the uploads and the working copy; on refusal keep what was typed (stored files go with the rollback)."""
    from portal.uploads.storage import accept_upload

    try:
        files = [accept_upload(storage) for storage in form.attachments.data or []
                 if storage and storage.filename]
        proposal = operations.open_proposal(scenario, current_user)
        operations.save_draft(proposal, current_user, form.values(), files)
    except DomainError as error:
        refuse(form, error)
        if isinstance(error, DeadlinePassed):
            form.form_errors.append(_("您填写的内容仍保留在下方，请复制保存。"))
        elif any(f and f.filename for f in form.attachments.data or []):
            form.form_errors.append(_("其他内容已保留，请重新选择要上传的附件。"))
        return None
    return proposal


@bp.get("/my/proposals")
def my_proposals():
    return render_template("proposals/mine.html", proposals=queries.organization_proposals(
        current_user.organization_id, page_arg(), current_app.config["PAGE_SIZE"]))


@bp.get("/proposals/<int:proposal_id>")
def show_proposal(proposal_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    return render_template("proposals/show.html", proposal=proposal, action_form=ActionForm())


@bp.get("/proposals/<int:proposal_id>/versions/<int:number>")
def show_version(proposal_id: int, number: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    version = next((v for v in proposal.versions if v.number == number), None)
    if version is None:
        abort(404)
    return render_template("proposals/version.html", proposal=proposal, version=version)


@bp.get("/receipts/<receipt_no>")
def receipt(receipt_no: str):
    version = db.session.scalar(select(ProposalVersion).where(ProposalVersion.receipt_no == receipt_no))
    if version is None or not owns_proposal(current_user, version.proposal):
        abort(404)
    return render_template("proposals/receipt.html", version=version, proposal=version.proposal)


@bp.post("/proposals/<int:proposal_id>/withdraw")
def withdraw(proposal_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.withdraw_proposal, proposal, current_user):
        flash(_("方案已撤回。截止前可以修改后重新提交。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))


@bp.post("/proposals/<int:proposal_id>/attachments/<int:attachment_id>/remove")
def remove_attachment(proposal_id: int, attachment_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    attachment = load_or_404(Attachment, attachment_id)
    if attachment.proposal_id != proposal.id:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.remove_attachment, attachment, current_user):
        flash(_("附件已从草稿中移除。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("proposals.edit_proposal", scenario_id=proposal.scenario_id))


@public_bp.get("/verify")
def verify():
    form = VerifyForm(request.args)
    result = None
    if form.receipt.data or form.digest.data:
        result = operations.verify_receipt(form.receipt.data or "", form.digest.data or "")
    return render_template("proposals/verify.html", form=form, result=result)


@public_bp.get("/attachments/<int:attachment_id>")
@login_required
@writes_on_get
def download_attachment(attachment_id: int):
    from portal.uploads.downloads import send_attachment

    attachment = load_or_404(Attachment, attachment_id, current_user, need=can_download_attachment)
    if not owns_proposal(current_user, attachment.proposal):
        # Committed with the request, before the file's first byte is sent: no download without its record.
        operations.record_read(current_user, attachment.proposal, f"attachment:{attachment.id}")
    return send_attachment(attachment.stored_name, attachment.display_name, attachment.mimetype)
