"""The Atom feed of new scenarios and the iCalendar feed of deadlines, as readers and calendars parse them."""

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import icalendar
import pytest

from portal.scenarios import operations
from portal.util import clock

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def scenarios(db, frozen_now, create_batch, create_scenario):
    """Every kind of scenario a feed must include or leave out, by name."""
    batch = create_batch()
    owner = batch.department.users[0]
    made = {
        "open": create_scenario(batch, state="published", title="城市道路病害智能巡检",
                                deadline=datetime(2026, 3, 12, 2, 0, tzinfo=UTC)),
        "closed": create_scenario(batch, state="closed", title="港口集装箱视觉识别"),
        "cancelled": create_scenario(batch, state="published", title="已撤销的医学影像场景"),
        "draft": create_scenario(batch, title="草稿中的自动驾驶场景"),
        "cancelled_draft": create_scenario(batch, state="cancelled", title="撤销的草稿场景"),
        "draft_batch": create_scenario(title="未发布批次中的场景"),
    }
    operations.cancel_scenario(made["cancelled"], owner, "需求调整")
    db.session.commit()
    return made


def atom_feed(client):
    response = client.get("/feeds/scenarios.atom")
    assert response.status_code == 200
    return response, ET.fromstring(response.data)  # noqa: S314 -- the portal's own output


def calendar(client):
    response = client.get("/feeds/deadlines.ics")
    assert response.status_code == 200
    return response, response.data.decode("utf-8")


def unfold(body: str) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", body).split("\r\n")


def events(body: str) -> list[dict[str, str]]:
    found, current = [], None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None and ":" in line:
            name, value = line.split(":", 1)
            current[name.split(";")[0]] = value
    return found


def test_the_atom_feed_is_well_formed_atom_with_the_right_content_type(client, scenarios):
    response, feed = atom_feed(client)

    assert response.mimetype == "application/atom+xml"
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text and feed.find(f"{ATOM}updated").text.endswith("Z")
    assert feed.find(f"{ATOM}id").text == "http://localhost/feeds/scenarios.atom"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/feeds/scenarios.atom"


def test_the_atom_feed_has_an_entry_per_published_scenario_and_no_drafts(client, scenarios):
    _response, feed = atom_feed(client)

    entries = {e.find(f"{ATOM}title").text: e for e in feed.findall(f"{ATOM}entry")}
    assert set(entries) == {"城市道路病害智能巡检", "港口集装箱视觉识别", "已撤销的医学影像场景"}
    for name in ("open", "closed", "cancelled"):
        scenario = scenarios[name]
        entry = entries[scenario.title]
        link = f"http://localhost/scenarios/{scenario.id}"
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == link
        assert entry.find(f"{ATOM}id").text == link
        assert entry.find(f"{ATOM}published").text == scenario.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert entry.find(f"{ATOM}author/{ATOM}name").text == scenario.department.name


def test_titles_with_markup_characters_keep_the_feed_well_formed(client, create_scenario):
    create_scenario(state="published", title='识别 <车牌> & "车型"', description="<p>A &amp; B</p>")

    _response, feed = atom_feed(client)

    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == '识别 <车牌> & "车型"'
    assert "<p>A &amp; B</p>" in entry.find(f"{ATOM}content").text


def test_an_empty_portal_still_serves_a_valid_feed(client):
    _response, feed = atom_feed(client)

    assert feed.findall(f"{ATOM}entry") == []


def test_the_calendar_is_text_calendar_with_crlf_lines_of_at_most_75_octets(client, create_scenario, frozen_now):
    long_title = "杭州市城市道路病害、桥梁与隧道；地下综合管廊的智能巡检与结构健康监测一体化应用场景" * 2
    create_scenario(state="published", title=long_title)

    response, body = calendar(client)

    assert response.mimetype == "text/calendar"
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "") and "\r" not in body.replace("\r\n", "")
    lines = body.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    assert any(line.startswith(" ") for line in lines), "the long summary should have been folded"


def test_the_calendar_has_one_event_per_public_scenario_that_is_not_cancelled(client, scenarios):
    _response, body = calendar(client)

    by_summary = {e["SUMMARY"]: e for e in events(body)}
    assert set(by_summary) == {"揭榜截止：城市道路病害智能巡检", "揭榜截止：港口集装箱视觉识别"}
    uids = [e["UID"] for e in events(body)]
    assert len(set(uids)) == len(uids) == 2
    event = by_summary["揭榜截止：城市道路病害智能巡检"]
    assert event["UID"] == f"scenario-{scenarios['open'].id}-deadline@localhost"
    assert event["URL"] == f"http://localhost/scenarios/{scenarios['open'].id}"


def test_event_times_are_utc_and_end_at_the_deadline(client, scenarios):
    _response, body = calendar(client)

    (event,) = [e for e in events(body) if e["SUMMARY"].endswith("城市道路病害智能巡检")]
    assert event["DTEND"] == "20260312T020000Z"  # 10:00 in Hangzhou
    start = datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ")
    assert event["DTSTART"].endswith("Z") and start <= datetime(2026, 3, 12, 2, 0)
    assert event["DTSTAMP"] == clock.now().strftime("%Y%m%dT%H%M%SZ")


def test_commas_semicolons_and_backslashes_in_a_title_are_escaped(client, create_scenario):
    create_scenario(state="published", title="巡检,监测;预警\\联动")

    _response, body = calendar(client)

    (event,) = events(body)
    assert event["SUMMARY"] == "揭榜截止：巡检\\,监测\\;预警\\\\联动"


@pytest.mark.parametrize("title", ["巡检,监测;预警\\联动", "路径 C:\\nas\\share 的巡检", "引号\"与冒号:", "\\", ";,;,",
                                   "末尾反斜杠\\", "多行\n标题"])
def test_a_calendar_client_reads_back_the_title_exactly(client, create_scenario, title):
    create_scenario(state="published", title=title)

    _response, body = calendar(client)

    parsed = icalendar.Calendar.from_ical(body)
    (event,) = parsed.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"揭榜截止：{title}"
    assert str(parsed["X-WR-CALNAME"]).endswith("揭榜截止")
    assert parsed["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert parsed["REFRESH-INTERVAL"].dt == timedelta(hours=6)
    assert [str(c) for c in event["CATEGORIES"].cats] == [event["DESCRIPTION"].split("｜")[1]]


def test_a_scenario_moved_past_its_deadline_stays_in_the_calendar(client, create_scenario, frozen_now):
    create_scenario(state="published", title="即将截止的场景", deadline=clock.now() + timedelta(hours=1))
    frozen_now.travel(timedelta(days=1))

    _response, body = calendar(client)

    assert [e["SUMMARY"] for e in events(body)] == ["揭榜截止：即将截止的场景"]


@pytest.mark.parametrize("path", ["/", "/scenarios", "/batches", "/login", "/register", "/scenarios/{id}",
                                  "/batches/{batch}", "/no-such-page"])
def test_every_page_announces_both_feeds_in_its_head(client, create_scenario, path):
    scenario = create_scenario(state="published")

    response = client.get(path.format(id=scenario.id, batch=scenario.batch_id))

    head = response.text.split("</head>", 1)[0]
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="/feeds/scenarios\.atom"', head)
    assert re.search(r'<link rel="alternate" type="text/calendar"[^>]*href="/feeds/deadlines\.ics"', head)
