"""Hostile input, typed into every field of the main forms and query strings: control characters and numbers
Python's Decimal and float accept but no person means (sNaN, NaN, Infinity, 1e999999). The answer is a field
error or a saved value, never a 500; everything the public can download stays well-formed."""

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from tests.blackbox.forms import form_fields

NUMBERS = ["sNaN", "NaN", "-Infinity", "1e999999", "-1e-999999", "１２", "0x10", "1_000"]
CONTROL = "甲\x0b乙\x01丙\r丁\u2028戊\x00己\x7f庚\ufffe"
HOSTILE = [*NUMBERS, CONTROL]


def pages(world, email):
    closed_review = next(r["id"] for r in world["closed"]["reviews"]
                         if r["reviewer"] == email("fair") and r["proposal"] == world["closed"]["proposal"])
    return [
        ("rival", f"/scenarios/{world['open']['scenario']}/proposal", None),
        ("dept", f"/manage/batches/{world['batch']}/scenarios/new", None),
        ("dept", f"/manage/scenarios/{world['closed']['scenario']}/review", "criteria-0-weight"),
        ("admin", "/admin/policy", None),
        ("admin", "/admin/users/new", None),
        ("fair", f"/reviewing/reviews/{closed_review}", "score_0"),
        ("fair", "/reviewing/profile", "org_name"),
        ("rival", "/account/password", None),
        ("bidder", "/my/products/new", None),
        ("anonymous", "/register", None),
        ("anonymous", "/password/forgot", None),
        ("rival", "/account/follows", None),
    ]


@pytest.mark.parametrize("index", range(12))
def test_every_field_of_the_main_forms_answers_hostile_values_without_an_error(portal, index):
    role, path, marker = pages(portal.world, portal.email)[index]
    browser = portal.browser() if role == "anonymous" else portal.user(role)
    page = browser.get(path)
    assert page.status_code == 200, (path, page.status_code)
    fields, typed = form_fields(page.text, marker)
    assert typed, f"no typed fields found on {path}"
    action = path
    if marker == "org_name":
        action = "/reviewing/profile/entries"
    elif marker == "criteria-0-weight":
        action = path + "/setup"
    failures = []
    for name in typed:
        for value in HOSTILE:
            response = browser.post(action, data={**fields, name: value})
            if response.status_code not in (200, 302, 400, 409, 422, 429):
                failures.append((name, value, response.status_code))
    assert not failures, failures


QUERIES = ["/verify?{}", "/scenarios?{}", "/products?{}", "/search?{}", "/api/v1/scenarios?{}", "/api/v1/products?{}",
           "/api/v1/results?{}", "/api/v1/batches?{}", "/results?{}", "/scenarios.csv?{}", "/batches?{}",
           "/dashboard?{}", "/feeds/scenarios.atom?{}"]
PARAMS = ["q", "page", "per_page", "year", "budget_min", "budget_max", "sector", "district", "status", "batch",
          "level", "type", "sort", "limit", "offset", "receipt", "digest", "lang", "format"]


@pytest.mark.parametrize("template", QUERIES)
def test_hostile_query_values_never_fail_a_public_page(portal, template):
    browser = portal.browser()
    failures = []
    for name in PARAMS:
        for value in [*HOSTILE, "-1", "99999999999999999999999", "1" * 3000]:
            response = browser.get(template.format(""), params={name: value})
            if response.status_code >= 500:
                failures.append((name, value[:20], response.status_code))
    assert not failures, failures


def test_hostile_ids_in_paths_are_404_not_errors(portal):
    browser = portal.browser()
    for path in ["/api/v1/scenarios/NaN", "/api/v1/scenarios/1e999999", "/api/v1/products/-1",
                 "/api/v1/products/%00", "/api/v1/scenarios/99999999999999999999999", "/scenarios/99999999999999999999",
                 "/password/reset/%00", "/batches/NaN", "/products/1e999999"]:
        assert browser.get(path).status_code in (400, 404), path
    assert browser.get("/receipts/%0b%01").status_code == 302  # signed-in enterprises only


@pytest.fixture(scope="module")
def hostile_scenario(portal):
    """A scenario published by the department with control characters in every text field."""
    dept = portal.user("dept")
    path = f"/manage/batches/{portal.world['batch']}/scenarios/new"
    fields, _typed = form_fields(dept.get(path).text)
    deadline = portal.live.now().replace(microsecond=0).replace(tzinfo=None)
    fields.update(title=f"控制{CONTROL}场景", description=f"描述{CONTROL}", requirements=f"<p>要求{CONTROL}</p>",
                  budget="12.5", contact_name=f"联系{CONTROL}"[:20], contact_phone="0571-88886666",
                  sector="security", district="西湖区",
                  deadline=(deadline.replace(year=deadline.year + 1)).strftime("%Y-%m-%dT%H:%M"))
    created = dept.post(path, data=fields)
    assert created.status_code == 302, created.status_code
    scenario_path = created.headers["Location"]
    scenario_id = int("".join(ch for ch in scenario_path.split("/scenarios/")[1] if ch.isdigit()))
    published = dept.submit(f"/manage/scenarios/{scenario_id}/publish", {},
                            form_page=f"/manage/scenarios/{scenario_id}/preview")
    assert published.status_code == 302, published.status_code
    return scenario_id


def test_published_text_with_control_characters_keeps_every_download_well_formed(portal, hostile_scenario):
    browser = portal.browser()
    page = browser.get(f"/scenarios/{hostile_scenario}")
    assert page.status_code == 200 and "控制" in page.text
    api = browser.get(f"/api/v1/scenarios/{hostile_scenario}")
    assert api.status_code == 200 and "控制" in json.loads(api.text)["title"]
    json.loads(browser.get("/api/v1/scenarios").text)
    feed = browser.get("/feeds/scenarios.atom")
    assert feed.status_code == 200
    ET.fromstring(feed.content)  # noqa: S314 -- the portal's own output; raises on characters XML forbids
    ics = browser.get("/feeds/deadlines.ics")
    assert ics.status_code == 200
    assert not any(ch in ics.text for ch in "\x0b\x01\x00\x7f\u2028"), "control characters in iCal"
    assert all(line.endswith("\r") or not line for line in ics.text.split("\n")[:-1]), "bare LF line in iCal"
    table = browser.get("/scenarios.csv")
    assert table.status_code == 200
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert any("控制" in cell for row in rows for cell in row)
    sheet = browser.get("/scenarios.xlsx")
    assert sheet.status_code == 200
    with zipfile.ZipFile(io.BytesIO(sheet.content)) as archive:
        for name in archive.namelist():
            if name.endswith(".xml"):
                ET.fromstring(archive.read(name))  # noqa: S314 -- the portal's own output
    assert browser.get("/search", params={"q": "控制"}).status_code == 200


SEARCH_SYNTAX = ["*", "a*", "*a", "title:x", '"', "(", "AND", "NOT", "~", "a~5", "[a TO z]", "{", "\\", "%",
                 "红外 OR", "name:红外*", "?", "^2", '""""', "a:b:c"]


@pytest.mark.parametrize("path", ["/search", "/api/v1/products", "/api/v1/scenarios", "/scenarios", "/products"])
def test_query_syntax_typed_into_search_is_just_text(portal, path):
    browser = portal.browser()
    answers = {q: browser.get(path, params={"q": q}).status_code for q in SEARCH_SYNTAX}
    assert all(code == 200 for code in answers.values()), answers
