"""Every route × every role: who gets the page, who is sent to log in, who gets 403 or 404.

A route without a row fails `test_every_route_has_a_row`, so no page can slip in unguarded.
Rows live in tests/access/, one module per domain.
"""

import pytest

from tests.access import LOGIN, NOT_FOUND, OK, ROLES, collect

MATRIX, BUILDERS = collect()

# The objects of every domain's BUILDERS are built with the module's world, once (tests/conftest.py).
WORLD_HAS_EVERY_OBJECT = True

# Routes that serve files, not application pages.
EXEMPT = {"static", "bootstrap.static"}


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
    method, args, expected = MATRIX[endpoint]
    url = world.url_for(endpoint, args)
    if world.users[role] is not None:
        login_as(world.users[role])
    response = client.open(url, method=method)
    response.close()  # downloads stream a file
    assert outcome_of(response) == expected[role], f"{method} {url} as {role}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_invisible_outside_their_department(app, client, login_as, world, role):
    if world.users[role] is not None:
        login_as(world.users[role])
    for endpoint, name in PRIVATE_TO_OWNER:
        key = "batch_id" if "batch" in name else "scenario_id"
        response = client.get(app.url_for(endpoint, **{key: world.objects[name]}))
        assert outcome_of(response) == (OK if role == "department" else NOT_FOUND), (endpoint, role)


@pytest.mark.parametrize("endpoint", ["scenarios.show_batch", "scenarios.show_scenario", "manage.show_batch",
                                      "manage.edit_scenario", "admin.verify_enterprise"])
def test_guessed_ids_answer_404(app, client, login_as, world, endpoint):
    login_as(world.users["admin" if endpoint.startswith("admin") else "department"])
    method = MATRIX[endpoint][0]
    (arg,) = MATRIX[endpoint][1]
    response = client.open(app.url_for(endpoint, **{arg: 999_999}), method=method)
    assert response.status_code == 404
