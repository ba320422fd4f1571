"""Rows for the foundation: public lists, accounts, department pages, administration."""

from tests.access import OK, admin_area, department_area, everyone, signed_in

# endpoint: (method, url arguments (names resolved against the world), outcome per role)
ROWS = {
    "main.home": ("GET", {}, everyone(OK)),
    "main.favicon": ("GET", {}, everyone(OK)),
    "main.set_language": ("GET", {"code": "en"}, everyone(OK)),
    "main.healthz": ("GET", {}, everyone(OK)),
    # Public, but the world has no search index: not ready (tests/test_health.py sees it become ready).
    "main.readyz": ("GET", {}, everyone(503)),
    "scenarios.list_batches": ("GET", {}, everyone(OK)),
    "scenarios.show_batch": ("GET", {"batch_id": "published_batch"}, everyone(OK)),
    "scenarios.list_scenarios": ("GET", {}, everyone(OK)),
    "scenarios.show_scenario": ("GET", {"scenario_id": "published_scenario"}, everyone(OK)),
    "scenarios.feed_atom": ("GET", {}, everyone(OK)),
    "scenarios.feed_ical": ("GET", {}, everyone(OK)),
    "accounts.register": ("GET", {}, everyone(OK)),
    "accounts.login": ("GET", {}, everyone(OK)),
    "accounts.logout": ("POST", {}, signed_in(OK)),
    "accounts.account": ("GET", {}, signed_in(OK)),
    "accounts.change_password": ("GET", {}, signed_in(OK)),
    "manage.dashboard": ("GET", {}, department_area(other=OK)),
    "manage.new_batch": ("GET", {}, department_area(other=OK)),
    "manage.show_batch": ("GET", {"batch_id": "draft_batch"}, department_area()),
    "manage.edit_batch": ("GET", {"batch_id": "draft_batch"}, department_area()),
    "manage.publish_batch": ("POST", {"batch_id": "draft_batch"}, department_area()),
    "manage.new_scenario": ("GET", {"batch_id": "draft_batch"}, department_area()),
    "manage.edit_scenario": ("GET", {"scenario_id": "draft_scenario"}, department_area()),
    "manage.preview_scenario": ("GET", {"scenario_id": "draft_scenario"}, department_area()),
    "manage.publish_scenario": ("POST", {"scenario_id": "draft_scenario"}, department_area()),
    "manage.cancel_scenario": ("GET", {"scenario_id": "published_scenario"}, department_area()),
    "admin.index": ("GET", {}, admin_area()),
    "admin.enterprises": ("GET", {}, admin_area()),
    "admin.verify_enterprise": ("POST", {"org_id": "pending_org"}, admin_area()),
    "admin.reject_enterprise": ("POST", {"org_id": "pending_org"}, admin_area()),
    "admin.users": ("GET", {}, admin_area()),
    "admin.new_user": ("GET", {}, admin_area()),
    "admin.deactivate_user": ("POST", {"user_id": "enterprise_user"}, admin_area()),
    "admin.activate_user": ("POST", {"user_id": "enterprise_user"}, admin_area()),
    "admin.policy": ("GET", {}, admin_area()),
    "admin.audit_log": ("GET", {}, admin_area()),
}

