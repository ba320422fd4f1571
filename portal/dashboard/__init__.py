"""数据看板: public statistics, and the richer figures for departments and platform admins."""

from flask import Blueprint, Flask

bp = Blueprint("dashboard", __name__)
department_bp = Blueprint("dashboard_department", __name__)
admin_bp = Blueprint("dashboard_admin", __name__)


def init_app(app: Flask) -> None:
    """The worker counts the dashboards' figures ahead, every minute (snapshots.py)."""
    from portal import jobs
    from portal.dashboard import snapshots

    jobs.register(app, "dashboard.refresh", snapshots.refresh, jobs.every(minutes=1))
