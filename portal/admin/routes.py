"""Platform administration: enterprise verification, accounts, review rules and the audit log."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import operations, two_factor
from portal.accounts.forms import CreateAccountForm, RejectForm, TwoFactorPolicyForm
from portal.accounts.models import Organization, Role, User
from portal.admin import bp, queries
from portal.admin.forms import PolicyForm
from portal.audit import anchor_status as audit_anchor_status
from portal.audit import chain_head as audit_chain_head
from portal.permissions import can_administer, load_or_404
from portal.reviews import conflicts
from portal.reviews import policy as review_policy
from portal.util.redirects import back_to_referrer
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(can_administer))


@bp.get("/")
def index():
    return redirect(url_for("admin.enterprises", status="pending"))


@bp.get("/enterprises")
def enterprises():
    status = request.args.get("status") or None
    pagination = queries.enterprises(status, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("admin/enterprises.html", pagination=pagination, status=status,
                           action_form=ActionForm(), reject_form=RejectForm())


@bp.post("/enterprises/<int:org_id>/verify")
def verify_enterprise(org_id: int):
    org = load_or_404(Organization, org_id)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.verify_enterprise, org, current_user):
        flash(_("已认证：%(name)s", name=org.name), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(back_to_referrer(request.referrer, request.host_url) or url_for("admin.enterprises"))


@bp.post("/enterprises/<int:org_id>/reject")
def reject_enterprise(org_id: int):
    org = load_or_404(Organization, org_id)
    form = RejectForm()
    if form.validate_on_submit():
        if run_operation(form, operations.reject_enterprise, org, current_user, form.reason.data):
            flash(_("已不予认证：%(name)s", name=org.name), "success")
    else:
        form.form_errors.extend(form.reason.errors)
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("admin.enterprises", status="pending"))


@bp.get("/users")
def users():
    pagination = queries.users(page_arg(), current_app.config["PAGE_SIZE"], request.args.get("role") or None)
    return render_template("admin/users.html", pagination=pagination, action_form=ActionForm(), Role=Role,
                           two_factor_on=two_factor.enabled_among([u.id for u in pagination.items]))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = CreateAccountForm()
    if form.validate_on_submit():
        if form.role.data == Role.REVIEWER.value:
            # A reviewer's 所属单位 is also its current employer for 回避 (portal/reviews/conflicts.py).
            user = run_operation(form, conflicts.create_reviewer, current_user, email=form.email.data,
                                 password=form.password.data, name=form.name.data, employer=form.org_name.data,
                                 employer_uscc=form.employer_uscc.data)
        else:
            user = run_operation(form, operations.create_account, current_user, email=form.email.data,
                                 password=form.password.data, role=Role(form.role.data),
                                 org_name=form.org_name.data, name=form.name.data)
        if user:
            flash(_("账号已创建：%(email)s", email=user.email), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form)


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/activate")
def activate_user(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = load_or_404(User, user_id)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.set_active, user, current_user, active):
        flash(_("账号已启用。") if active else _("账号已停用。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/reset-two-factor")
def reset_two_factor(user_id: int):
    user = load_or_404(User, user_id)
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, two_factor.reset, user, current_user):
        flash(_("已重置 %(email)s 的两步验证，其所有登录已失效；需要时，该用户下次登录会被要求重新设置。",
                email=user.email), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return redirect(url_for("admin.users"))


@bp.route("/two-factor", methods=["GET", "POST"])
def two_factor_policy():
    required = two_factor.required_roles()
    form = TwoFactorPolicyForm() if request.method == "POST" else TwoFactorPolicyForm(
        data={"government": Role.GOVERNMENT in required, "reviewer": Role.REVIEWER in required})
    if form.validate_on_submit():
        roles = {role for role, chosen in ((Role.GOVERNMENT, form.government.data),
                                           (Role.REVIEWER, form.reviewer.data)) if chosen}
        changes = run_operation(form, two_factor.set_required_roles, current_user, roles)
        if changes is not None:
            if changes:
                flash(_("两步验证要求已保存。"), "success")
            else:
                flash(_("两步验证要求没有变化。"), "info")
            return redirect(url_for("admin.two_factor_policy"))
    return render_template("admin/two_factor.html", form=form)


@bp.route("/policy", methods=["GET", "POST"])
def policy():
    form = PolicyForm() if request.method == "POST" else PolicyForm.for_values(review_policy.effective())
    if form.validate_on_submit():
        changes = run_operation(form, review_policy.update_policy, current_user, form.values())
        if changes is not None:
            if changes:
                flash(_("评审规则已保存。"), "success")
            else:
                flash(_("评审规则没有变化。"), "info")
            return redirect(url_for("admin.policy"))
    return render_template("admin/policy.html", form=form)


@bp.get("/audit")
def audit_log():
    pagination = queries.audit_records(page_arg(), 50, request.args.get("action") or None,
                                       request.args.get("object_type") or None, request.args.get("actor") or None)
    return render_template("admin/audit.html", pagination=pagination, rows=queries.audit_rows(pagination.items),
                           chain=audit_chain_head(), anchor=audit_anchor_status())


# --- 专家库: a reviewer's fields, district and availability -------------------------------------------

@bp.route("/reviewers/<int:user_id>/expertise", methods=["GET", "POST"])
def reviewer_expertise(user_id: int):
    from portal.permissions import can_edit_expert_profile
    from portal.reviews import experts
    from portal.reviews.forms import ExpertProfileForm

    reviewer = load_or_404(User, user_id, current_user, need=can_edit_expert_profile)
    profile = experts.get_expert_profile(reviewer)
    form = ExpertProfileForm() if request.method == "POST" else ExpertProfileForm.for_profile(profile)
    if form.validate_on_submit():
        if run_operation(form, experts.save_expert_profile, reviewer, current_user, fields=form.fields.data,
                         district=form.district.data, available=form.available.data == "yes",
                         unavailable_until=form.unavailable_until.data):
            flash(_("%(name)s 的专家库信息已保存。", name=reviewer.name), "success")
            return redirect(url_for("admin.reviewer_expertise", user_id=reviewer.id))
    return render_template("admin/reviewer_expertise.html", reviewer=reviewer, profile=profile, form=form)
