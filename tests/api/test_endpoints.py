"""The open-data API as a program uses it: lists with filters and totals, search, details, and refusals."""

import pytest

from portal.accounts.models import Role
from tests.api.conftest import SECRET_BIDDER, SECRET_TEXT, SECRET_TITLE

API = "/api/v1"


def get(client, path, **query):
    response = client.get(API + path, query_string=query)
    assert response.mimetype == "application/json", (path, response.status_code)
    return response


def ids(body):
    return [item["id"] for item in body["items"]]


def everything(client, path, **query):
    """Every item of a list, fetched page by page, and the total each page reported."""
    items, totals, page = [], set(), 1
    while True:
        body = get(client, path, page=page, per_page=2, **query).json
        totals.add(body["total"])
        items += body["items"]
        if not body["items"]:
            return items, totals
        page += 1


def test_batches_are_the_published_ones_newest_first_with_their_public_scenario_counts(client, open_data):
    body = get(client, "/batches").json
    assert [b["title"] for b in body["items"]] == [open_data.other_batch.title, open_data.batch.title]
    assert body["total"] == 2 and body["total_exact"] is True
    # final, decided and open are public in the first batch; its draft is not counted.
    assert {b["id"]: b["scenario_count"] for b in body["items"]} == {open_data.batch.id: 3,
                                                                      open_data.other_batch.id: 2}
    second = get(client, "/batches", page=2, per_page=1).json
    assert second["total"] == 2 and [b["id"] for b in second["items"]] == [open_data.batch.id]


def test_chinese_is_sent_as_utf8_text_not_escapes(client, open_data):
    response = get(client, "/batches")

    assert open_data.batch.title.encode() in response.data
    assert b"\\u" not in response.data


def test_scenarios_page_through_with_a_stable_total(client, open_data):
    items, totals = everything(client, "/scenarios")
    public = {open_data.open.id, open_data.cancelled.id, open_data.final.id, open_data.announced.id,
              open_data.decided.id}
    assert totals == {5} and [s["id"] for s in items] == ids(get(client, "/scenarios", per_page=100).json)
    assert {s["id"] for s in items} == public


@pytest.mark.parametrize("query, expected", [
    ({"status": "published"}, ["open"]),
    ({"status": "final"}, ["final"]),
    ({"status": "announced"}, ["announced"]),
    ({"status": "cancelled"}, ["cancelled"]),
    ({"sector": "special_imaging"}, ["open"]),
    ({"district": "滨江区"}, ["open"]),
    ({"batch": "other_batch"}, ["cancelled", "announced"]),
    ({"batch": "other_batch", "status": "announced"}, ["announced"]),
])
def test_scenario_filters_are_those_of_the_list_page(client, open_data, query, expected):
    if "batch" in query:
        query = {**query, "batch": getattr(open_data, query["batch"]).id}
    body = get(client, "/scenarios", **query).json
    assert ids(body) == [getattr(open_data, name).id for name in expected]
    assert body["total"] == len(expected)
    page = client.get("/scenarios", query_string=query).text
    for name in expected:
        assert getattr(open_data, name).title in page  # the page shows the same scenarios


def test_q_searches_scenarios_in_rank_order_and_the_filters_still_apply(client, open_data):
    found = get(client, "/scenarios", q="红外热像").json
    assert ids(found)[0] == open_data.open.id and found["total"] == len(found["items"])
    assert ids(get(client, "/scenarios", q="红外热像", status="final").json) == []
    assert ids(get(client, "/scenarios", q="道路病害", status="final").json) == [open_data.final.id]
    assert get(client, "/scenarios", q="光刻机").json["total"] == 0


def test_a_scenario_shows_its_winners_only_once_its_announcement_has_started(client, open_data):
    final = get(client, f"/scenarios/{open_data.final.id}").json
    assert final["status"] == "final" and final["result"]["winners"] == [open_data.winner]
    announced = get(client, f"/scenarios/{open_data.announced.id}").json
    assert announced["status"] == "announced" and announced["result"]["status"] == "announced"
    decided = get(client, f"/scenarios/{open_data.decided.id}")
    assert decided.json["status"] == "decided" and decided.json["result"] is None
    assert open_data.decided_winner not in decided.text
    cancelled = get(client, f"/scenarios/{open_data.cancelled.id}").json
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "需求调整，另行发布"
    opened = get(client, f"/scenarios/{open_data.open.id}").json
    assert "红外热像仪" in opened["description"] and opened["contact"]["name"] == "王*"  # masked


def test_results_are_the_final_ones_only(client, open_data):
    body = get(client, "/results").json
    assert body["total"] == 1 and body["items"][0]["scenario"]["id"] == open_data.final.id
    assert body["items"][0]["winners"] == [open_data.winner]
    assert get(client, "/results", batch=open_data.other_batch.id).json["total"] == 0
    assert get(client, "/results", sector="security").json["total"] == 0


def test_sealed_proposals_never_appear_anywhere_in_the_api(client, login_as, open_data):
    # Signed in as the bidder itself: the API still answers as it would to anyone.
    from sqlalchemy import select

    from portal.accounts.models import Organization, User
    from portal.extensions import db

    bidder = db.session.scalar(select(User).join(Organization).where(Organization.name == SECRET_BIDDER))
    login_as(bidder)
    bodies = [get(client, path, per_page=100).text for path in ("/batches", "/scenarios", "/results", "/products")]
    bodies += [get(client, f"/scenarios/{s}").text for s in ids(get(client, "/scenarios", per_page=100).json)]
    bodies.append(get(client, "/scenarios", q="隧道").text)
    for body in bodies:
        assert SECRET_BIDDER not in body and SECRET_TITLE not in body and SECRET_TEXT not in body
        assert "proposal" not in body


