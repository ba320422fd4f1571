"""数据看板: public statistics, and the richer figures for departments and platform admins."""

from flask import Blueprint, Flask

bp = Blueprint("dashboard", __name__)
department_bp = Blueprint("dashboard_department", __name__)
admin_bp = Blueprint("dashboard_admin", __name__)

from portal.dashboard import routes  # noqa: E402,F401


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(department_bp, url_prefix="/manage")
    app.register_blueprint(admin_bp, url_prefix="/admin")
