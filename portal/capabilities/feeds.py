"""Atom (RFC 4287) feed of newly approved capabilities; every value made safe for XML (util/controls.py)."""

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


def atom(capabilities) -> bytes:
    ET.register_namespace("", ATOM_NS)
    language = str(get_locale() or "zh_CN").replace("_", "-")
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: controls.for_xml(str(v)) for k, v in attrs.items()})
        if text is not None:
            el.text = controls.for_xml(str(text))
        return el

    portal = _("幸会·杭州 场景机会平台")
    sub(feed, "id", url_for("capabilities.feed_atom", _external=True))
    sub(feed, "title", _("%(portal)s · 最新公开的场景能力", portal=portal))
    sub(feed, "updated", _rfc3339(max((c.approved_at for c in capabilities), default=clock.now())))
    sub(feed, "link", rel="self", href=url_for("capabilities.feed_atom", _external=True))
    sub(feed, "link", rel="alternate", type="text/html", href=url_for("capabilities.list_capabilities",
                                                                      _external=True))
    sub(sub(feed, "author"), "name", portal)
    for capability in capabilities:
        link = url_for("capabilities.show_capability", capability_id=capability.id, _external=True)
        entry = sub(feed, "entry")
        sub(entry, "id", link)
        sub(entry, "title", capability.title)
        sub(entry, "link", rel="alternate", type="text/html", href=link)
        sub(entry, "published", _rfc3339(capability.approved_at))
        sub(entry, "updated", _rfc3339(capability.approved_at))
        sub(sub(entry, "author"), "name", capability.organization.name)
        sub(entry, "category", term=capability.sector, label=capability.sector_label)
        heading = "｜".join((capability.sector_label, capability.field_label, str(capability.maturity.label),
                            "、".join(capability.district_labels)))
        sub(entry, "summary", heading + "\n\n" + (capability.summary or "")[:500])
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")
