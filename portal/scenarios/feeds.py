"""Atom (RFC 4287) feed of newly published scenarios and iCalendar (RFC 5545) feed of deadlines.

Both carry text that departments typed, some of it stored before input lost its control characters: each
writer makes every value safe for its own format (util/controls.py), whatever the database holds.
"""

from datetime import UTC, timedelta

# ElementTree only builds our own feed here; it never parses XML.
from xml.etree import ElementTree as ET  # nosec B405

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.util import clock, controls
from portal.util.text import html_to_text

ATOM_NS = "http://www.w3.org/2005/Atom"


def _portal_name() -> str:
    return _("幸会·杭州 场景机会平台")


def _rfc3339(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(scenarios) -> bytes:
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
    updated = max((s.published_at for s in scenarios), default=clock.now())
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
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def _language() -> str:
    return str(get_locale() or "zh_CN").replace("_", "-")


def _ical_escape(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon and comma escaped, every line break as \\n, and no
    other control character, so no value can end its line and start a property of its own."""
    text = controls.clean_text(str(text)).replace("\t", " ")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _ical_uri(text: str) -> str:
    # A URI value is not escaped (RFC 5545 §3.3.13), but it never holds a line break or a control character.
    return controls.clean_line(str(text)).replace(" ", "%20")


def _fold(line: str) -> list[str]:
    # RFC 5545 §3.1: lines longer than 75 octets are folded; never split a UTF-8 character.
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > (75 if not out else 74):
            out.append(current)
            current = ch
        else:
            current += ch
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def icalendar(scenarios) -> str:
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    calendar_name = _("%(portal)s 揭榜截止", portal=_portal_name())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hangzhou Scenario Portal//Deadlines//ZH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ical_escape(calendar_name)}",
             "X-WR-TIMEZONE:Asia/Shanghai", "REFRESH-INTERVAL;VALUE=DURATION:PT6H"]
    for scenario in scenarios:
        end = scenario.deadline.astimezone(UTC)
        link = url_for("scenarios.show_scenario", scenario_id=scenario.id, _external=True)
        lines += [
            "BEGIN:VEVENT",
            f"UID:scenario-{scenario.id}-deadline@{_ical_escape(_host())}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{(end - timedelta(minutes=30)).strftime('%Y%m%dT%H%M%SZ')}",
            f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
            f"SUMMARY:{_ical_escape(_('揭榜截止：%(title)s', title=scenario.title))}",
            f"DESCRIPTION:{_ical_escape(scenario.department.name + '｜' + scenario.sector_label + '｜' + link)}",
            f"URL:{_ical_uri(link)}",
            f"CATEGORIES:{_ical_escape(scenario.sector_label)}",
            "STATUS:CONFIRMED" if scenario.state.value != "cancelled" else "STATUS:CANCELLED",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"


def _host() -> str:
    return url_for("main.home", _external=True).split("/")[2].split(":")[0]
