"""Rows for the dashboards: public for everyone, the department's own, and the platform's for admins."""

from tests.access import FORBIDDEN, LOGIN, OK, admin_area, everyone

ROWS = {
    "dashboard.show_public": ("GET", {}, everyone(OK)),
    # Every department has its own dashboard at the same address: nothing of another department's to guess.
    "dashboard_department.show_department": ("GET", {}, {**everyone(FORBIDDEN), "anonymous": LOGIN,
                                                          "department": OK, "other_department": OK}),
    "dashboard_admin.show_platform": ("GET", {}, admin_area()),
}
