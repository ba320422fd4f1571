"""Atom (RFC 4287) feeds: the one writer every domain's feed goes through.

A domain says what its feed and its entries are (titles, links, dates, the text departments and enterprises
typed); this module writes them. Some of that text was stored before input lost its control characters, and
XML 1.0 cannot carry most C0 characters at all, escaped or not: a reader would refuse the whole feed, so every
value is made safe for XML here (util/controls.py), whatever the database holds.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

# ElementTree only builds our own feed here; it never parses XML.
from xml.etree import ElementTree as ET  # nosec B405

from flask_babel import get_locale

from portal.util import clock, controls

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class Entry:
    id: str  # an absolute URL: the entry's page, or the feed's with a fragment
    title: str
    link: str  # the entry's page, absolute
    published: datetime
    updated: datetime
    author: str
    category: tuple[str, str]  # (term, label)
    summary: str
    content_html: str | None = None  # sanitized rich text, sent as type="html"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def language() -> str:
    """The feed's xml:lang: the request's locale in the form of a language tag (zh-CN, en)."""
    return str(get_locale() or "zh_CN").replace("_", "-")


def feed(
    *, url: str, title: str, alternate: str, author: str, entries: list[Entry], updated: datetime | None = None
) -> bytes:
    """The feed at `url` (its id too) of `entries`, for the HTML page `alternate`; `updated` defaults to now."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed", {XML_LANG: language()})

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: controls.for_xml(str(v)) for k, v in attrs.items()})
        if text is not None:
            el.text = controls.for_xml(str(text))
        return el

    sub(root, "id", url)
    sub(root, "title", title)
    sub(root, "updated", rfc3339(updated if updated is not None else clock.now()))
    sub(root, "link", rel="self", href=url)
    sub(root, "link", rel="alternate", type="text/html", href=alternate)
    sub(sub(root, "author"), "name", author)
    for item in entries:
        entry = sub(root, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title)
        sub(entry, "link", rel="alternate", type="text/html", href=item.link)
        sub(entry, "published", rfc3339(item.published))
        sub(entry, "updated", rfc3339(item.updated))
        sub(sub(entry, "author"), "name", item.author)
        sub(entry, "category", term=item.category[0], label=item.category[1])
        sub(entry, "summary", item.summary)
        if item.content_html is not None:
            sub(entry, "content", item.content_html, type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8")
