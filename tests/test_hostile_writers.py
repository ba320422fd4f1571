"""Every writer is safe on its own: text with control characters, line separators, formula starts and iCalendar
syntax, put straight into the database (as rows stored before input was cleaned, imports and the command line
would), comes out of XLSX, CSV, Atom, iCalendar, JSON and e-mail well formed, with no 500 and no line or cell of
the writer's choosing. What a form receives is cleaned before it is stored at all."""

import csv
import email
import email.policy
import io
import json
import re
from xml.etree import ElementTree as ET

import icalendar
import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from portal.accounts.models import Organization, Role, User
from portal.catalogue import importer
from portal.notifications import mail
from portal.reviews.models import Review, ReviewScore
from portal.scenarios.models import Batch, Scenario
from portal.util.spreadsheets import FORMULA_START
from tests.factories import form_values
from tests.reviews.helpers import department_of, fully_reviewed

# No NUL: PostgreSQL cannot store one (input drops it, see tests/test_security.py).
HOSTILE = ("=HYPERLINK(\"http://evil.example\")\x01\x0b\x0c\x1b[31m\x7f\x85\x9f\u2028\u2029\ufffe;,\\ end\r\n"
           "BEGIN:VEVENT\rX-INJECTED:1\nUID:evil\r\nBcc: victim@example.cn")