@pytest.mark.parametrize("role", [None, Role.GOVERNMENT, Role.ADMIN])
def test_drafts_answer_404_whoever_asks(client, login_as, create_user, open_data, role):
    from tests.reviews.helpers import department_of

    if role == Role.GOVERNMENT:
        login_as(department_of(open_data.draft))
    elif role is not None:
        login_as(create_user(role))
    response = get(client, f"/scenarios/{open_data.draft.id}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert open_data.draft.title not in get(client, "/scenarios", per_page=100).text
    for product in open_data.hidden_products:
        assert get(client, f"/products/{product.id}").status_code == 404


def test_products_list_search_and_detail(client, open_data):
    listed = get(client, "/products").json
    assert listed["total"] == 2 and open_data.product.id in ids(listed)
    assert get(client, "/products", type="software").json["total"] == 1
    assert get(client, "/products", level="national", year=2024).json["total"] == 1
    found = get(client, "/products", q="热像仪").json
    assert ids(found) == [open_data.product.id] and "<mark>热像仪</mark>" in found["items"][0]["highlight"]
    product = get(client, f"/products/{open_data.product.id}").json
    assert product["model"] == "IR-640U" and product["url"].endswith(f"/products/{open_data.product.id}")


@pytest.mark.parametrize("path, parameter, code", [
    ("/scenarios?page=0", "page", "invalid_parameter"),
    ("/scenarios?page=%C2%B2", "page", "invalid_parameter"),  # "²" counts as a digit to str.isdigit()
    ("/scenarios?page=" + "9" * 5000, "page", "invalid_parameter"),
    ("/scenarios?per_page=101", "per_page", "invalid_parameter"),
    ("/scenarios?sector=moon", "sector", "invalid_parameter"),
    ("/scenarios?status=draft", "status", "invalid_parameter"),
    ("/scenarios?batch=abc", "batch", "invalid_parameter"),
    ("/scenarios?q=", "q", "invalid_parameter"),
    ("/scenarios?sectr=security", "sectr", "unknown_parameter"),
    ("/scenarios?page=1&page=2", "page", "duplicate_parameter"),
    ("/scenarios/abc", "scenario_id", "invalid_parameter"),
    ("/scenarios/99999999999", "scenario_id", "invalid_parameter"),
    ("/results?batch=0", "batch", "invalid_parameter"),
    ("/batches?per_page=x", "per_page", "invalid_parameter"),
    ("/products?year=1e3", "year", "invalid_parameter"),
    ("/products?page=501", "page", "invalid_parameter"),
    ("/products/-1", "product_id", "invalid_parameter"),
])
def test_a_bad_parameter_gets_400_naming_it_and_why(client, path, parameter, code):
    response = client.get(API + path)
    assert response.status_code == 400 and response.mimetype == "application/json"
    error = response.json["error"]
    assert (error["parameter"], error["code"]) == (parameter, code) and error["message"]


@pytest.mark.parametrize("path", ["/scenarios/999999", "/products/999999", "/nothing/here", "/"])
def test_unknown_things_answer_404_in_json(client, path):
    response = client.get(API + path)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_only_get_is_answered(app, client):
    response = client.post(API + "/scenarios")
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_answers_keep_the_security_headers_and_set_no_cookie(client, open_data):
    for path in ("/scenarios", "/scenarios/999999", "/openapi.json"):
        response = client.get(API + path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "Set-Cookie" not in response.headers
    assert client.get(API + "/scenarios").headers["Access-Control-Allow-Origin"] == "*"


def test_an_unexpected_failure_answers_json_without_details(client, monkeypatch):
    from portal.scenarios import queries

    def explode(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM users")

    monkeypatch.setattr(queries, "published_batches_query", explode)
    response = client.get(API + "/batches")
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    assert "SELECT secret" not in response.text


def test_the_document_describes_every_api_route(app, client):
    doc = client.get(API + "/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    described = {op["operationId"] for path in doc["paths"].values() for op in path.values()}
    routes = {rule.endpoint.removeprefix("api.") for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    assert described == routes - {"openapi_document"}
    scenarios = {p["name"]: p for p in doc["paths"]["/scenarios"]["get"]["parameters"]}
    assert scenarios["per_page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert "final" in scenarios["status"]["schema"]["enum"]
    assert set(doc["paths"]["/products/{product_id}"]["get"]["responses"]) == {"200", "400", "404"}


def test_a_full_page_costs_a_few_sql_statements_not_one_per_item(app, client, open_data):
    from sqlalchemy import event

    from portal.extensions import db

    def statements(path, per_page):
        seen = []
        db.session.expunge_all()  # as in a real request, nothing built by the test answers a lazy load
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(API + path, query_string={"per_page": per_page}).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len([s for s in seen if s.lstrip().upper().startswith("SELECT")])

    # A lazy load per row would add a statement per item: five scenarios, two batches, two products.
    for path in ("/batches", "/scenarios", "/results", "/products"):
        assert statements(path, 1) <= statements(path, 100) <= 5, path
