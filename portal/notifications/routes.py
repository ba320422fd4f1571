"""The inbox: every signed-in user reads and clears only their own messages."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.notifications import bp, operations
from portal.notifications.models import Notification
from portal.permissions import can_read_notification, load_or_404
from portal.web.forms import ActionForm
from portal.web.paging import page_arg
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(lambda user: user.is_active))

@bp.get("/")
def inbox():
    pagination = operations.inbox_page(current_user, page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("notifications/inbox.html", pagination=pagination, action_form=ActionForm())


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    notification = load_or_404(Notification, notification_id, current_user, can_read_notification)
    link = notification.link
    form = ActionForm()
    if form.validate_on_submit() and run_operation(form, operations.mark_read, notification, current_user):
        if operations.is_local_link(link):
            return redirect(link)
    for error in form.form_errors:
        flash(error, "danger")
    return _back_to_inbox()


@bp.post("/read-all")
def mark_all_read():
    form = ActionForm()
    if form.validate_on_submit():
        count = run_operation(form, operations.mark_all_read, current_user)
        if count is not None:
            flash(_("已将 %(n)d 条消息标为已读。", n=count) if count else _("没有未读消息。"), "success")
    for error in form.form_errors:
        flash(error, "danger")
    return _back_to_inbox()


def _back_to_inbox():
    # Back to the inbox page the user was on; only ever to the inbox.
    inbox_url = url_for("notifications.inbox")
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url.rstrip("/") + inbox_url):
        return redirect(referrer)
    return redirect(inbox_url)
