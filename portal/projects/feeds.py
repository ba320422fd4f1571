"""Atom (RFC 4287) feed of the 场景创新成果 showcase, written by portal/web/atom.py."""

from flask import url_for
from flask_babel import gettext as _

from portal.web.atom import Entry, feed


def _entry(project) -> Entry:
    link = url_for("showcase.show_case", project_id=project.id, _external=True)
    heading = "｜".join(
        (str(project.state.label), project.scenario.sector_label, project.scenario.district_label or "")
    )
    return Entry(
        id=link,
        title=project.title,
        link=link,
        published=project.result_at,
        updated=project.updated_at,
        author=project.organization.name,
        category=(project.scenario.sector, project.scenario.sector_label),
        summary=heading + "\n\n" + (project.case_summary or "")[:500],
    )


def atom(projects) -> bytes:
    portal = _("幸会·杭州 场景机会平台")
    return feed(
        url=url_for("showcase.feed_atom", _external=True),
        title=_("%(portal)s · 场景创新成果", portal=portal),
        alternate=url_for("showcase.list_cases", _external=True),
        author=portal,
        entries=[_entry(p) for p in projects],
        updated=max((p.result_at for p in projects), default=None),
    )
