"""联合体 pages: the lead's member list on its proposal, and a member's invitations in its own account."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.permissions import (
    can_manage_consortium,
    load_invitation_or_404,
    load_or_404,
    load_proposal_or_404,
    owns_proposal,
)
from portal.proposals import bp, consortia
from portal.proposals.forms import MemberForm
from portal.proposals.models import ConsortiumMember
from portal.web.forms import ActionForm
from portal.web.views import run_operation

# The blueprint's guard (portal/proposals/routes.py) admits enterprise accounts only.


@bp.route("/proposals/<int:proposal_id>/consortium", methods=["GET", "POST"])
def consortium(proposal_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    form = MemberForm()
    if form.validate_on_submit():
        if not can_manage_consortium(current_user, proposal):
            form.form_errors.append(_("贵单位尚未通过平台认证，认证通过后才能组建联合体。"))
        else:
            member = run_operation(form, consortia.name_member, proposal, current_user, form.uscc.data)
            if member:
                flash(_("已邀请“%(name)s”加入联合体，待其在本单位账号中确认。", name=member.organization.name),
                      "success")
                return redirect(url_for("proposals.consortium", proposal_id=proposal.id))
    return render_template("proposals/consortium.html", proposal=proposal, form=form, action_form=ActionForm(),
                           max_members=consortia.MAX_MEMBERS)


@bp.post("/proposals/<int:proposal_id>/consortium/<int:member_id>/remove")
def remove_member(proposal_id: int, member_id: int):
    proposal = load_proposal_or_404(proposal_id, current_user, need=owns_proposal)
    member = load_or_404(ConsortiumMember, member_id, current_user,
                         need=lambda _user, m: m.proposal_id == proposal.id)
    name = member.organization.name
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, consortia.remove_member, member, current_user):
        flash(_("已将“%(name)s”移出联合体；其他成员需要重新确认。", name=name), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("proposals.consortium", proposal_id=proposal.id))


@bp.get("/my/consortia")
def invitations():
    return render_template("proposals/invitations.html", invitations=consortia.invitations(
        current_user.organization_id), action_form=ActionForm())


@bp.post("/my/consortia/<int:member_id>/<any(confirm, decline):answer>")
def answer_invitation(member_id: int, answer: str):
    member = load_invitation_or_404(member_id, current_user)
    operation = consortia.confirm_membership if answer == "confirm" else consortia.decline_membership
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operation, member, current_user):
        flash(_("已确认参加该联合体揭榜。") if answer == "confirm" else _("已告知牵头单位：贵单位不参加该联合体揭榜。"),
              "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("proposals.invitations"))
