"""Object-level access: the access-control matrix, extended with ownership.

Another department on our scenarios, batches, submissions, review, ranking, exports, decision and 公示; another
verified enterprise on our proposal, its versions, receipt, attachments and objection; a reviewer on a review that
is not theirs; and ids guessed around ours. The answer is always 403 or 404, the body never carries the other
party's data, and a refused POST (with a valid CSRF token and the owner's own form values) changes nothing.

The routes come from the matrix rows (tests/access/), so a new owned route is covered by its row.
"""

import re
from urllib.parse import quote, unquote

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.announcements.models import Objection
from portal.audit import AuditRecord
from portal.proposals.models import Attachment, Proposal, ProposalVersion
from portal.reviews.models import Review
from portal.scenarios.models import Scenario
from tests.access import NOT_FOUND, OK
from tests.factories import form_values
from tests.reviews import helpers
from tests.test_access_matrix import MATRIX


def _owned_by(owner: str, outsider: str) -> list[str]:
    """Routes on objects of the world's `owner`: the owner gets the page and `outsider` is told it does not exist."""
    return sorted(endpoint for endpoint, (_method, args, outcome) in MATRIX.items()
                  if args and outcome[owner] == OK and outcome[outsider] == NOT_FOUND)


def _reviewers_only() -> list[str]:
    """Routes on a reviewer's own reviews: no other role gets them (the matrix has one reviewer, so no outsider)."""
    return sorted(endpoint for endpoint, (_method, args, outcome) in MATRIX.items()
                  if args and outcome["reviewer"] == OK
                  and all(seen != OK for role, seen in outcome.items() if role != "reviewer"))


DEPARTMENT_ROUTES = _owned_by("department", "other_department")
ENTERPRISE_ROUTES = _owned_by("enterprise", "pending_enterprise")
REVIEWER_ROUTES = _reviewers_only()
REFUSED = (403, 404)
# Fields a POST-only action may need to get past validation; an owner's page supplies the rest.
ACTION_FIELDS = {"conflict": "no", "reason": "越权操作测试的原因说明", "text": "越权提交的异议内容。"}
# The objects of every domain's BUILDERS are built with the module's world, once (tests/conftest.py), instead of
# those of the owned routes in each test's `parties`.
WORLD_HAS_EVERY_OBJECT = True


@pytest.fixture
def parties(csrf_app, world, create_user, create_scenario, submit_proposal, stored_file):
    """The world with every owned object built, a department draft and a submission carrying names nobody
    else may see, and the outsiders: a second verified enterprise and a reviewer with no assignment."""
    for endpoint in DEPARTMENT_ROUTES + ENTERPRISE_ROUTES + REVIEWER_ROUTES:
        for value in MATRIX[endpoint][1].values():
            world.resolve(value)
    db = world.fixture("db")
    batch = db.session.get(Scenario, world.objects["published_scenario"]).batch
    draft = create_scenario(batch, title="机密草稿：城西数据中台")
    world.objects["secret_draft"] = draft.id
    world.users["rival_enterprise"] = create_user(Role.ENTERPRISE)
    world.users["idle_reviewer"] = create_user(Role.REVIEWER)
    return world


def _secrets(db) -> list[str]:
    """What only the owners may see: proposal titles, receipts, digests, bidders, files, objections, drafts."""
    secrets = ["机密草稿：城西数据中台", "%PDF-1.4"]
    for version in db.session.scalars(select(ProposalVersion)):
        secrets += [version.title, version.receipt_no, version.digest]
    secrets += [p.organization.name for p in db.session.scalars(select(Proposal))]
    secrets += [a.display_name for a in db.session.scalars(select(Attachment))]
    secrets += [o.text for o in db.session.scalars(select(Objection))]
    return sorted({s for s in secrets if s})


def _audit_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditRecord))


def _token(client) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/").get_data(as_text=True))
    assert match
    return match.group(1)


def _methods(app, endpoint) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return sorted(rule.methods & {"GET", "POST"})


def assert_refused(db, response, secrets, what):
    body = response.get_data().decode("utf-8", "replace") + str(response.headers)
    response.close()
    assert response.status_code in REFUSED, f"{what}: {response.status_code}"
    asked = unquote(response.request.full_path)  # what the outsider typed may be echoed (a link to switch language)
    leaked = [s for s in secrets if s in body and s not in asked]
    assert leaked == [], f"{what} shows the other party's data: {leaked}"


def _try_as_outsider(app, client, login_as, world, endpoint, owner, outsider, url=None):
    """GET, and POST with the owner's own form values and a valid token, as `outsider`; nothing may change."""
    db = world.fixture("db")
    url = url or world.url_for(endpoint, MATRIX[endpoint][1])
    data = dict(ACTION_FIELDS)
    if "GET" in _methods(app, endpoint):
        login_as(world.users[owner])
        page = client.get(url)
        if page.mimetype == "text/html":
            data.update(form_values(page.get_data(as_text=True)))
        page.close()
    login_as(world.users[outsider])
    data["csrf_token"] = _token(client)
    secrets, before = _secrets(db), _audit_count(db)
    for method in _methods(app, endpoint):
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert_refused(db, response, secrets, f"{method} {url} as {outsider}")
    db.session.expire_all()
    assert _audit_count(db) == before, f"{url}: a refused request changed something"


