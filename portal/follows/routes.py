"""The follows page: an enterprise chooses the sectors whose new scenarios it hears of."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.follows import bp, operations
from portal.follows.forms import FollowsForm
from portal.permissions import can_follow_sectors
from portal.web.views import require_role_area, run_operation

bp.before_request(require_role_area(can_follow_sectors))


@bp.route("/account/follows", methods=["GET", "POST"])
def edit_follows():
    form = FollowsForm()
    if not form.is_submitted():
        form.sectors.data = operations.followed_sectors(current_user.organization_id)
    if form.validate_on_submit():
        if run_operation(form, operations.set_followed_sectors, current_user, form.sectors.data) is not None:
            flash(_("已保存关注的领域。") if form.sectors.data else _("已取消关注全部领域。"), "success")
            return redirect(url_for("follows.edit_follows"))
    return render_template("follows/edit.html", form=form)
