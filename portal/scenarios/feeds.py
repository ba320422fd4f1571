"""Atom (RFC 4287) feed of newly published scenarios and iCalendar (RFC 5545) feed of deadlines.

Both carry text that departments typed, some of it stored before input lost its control characters: each
writer makes every value safe for its own format (util/controls.py), whatever the database holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# ElementTree only builds our own feed here; it never parses XML.
from xml.etree import ElementTree as ET  # nosec B405

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vText, vUri

from portal.util import clock, controls
from portal.util.text import html_to_text

ATOM_NS = "http://www.w3.org/2005/Atom"


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


def _rfc3339(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(scenarios, entries=()) -> bytes:
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": _language()})

    def sub(parent, tag, text=None, **attrs):
        # XML 1.0 cannot carry most C0 characters at all, escaped or not: a reader refuses the whole feed.
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: controls.for_xml(str(v)) for k, v in attrs.items()})
        if text is not None:
            el.text = controls.for_xml(str(text))
        return el

    sub(feed, "id", url_for("scenarios.feed_atom", _external=True))
    sub(feed, "title", _("%(portal)s · 最新发布的场景", portal=_portal_name()))
    updated = max([*(s.published_at for s in scenarios), *(e.updated for e in entries)], default=clock.now())
    sub(feed, "updated", _rfc3339(updated))
    sub(feed, "link", rel="self", href=url_for("scenarios.feed_atom", _external=True))
    sub(feed, "link", rel="alternate", type="text/html", href=url_for("scenarios.list_scenarios", _external=True))
    author = sub(feed, "author")
    sub(author, "name", _portal_name())
    for scenario in scenarios:
        link = url_for("scenarios.show_scenario", scenario_id=scenario.id, _external=True)
        entry = sub(feed, "entry")
        sub(entry, "id", link)
        sub(entry, "title", scenario.title)
        sub(entry, "link", rel="alternate", type="text/html", href=link)
        sub(entry, "published", _rfc3339(scenario.published_at))
        sub(entry, "updated", _rfc3339(scenario.updated_at or scenario.published_at))
        entry_author = sub(entry, "author")
        sub(entry_author, "name", scenario.department.name)
        sub(entry, "category", term=scenario.sector, label=scenario.sector_label)
        deadline = clock.to_local(scenario.deadline).strftime("%Y-%m-%d %H:%M") if scenario.deadline else "—"
        summary = _("%(batch)s｜%(sector)s｜%(district)s｜截止 %(deadline)s", batch=scenario.batch.title,
                    sector=scenario.sector_label, district=scenario.district_label, deadline=deadline) + "\n\n"
        sub(entry, "summary", summary + html_to_text(scenario.description_html)[:500])
        sub(entry, "content", scenario.description_html + scenario.requirements_html, type="html")
    for extra in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{url_for('scenarios.feed_atom', _external=True)}#{extra.key}")
        sub(entry, "title", extra.title)
        sub(entry, "link", rel="alternate", type="text/html", href=extra.link)
        sub(entry, "published", _rfc3339(extra.published))
        sub(entry, "updated", _rfc3339(extra.updated))
        sub(sub(entry, "author"), "name", extra.author)
        sub(entry, "category", term=extra.category[0], label=extra.category[1])
        sub(entry, "summary", extra.summary)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _language() -> str:
    return str(get_locale() or "zh_CN").replace("_", "-")


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
