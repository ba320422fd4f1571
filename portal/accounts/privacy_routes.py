"""The privacy notice, one's own data as JSON, and the request to close one's account (个人信息保护法)."""

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts import bp, privacy
from portal.accounts.forms import ClosureRequestForm
from portal.util import clock
from portal.web.sqlite import writes_on_get
from portal.web.views import run_operation


@bp.get("/privacy")
def privacy_notice():
    return render_template("accounts/privacy.html", version=privacy.NOTICE_VERSION)


@bp.get("/account/data.json")
@login_required
@writes_on_get  # the download is audited
def download_personal_data():
    data = privacy.personal_data(current_user._get_current_object())
    name = f"personal-data-{clock.local_today().isoformat()}.json"
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
def request_account_closure():
    user = current_user._get_current_object()
    form = ClosureRequestForm()
    if form.validate_on_submit():
        if run_operation(form, privacy.request_closure, user, form.reason.data):
            flash(_("注销申请已提交，平台管理员处理后您的账号将停用。"), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/close.html", form=form, pending=privacy.open_closure_request(user))
