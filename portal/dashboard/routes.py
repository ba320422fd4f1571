"""The dashboard pages: public, a department's own with the city's, and the whole platform for admins."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from portal.dashboard import admin_bp, bp, department_bp, figures
from portal.permissions import can_administer, is_department
from portal.web.views import require_role_area

department_bp.before_request(require_role_area(is_department))
admin_bp.before_request(require_role_area(can_administer))


@bp.get("/dashboard")
def show_public():
    return render_template("dashboard/public.html", sections=figures.public_dashboard())


@department_bp.get("/dashboard")
def show_department():
    return render_template("dashboard/staff.html", sections=figures.department_dashboard(current_user.organization_id),
                           heading=_("本单位数据看板"), subtitle=current_user.organization.name)


@admin_bp.get("/dashboard")
def show_platform():
    return render_template("dashboard/staff.html", sections=figures.platform_dashboard(),
                           heading=_("平台数据看板"), subtitle=_("全部发布单位与场景"))
