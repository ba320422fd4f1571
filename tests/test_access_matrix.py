"""Every route × every role: who gets the page, who is sent to log in, who gets 403 or 404.

A route without a row fails `test_every_route_has_a_row`, so no page can slip in unguarded.
"""

import pytest

ROLES = ["anonymous", "enterprise", "pending_enterprise", "reviewer", "department", "other_department", "admin"]
OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404

# Routes that serve files, not application pages.
EXEMPT = {"static", "bootstrap.static"}


def everyone(outcome):
    return dict.fromkeys(ROLES, outcome)


def signed_in(outcome, anonymous=LOGIN):
    return {**everyone(outcome), "anonymous": anonymous}


def department_area(owner=OK, other=NOT_FOUND):
    """Department pages: anonymous → login, other roles → 403, another department → 404 on our objects."""
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "department": owner, "other_department": other}


def admin_area():
    return {**everyone(FORBIDDEN), "anonymous": LOGIN, "admin": OK}


# endpoint: (method, url arguments (names resolved against the world), outcome per role)
MATRIX = {
    "main.home": ("GET", {}, everyone(OK)),
    "main.set_language": ("GET", {"code": "en"}, everyone(OK)),
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
    "admin.audit_log": ("GET", {}, admin_area()),
}

# Objects of a scenario owned by the "department"; drafts are invisible to everyone else.
PRIVATE_TO_OWNER = {
    ("scenarios.show_batch", "draft_batch"),
    ("scenarios.show_scenario", "draft_scenario"),
}


def outcome_of(response) -> object:
    if response.status_code in (301, 302, 303):
        return LOGIN if "/login" in response.headers["Location"] else OK
    if response.status_code == 200:
        return OK
    return response.status_code


def test_every_route_has_a_row(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - EXEMPT
    assert endpoints - MATRIX.keys() == set(), "routes without a row in the access-control matrix"
    assert MATRIX.keys() - endpoints == set(), "rows for routes that no longer exist"


def test_every_route_method_is_covered(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        method = MATRIX[rule.endpoint][0]
        assert method in rule.methods, f"{rule.endpoint} does not answer {method}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_access(app, client, login_as, world, endpoint, role):
    users, objects = world
    method, args, expected = MATRIX[endpoint]
    if users[role] is not None:
        login_as(users[role])
    url = app.url_for(endpoint, **{k: objects.get(v, v) for k, v in args.items()}, _external=False)
    response = client.open(url, method=method)
    assert outcome_of(response) == expected[role], f"{method} {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_invisible_outside_their_department(app, client, login_as, world, role):
    users, objects = world
    if users[role] is not None:
        login_as(users[role])
    for endpoint, name in PRIVATE_TO_OWNER:
        key = "batch_id" if "batch" in name else "scenario_id"
        response = client.get(app.url_for(endpoint, **{key: objects[name]}))
        assert outcome_of(response) == (OK if role == "department" else NOT_FOUND), (endpoint, role)


@pytest.mark.parametrize("endpoint", ["scenarios.show_batch", "scenarios.show_scenario", "manage.show_batch",
                                      "manage.edit_scenario", "admin.verify_enterprise"])
def test_guessed_ids_answer_404(app, client, login_as, world, endpoint):
    users, _objects = world
    login_as(users["admin" if endpoint.startswith("admin") else "department"])
    method = MATRIX[endpoint][0]
    (arg,) = MATRIX[endpoint][1]
    response = client.open(app.url_for(endpoint, **{arg: 999_999}), method=method)
    assert response.status_code == 404
