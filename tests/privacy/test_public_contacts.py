"""No contact's full name, phone or e-mail on any public page, the API or an export, for any role but the ones
that need it (the owning department and admins for a scenario's contact; the enterprise itself and admins for
an enterprise's contact)."""

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from openpyxl import load_workbook

from portal.accounts.models import Role

# Every public page, API answer and export of a world with contacts, on both databases.
pytestmark = pytest.mark.both_databases

SCENARIO_CONTACT = {"name": "欧阳建华", "phone": "13812345678", "email": "jianhua.ouyang@hz.example.cn"}
LANDLINE_CONTACT = {"name": "诸葛明", "phone": "0571-87654321", "email": None}
ENTERPRISE_CONTACT = {"name": "司马慧敏", "phone": "+86 139 8765 4321"}
MAX_PAGES = 120
SKIP = ("/static/", "/logout", "/bootstrap/", "/lang/")


def secrets_in(text: str, contacts) -> list[str]:
    found = []
    flat = re.sub(r"[\s-]", "", text)
    for contact in contacts:
        for value in contact.values():
            if value and (value in text or re.sub(r"[\s+-]", "", value) in flat):
                found.append(value)
    return found


def body_text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = sheet.iter_rows(values_only=True)
        return "\n".join(" ".join("" if c is None else str(c) for c in row) for row in rows)
    try:
        return response.data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ""


def crawl(client, start: list[str]) -> dict[str, str]:
    """Every page reachable by links from `start` (GET only, this site only), with its text."""
    seen, queue, pages = set(), list(start), {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen or any(path.startswith(s) for s in SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200:
            continue
        text = body_text(response)
        pages[path] = text
        if response.mimetype == "text/html":
            for href in re.findall(r'href="([^"#]+)', text):
                target = urlsplit(urljoin("http://localhost" + path, href.replace("&amp;", "&")))
                if target.netloc in ("localhost", "") and target.scheme in ("http", "https", ""):
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


@pytest.fixture
def world(db, create_batch, create_scenario, create_user, create_org, frozen_now):
    batch = create_batch()
    scenario = create_scenario(batch, state="published", contact_name=SCENARIO_CONTACT["name"],
                               contact_phone=SCENARIO_CONTACT["phone"], contact_email=SCENARIO_CONTACT["email"])
    other = create_scenario(batch, state="published", title="园区安防视频智能分析",
                            contact_name=LANDLINE_CONTACT["name"], contact_phone=LANDLINE_CONTACT["phone"])
    org = create_org(contact_name=ENTERPRISE_CONTACT["name"], contact_phone=ENTERPRISE_CONTACT["phone"])
    enterprise = create_user(Role.ENTERPRISE, org=org)
    return {"batch": batch, "scenario": scenario, "other": other, "enterprise": enterprise}


START = ["/", "/scenarios", "/batches", "/results", "/products", "/api/v1/scenarios", "/api/v1/batches"]


@pytest.mark.parametrize("role", [None, Role.ENTERPRISE, Role.REVIEWER, Role.GOVERNMENT, "enterprise-itself"])
def test_no_public_page_api_or_export_shows_a_contact_in_full(client, login_as, create_user, world, role):
    if role == "enterprise-itself":
        login_as(world["enterprise"])
    elif role is not None:
        login_as(create_user(role))  # a department, but not the owning one
    start = START + [f"/scenarios/{s.id}" for s in (world["scenario"], world["other"])]
    start += [f"/api/v1/scenarios/{s.id}" for s in (world["scenario"], world["other"])]
    pages = crawl(client, start)
    assert f"/scenarios/{world['scenario'].id}" in pages and f"/api/v1/scenarios/{world['scenario'].id}" in pages
    assert any(p.startswith("/scenarios.xlsx") for p in pages) and any(p.startswith("/scenarios.csv") for p in pages)
    contacts = [SCENARIO_CONTACT, LANDLINE_CONTACT] + ([] if role == "enterprise-itself" else [ENTERPRISE_CONTACT])
    leaks = {path: found for path, text in pages.items() if (found := secrets_in(text, contacts))}
    assert not leaks
    # The masked contact is there, so the test would see the full one.
    assert "欧**华" in pages[f"/scenarios/{world['scenario'].id}"]
    assert "138****5678" in pages[f"/api/v1/scenarios/{world['scenario'].id}"]
    assert "0571-****4321" in pages[f"/scenarios/{world['other'].id}"]


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_the_owning_department_and_admins_see_the_contact_in_full(client, login_as, create_user, world, who):
    from tests.factories import _owner_of

    login_as(_owner_of(world["batch"]) if who == "owner" else create_user(Role.ADMIN))
    page = client.get(f"/scenarios/{world['scenario'].id}").text
    assert all(value in page for value in SCENARIO_CONTACT.values())
    # The open-data API stays masked for everybody: it is read by machines and copied elsewhere.
    assert SCENARIO_CONTACT["phone"] not in client.get(f"/api/v1/scenarios/{world['scenario'].id}").text


def test_the_enterprise_contact_is_shown_in_full_to_itself_and_admins_only(create_user, world):
    from portal.permissions import enterprise_contact

    org = world["enterprise"].organization
    assert enterprise_contact(world["enterprise"], org)["name"] == ENTERPRISE_CONTACT["name"]
    assert enterprise_contact(create_user(Role.ADMIN), org)["phone"] == ENTERPRISE_CONTACT["phone"]
    for other in (create_user(Role.ENTERPRISE), create_user(Role.GOVERNMENT), create_user(Role.REVIEWER)):
        assert enterprise_contact(other, org) == {"name": "司**敏", "phone": "+86 139****4321", "email": None}
