"""Atom (RFC 4287) feed of newly published scenarios and iCalendar (RFC 5545) feed of deadlines.

Both carry text that departments typed, some of it stored before input lost its control characters: each
writer makes every value safe for its own format (util/controls.py), whatever the database holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event, vText, vUri

from portal.util import clock, controls
from portal.util.text import html_to_text
from portal.web.atom import Entry, feed


@dataclass(frozen=True)
class FeedEntry:
    """An entry that a domain above this one adds to the scenario feed (e.g. a published answer, 答疑)."""

    key: str  # unique within the portal, e.g. "clarification-12"
    title: str
    link: str  # absolute
    published: datetime
    updated: datetime
    author: str
    category: tuple[str, str]  # (term, label)
    summary: str


def add_entries(app, provider: Callable[[], list[FeedEntry]]) -> None:
    """Let a domain add entries to the scenario feed; this domain imports none above it."""
    app.extensions.setdefault("scenario_feed_entries", []).append(provider)


def extra_entries() -> list[FeedEntry]:
    return [entry for provider in current_app.extensions.get("scenario_feed_entries", ()) for entry in provider()]


def _portal_name() -> str:
    return _("幸会·杭州 场景机会平台")


def _entry(scenario) -> Entry:
    link = url_for("scenarios.show_scenario", scenario_id=scenario.id, _external=True)
    deadline = clock.to_local(scenario.deadline).strftime("%Y-%m-%d %H:%M") if scenario.deadline else "—"
    summary = _("%(batch)s｜%(sector)s｜%(district)s｜截止 %(deadline)s", batch=scenario.batch.title,
                sector=scenario.sector_label, district=scenario.district_label, deadline=deadline) + "\n\n"
    return Entry(id=link, title=scenario.title, link=link, published=scenario.published_at,
                 updated=scenario.updated_at or scenario.published_at, author=scenario.department.name,
                 category=(scenario.sector, scenario.sector_label),
                 summary=summary + html_to_text(scenario.description_html)[:500],
                 content_html=scenario.description_html + scenario.requirements_html)


def _extra_entry(extra: FeedEntry, url: str) -> Entry:
    return Entry(id=f"{url}#{extra.key}", title=extra.title, link=extra.link, published=extra.published,
                 updated=extra.updated, author=extra.author, category=extra.category, summary=extra.summary)


def atom(scenarios, entries=()) -> bytes:
    url = url_for("scenarios.feed_atom", _external=True)
    return feed(url=url, title=_("%(portal)s · 最新发布的场景", portal=_portal_name()),
                alternate=url_for("scenarios.list_scenarios", _external=True), author=_portal_name(),
                entries=[*(_entry(s) for s in scenarios), *(_extra_entry(e, url) for e in entries)],
                updated=max([*(s.published_at for s in scenarios), *(e.updated for e in entries)], default=None))


def _text(value) -> vText:
    """A TEXT value (RFC 5545 §3.3.11) with no control character but the line breaks the library escapes as \\n.

    icalendar escapes backslash, semicolon, comma and line breaks, but passes other control characters through,
    and a raw one would end the line of a calendar reader that splits on it. It also reads a typed "\\N" as a
    line break (the RFC's other spelling of one): harmless, and no way out of the value.
    """
    return vText(controls.clean_text(str(value)).replace("\t", " "))


def _uri(value: str) -> vUri:
    # A URI value is not escaped (RFC 5545 §3.3.13), so it must not hold a line break or a control character.
    return vUri(controls.clean_line(str(value)).replace(" ", "%20"))


def icalendar(scenarios) -> str:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Hangzhou Scenario Portal//Deadlines//ZH")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # X- properties are written as given unless typed: the name is TEXT like any other.
    calendar.add("x-wr-calname", _text(_("%(portal)s 揭榜截止", portal=_portal_name())))
    calendar.add("x-wr-timezone", vText("Asia/Shanghai"))
    # RFC 7986 §5.7: REFRESH-INTERVAL has no default value type, so VALUE=DURATION is spelt out.
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    stamp = clock.now().astimezone(UTC).replace(microsecond=0)
    for scenario in scenarios:
        end = scenario.deadline.astimezone(UTC)
        link = url_for("scenarios.show_scenario", scenario_id=scenario.id, _external=True)
        event = Event()
        event.add("uid", _text(f"scenario-{scenario.id}-deadline@{_host()}"))
        event.add("dtstamp", stamp)
        event.add("dtstart", end - timedelta(minutes=30))
        event.add("dtend", end)
        event.add("summary", _text(_("揭榜截止：%(title)s", title=scenario.title)))
        event.add("description", _text(scenario.department.name + "｜" + scenario.sector_label + "｜" + link))
        event.add("url", _uri(link))
        event.add("categories", [_text(scenario.sector_label)])
        event.add("status", "CANCELLED" if scenario.state.value == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    # to_ical folds lines at 75 octets without splitting a UTF-8 character and ends each with CRLF (§3.1).
    return calendar.to_ical().decode("utf-8")


def _host() -> str:
    return url_for("main.home", _external=True).split("/")[2].split(":")[0]