# For columns of 40 characters (contact names, person names).
SHORT = "\x01\x0b;,\\\r\nX-INJECTED:1\rBcc:\u2028\x85\ufffe"
HOSTILE_STARTS = ["\x01=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "＝1+1", "\u2028=1"]
# What no XML 1.0 document and no spreadsheet cell may hold.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@pytest.fixture
def hostile(db, frozen_now, create_batch, create_scenario):
    """A published scenario whose title, batch, department and texts were stored with control characters."""
    batch = create_batch()
    scenarios = [create_scenario(batch, state="published") for _ in HOSTILE_STARTS]
    for scenario, start in zip(scenarios, HOSTILE_STARTS, strict=True):
        db.session.execute(update(Scenario).where(Scenario.id == scenario.id).values(
            title=start + HOSTILE, description_html=f"<p>{HOSTILE}</p>", requirements_html=f"<p>{HOSTILE}</p>",
            contact_name=SHORT))
    db.session.execute(update(Batch).where(Batch.id == batch.id).values(title=HOSTILE))
    db.session.execute(update(Organization).where(Organization.id == batch.department_id).values(name="@" + SHORT))
    db.session.commit()
    db.session.expire_all()
    return scenarios


def _cells_are_safe(rows):
    for row in rows:
        for cell in row:
            if isinstance(cell, str):
                assert not NOT_IN_XML.search(cell), repr(cell)
                assert "\r" not in cell
                assert not cell.startswith(FORMULA_START), repr(cell)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_scenario_list_downloads_well_formed_with_hostile_text(client, hostile, fmt):
    response = client.get(f"/scenarios.{fmt}")
    assert response.status_code == 200
    rows = _table(response)
    titles = [row[1] for row in rows[1:]]
    assert len(titles) == len(HOSTILE_STARTS)
    assert all(title.startswith("'") for title in titles if not title.startswith(" "))
    _cells_are_safe(rows)


def _table(response):
    if response.mimetype == "text/csv":
        return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    book = load_workbook(io.BytesIO(response.data))
    for row in book.active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", "no cell is a formula"
    return [list(row) for row in book.active.iter_rows(values_only=True)]


def test_the_atom_feed_parses_with_hostile_text(client, hostile):
    response = client.get("/feeds/scenarios.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.data)  # noqa: S314 -- the portal's own output
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == len(HOSTILE_STARTS)
    for element in feed.iter():
        for text in (element.text or "", *element.attrib.values()):
            assert not NOT_IN_XML.search(text)
    assert all("end" in e.find(f"{atom}title").text for e in entries)


def test_the_calendar_has_only_the_lines_the_portal_writes(client, hostile):
    response = client.get("/feeds/deadlines.ics")
    assert response.status_code == 200
    body = response.data.decode("utf-8")
    assert body.endswith("\r\n")
    lines = body[:-2].split("\r\n")
    names = set()
    for line in lines:
        assert "\r" not in line and "\n" not in line, repr(line)
        assert len(line.encode()) <= 75, "RFC 5545 §3.1: folded at 75 octets"
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", line), repr(line)
        if not line.startswith(" "):
            names.add(re.match(r"[A-Z-]+", line).group())
    assert names <= {"BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "X-WR-TIMEZONE",
                     "REFRESH-INTERVAL", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL",
                     "CATEGORIES", "STATUS"}
    unfolded = re.sub(r"\r\n ", "", body).split("\r\n")
    assert unfolded.count("BEGIN:VEVENT") == len(HOSTILE_STARTS)
    assert sum(line.startswith("UID:") for line in unfolded) == len(HOSTILE_STARTS)
    summary = next(line for line in unfolded if line.startswith("SUMMARY:"))
    assert "\\;\\,\\\\ end\\n" in summary, "semicolon, comma, backslash and the line break escaped"

    # A calendar library reads the same events, each with only the portal's properties and the text cleaned.
    parsed = icalendar.Calendar.from_ical(body)
    events = parsed.walk("VEVENT")
    assert len(events) == len(HOSTILE_STARTS)
    for event in events:
        assert set(event) == {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL", "CATEGORIES",
                              "STATUS"}
        assert event["UID"].startswith("scenario-")
        text = str(event["SUMMARY"])
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text), repr(text)
        assert text.endswith(";,\\ end\nBEGIN:VEVENT\nX-INJECTED:1\nUID:evil\nBcc: victim@example.cn")


def test_the_api_answers_parseable_json_with_hostile_text(client, hostile):
    listing = client.get("/api/v1/scenarios")
    assert listing.status_code == 200
    assert len(json.loads(listing.data)["items"]) == len(HOSTILE_STARTS)
    detail = client.get(f"/api/v1/scenarios/{hostile[0].id}")
    assert detail.status_code == 200
    assert json.loads(detail.data)["title"].startswith("\x01=cmd")  # JSON carries any text, escaped


@pytest.mark.parametrize("kind", ["ranking", "scores"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_ranking_exports_are_well_formed_with_hostile_names_and_comments(
        client, login_as, db, frozen_now, create_user, create_scenario, submit_proposal, kind, fmt):
    from tests.reviews.helpers import closed_scenario

    bidders = [create_user(Role.ENTERPRISE) for _ in range(3)]
    reviewers = [create_user(Role.REVIEWER) for _ in range(3)]
    scenario, versions = closed_scenario(create_scenario, submit_proposal, bidders)
    fully_reviewed(scenario, reviewers, [[80, 70, 60], [60, 70, 80], [70, 70, 70]])
    for bidder, start in zip(bidders, HOSTILE_STARTS, strict=False):
        db.session.execute(update(Organization).where(Organization.id == bidder.organization_id)
                           .values(name=start + SHORT))
    for reviewer in reviewers:
        db.session.execute(update(User).where(User.id == reviewer.id).values(name=SHORT))
    db.session.execute(update(ReviewScore).values(comment="-" + HOSTILE))
    db.session.execute(update(Review).values(opinion="@" + HOSTILE))
    db.session.commit()
    db.session.expire_all()
    login_as(department_of(scenario))

    response = client.get(f"/manage/scenarios/{scenario.id}/ranking/{kind}.{fmt}")

    assert response.status_code == 200
    rows = _table(response)
    assert len(rows) > 1
    _cells_are_safe(rows)


def test_an_e_mail_to_a_hostile_name_about_a_hostile_title_has_only_its_own_headers(
        db, outbox, create_user):
    from portal.notifications.operations import notify

    user = create_user(Role.ENTERPRISE)
    db.session.execute(update(User).where(User.id == user.id).values(name="张三\r\nBcc: victim@example.cn"))
    db.session.commit()
    db.session.expire_all()
    notify(db.session.get(User, user.id), "receipt", HOSTILE, HOSTILE, None)
    db.session.commit()

    assert mail.deliver_pending() == 1

    raw = next(outbox.glob("*.eml")).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert set(message.keys()) == {"Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "MIME-Version",
                                   "Content-Type", "Content-Transfer-Encoding"}
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["To"].addresses[0].addr_spec == user.email
    assert "victim" not in str(message["To"].addresses[0].addr_spec)
    # The body is text: its lines end in CRLF on the wire, and nothing else of C0 or C1 is left in it.
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", message.get_content().replace("\r\n", "\n"))


def test_an_imported_list_loses_control_characters_and_refuses_years_that_are_not_years():
    header = "name,model,company,type,sector,level,year,description"
    rows = ['"红外\x0b热像仪\x01",IR\u2028-1,"钱塘\r视觉",首台（套）装备,special_imaging,省级,2023,'
            '"第一段\r第二段\x0c"',
            *[f"产品{n},M{n},某公司,首台（套）装备,special_imaging,省级,{year},简介"
              for n, year in enumerate(["inf", "-inf", "1e999", "NaN", "sNaN", "1" * 400])]]
    result = importer.read("\n".join([header, *rows]).encode(), "list.csv")
    assert [line for line, _reason in result.problems] == list(range(3, 3 + 6))
    assert all("年度" in reason for _line, reason in result.problems)

    result = importer.read("\n".join([header, rows[0]]).encode(), "list.csv")
    row = result.rows[0]
    # A vertical tab, U+2028 and a CR break a line: in a single-line value each becomes a space.
    assert (row["name"], row["model"], row["company"]) == ("红外 热像仪", "IR -1", "钱塘 视觉")
    assert row["description"] == "第一段\n第二段"


def test_a_scenario_typed_with_control_characters_is_stored_clean_and_downloads(client, login_as, db, frozen_now,
                                                                               create_batch):
    batch = create_batch()
    login_as(department_of_batch(db, batch))
    page = client.get(f"/manage/batches/{batch.id}/scenarios/new")
    data = {**form_values(page.text), "title": "\x00=城市\x0b道路\r\n巡检\u2028", "sector": "industrial_vision",
            "district": "西湖区", "description": "第一段\r\n\r\n第二段\x01\r第三行", "submit": "1"}

    response = client.post(f"/manage/batches/{batch.id}/scenarios/new", data=data)

    assert response.status_code == 302
    scenario = db.session.scalar(select(Scenario).where(Scenario.batch_id == batch.id))
    assert scenario.title == "=城市道路 巡检"
    assert "\r" not in scenario.description_html and "\x01" not in scenario.description_html
    assert "第三行" in scenario.description_html


def department_of_batch(db, batch):
    return db.session.scalar(select(User).where(User.organization_id == batch.department_id,
                                                User.role == Role.GOVERNMENT))
