"""Atom (RFC 4287) feed of newly approved capabilities, written by portal/web/atom.py."""

from flask import url_for
from flask_babel import gettext as _

from portal.web.atom import Entry, feed


def _entry(capability) -> Entry:
    link = url_for("capabilities.show_capability", capability_id=capability.id, _external=True)
    heading = "｜".join(
        (
            capability.sector_label,
            capability.field_label,
            str(capability.maturity.label),
            "、".join(capability.district_labels),
        )
    )
    return Entry(
        id=link,
        title=capability.title,
        link=link,
        published=capability.approved_at,
        updated=capability.approved_at,
        author=capability.organization.name,
        category=(capability.sector, capability.sector_label),
        summary=heading + "\n\n" + (capability.summary or "")[:500],
    )


def atom(capabilities) -> bytes:
    portal = _("幸会·杭州 场景机会平台")
    return feed(
        url=url_for("capabilities.feed_atom", _external=True),
        title=_("%(portal)s · 最新公开的场景能力", portal=portal),
        alternate=url_for("capabilities.list_capabilities", _external=True),
        author=portal,
        entries=[_entry(c) for c in capabilities],
        updated=max((c.approved_at for c in capabilities), default=None),
    )
