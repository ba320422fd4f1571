"""Account closure requests, processed by a platform admin (the blueprint's guard admits admins only)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import privacy
from portal.accounts.models import ClosureRequest
from portal.admin import bp
from portal.permissions import load_or_404
from portal.web.forms import ActionForm
from portal.web.views import run_operation


@bp.get("/closures")
def closure_requests():
    return render_template("admin/closures.html", requests=privacy.pending_closures(), action_form=ActionForm())


@bp.post("/closures/<int:request_id>/close")
def close_account(request_id: int):
    request = load_or_404(ClosureRequest, request_id)
    form = ActionForm()
    if form.validate_on_submit():
        if run_operation(form, privacy.close_account, request, current_user):
            flash(_("账号已注销（停用）：%(email)s", email=request.user.email), "success")
        for error in form.form_errors:
            flash(error, "danger")
    return redirect(url_for("admin.closure_requests"))
