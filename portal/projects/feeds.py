"""Atom (RFC 4287) feed of the 场景创新成果 showcase; every value made safe for XML (util/controls.py)."""

from datetime import UTC

# ElementTree only builds our own feed here; it never parses XML.
from xml.etree import ElementTree as ET  # nosec B405

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.util import clock, controls

ATOM_NS = "http://www.w3.org/2005/Atom"


def _rfc3339(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom(projects) -> bytes:
    ET.register_namespace("", ATOM_NS)
    language = str(get_locale() or "zh_CN").replace("_", "-")
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: controls.for_xml(str(v)) for k, v in attrs.items()})
        if text is not None:
            el.text = controls.for_xml(str(text))
        return el

    portal = _("幸会·杭州 场景机会平台")
    sub(feed, "id", url_for("showcase.feed_atom", _external=True))
    sub(feed, "title", _("%(portal)s · 场景创新成果", portal=portal))
    sub(feed, "updated", _rfc3339(max((p.result_at for p in projects), default=clock.now())))
    sub(feed, "link", rel="self", href=url_for("showcase.feed_atom", _external=True))
    sub(feed, "link", rel="alternate", type="text/html", href=url_for("showcase.list_cases", _external=True))
    sub(sub(feed, "author"), "name", portal)
    for project in projects:
        link = url_for("showcase.show_case", project_id=project.id, _external=True)
        entry = sub(feed, "entry")
        sub(entry, "id", link)
        sub(entry, "title", project.title)
        sub(entry, "link", rel="alternate", type="text/html", href=link)
        sub(entry, "published", _rfc3339(project.result_at))
        sub(entry, "updated", _rfc3339(project.updated_at))
        sub(sub(entry, "author"), "name", project.organization.name)
        sub(entry, "category", term=project.scenario.sector, label=project.scenario.sector_label)
        heading = "｜".join((str(project.state.label), project.scenario.sector_label,
                            project.scenario.district_label or ""))
        sub(entry, "summary", heading + "\n\n" + (project.case_summary or "")[:500])
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
