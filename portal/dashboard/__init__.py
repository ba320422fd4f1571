"""数据看板: public statistics, and the richer figures for departments and platform admins."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)
department_bp = Blueprint("dashboard_department", __name__)
admin_bp = Blueprint("dashboard_admin", __name__)