@pytest.mark.parametrize("endpoint", DEPARTMENT_ROUTES)
def test_another_department_gets_nothing_of_our_objects(csrf_app, client, login_as, parties, endpoint):
    _try_as_outsider(csrf_app, client, login_as, parties, endpoint, "department", "other_department")


@pytest.mark.parametrize(("kind", "fmt"), [("ranking", "csv"), ("ranking", "xlsx"), ("scores", "csv"),
                                           ("scores", "xlsx")])
def test_another_department_cannot_export_our_ranking(csrf_app, client, login_as, parties, kind, fmt):
    url = parties.url_for("review_manage.export", {"scenario_id": "review_scenario", "kind": kind, "fmt": fmt})
    _try_as_outsider(csrf_app, client, login_as, parties, "review_manage.export", "department",
                     "other_department", url)


@pytest.mark.parametrize("endpoint", ["manage.edit_scenario", "manage.preview_scenario", "manage.publish_scenario",
                                      "manage.cancel_scenario", "submissions.scenario_proposals"])
def test_another_department_gets_nothing_of_our_draft(csrf_app, client, login_as, parties, endpoint):
    url = parties.url_for(endpoint, {"scenario_id": "secret_draft"})
    _try_as_outsider(csrf_app, client, login_as, parties, endpoint, "department", "other_department", url)


@pytest.mark.parametrize("endpoint", ENTERPRISE_ROUTES)
def test_another_enterprise_gets_nothing_of_our_proposal(csrf_app, client, login_as, parties, endpoint):
    _try_as_outsider(csrf_app, client, login_as, parties, endpoint, "enterprise", "rival_enterprise")


def test_another_enterprises_withdraw_leaves_our_submission_standing(csrf_app, client, login_as, parties, db):
    proposal_id = parties.resolve("own_proposal")
    state = db.session.get(Proposal, proposal_id).state
    _try_as_outsider(csrf_app, client, login_as, parties, "proposals.withdraw", "enterprise", "rival_enterprise")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal_id).state == state
    assert db.session.get(Attachment, parties.resolve("own_attachment")).removed_at is None


@pytest.mark.parametrize("endpoint", REVIEWER_ROUTES)
def test_a_reviewer_gets_nothing_of_a_review_that_is_not_theirs(csrf_app, client, login_as, parties, endpoint):
    _try_as_outsider(csrf_app, client, login_as, parties, endpoint, "reviewer", "idle_reviewer")


def test_a_reviewer_assigned_one_proposal_gets_nothing_of_the_other(csrf_app, client, login_as, parties, db):
    scenario_id = parties.resolve("review_scenario")
    scenario = db.session.get(Scenario, scenario_id)
    first, second = sorted({r.proposal for r in db.session.scalars(select(Review).where(
        Review.scenario_id == scenario_id))}, key=lambda p: p.id)
    reviewer = parties.users["idle_reviewer"]
    helpers.assign(scenario, [reviewer], [first])
    theirs = helpers.review_of(scenario, reviewer, first)
    login_as(reviewer)
    assert client.get(f"/reviewing/reviews/{theirs.id}").status_code == 200
    secrets = [v.title for v in second.versions] + [second.organization.name]
    others = db.session.scalars(select(Review).where(Review.proposal_id == second.id)).all()
    assert others
    for review in others:
        for path in (f"/reviewing/reviews/{review.id}", f"/reviewing/reviews/{review.id}/attachments/1"):
            assert_refused(db, client.get(path), secrets, path)
    attachment = second.latest_version.attachments[0]
    assert_refused(db, client.get(f"/attachments/{attachment.id}"), secrets, "attachment of the other proposal")


# --- guessed ids ---------------------------------------------------------------------------------------------

GUESSES = ["0", "-1", "00", "2147483648", str(2**63), "1" + "0" * 30, "abc", "1.0", "1e3", "0x1", " 1", "%00"]
OUTSIDER = {"department": "other_department", "enterprise": "rival_enterprise", "reviewer": "idle_reviewer"}


def _int_arguments(app, endpoint) -> list[str]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    return [name for name, converter in rule._converters.items() if type(converter).__name__ == "IntegerConverter"]


@pytest.mark.parametrize(("owner", "endpoint"), [(o, e) for o, routes in (("department", DEPARTMENT_ROUTES),
                                                                         ("enterprise", ENTERPRISE_ROUTES),
                                                                         ("reviewer", REVIEWER_ROUTES))
                                                 for e in routes])
def test_guessed_ids_are_refused(csrf_app, client, login_as, parties, db, owner, endpoint):
    """Every id from 1 to a little past the largest in use, and malformed ones, as an outsider who owns none."""
    args = {k: parties.resolve(v) for k, v in MATRIX[endpoint][1].items()}
    login_as(parties.users[OUTSIDER[owner]])
    secrets = _secrets(db)
    method = MATRIX[endpoint][0]
    token = _token(client)
    for name in _int_arguments(csrf_app, endpoint):
        if name == "position":  # an attachment's place in a review, not an id
            continue
        real = args[name]
        for guess in [*map(str, range(1, real + 3)), *GUESSES]:
            url = _with(csrf_app, endpoint, args, name, guess)
            response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert_refused(db, response, secrets, f"{method} {url} as {OUTSIDER[owner]}")


def _with(app, endpoint, args, name, guess) -> str:
    """The route's URL with `name` replaced by a raw guess (which need not be a valid id at all)."""
    marker = 987_654_321
    return app.url_for(endpoint, **{**args, name: marker}).replace(str(marker), quote(guess, safe=""), 1)
