"""Rich text sanitising, in one place so the library behind it can be swapped.

bleach is end-of-life since 2026-06; `sanitize_html` is the only caller, so moving to nh3 is a
change of this module alone. Only values that went through it may be rendered with `|safe`.
"""

import html
import re

import bleach
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
    "h3", "h4", "h5", "blockquote", "code", "pre", "hr", "a",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "th": ["colspan", "rowspan"], "td": ["colspan", "rowspan"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
_TAG = re.compile(r"<[a-zA-Z/!]")
# Elements whose content is code, not text: dropped whole rather than unwrapped into visible text.
_CODE_ELEMENTS = re.compile(r"<(script|style|template|noscript|iframe|object|textarea)\b[^>]*>.*?</\1\s*>",
                            re.IGNORECASE | re.DOTALL)


def _plain_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def sanitize_html(value: str | None) -> str:
    """Return `value` as safe HTML: plain text becomes paragraphs, markup is cut to an allow-list."""
    if not value or not value.strip():
        return ""
    source = _CODE_ELEMENTS.sub("", value) if _TAG.search(value) else _plain_to_html(value)
    cleaned = bleach.clean(
        source,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    # Links leaving the portal must not reach back through window.opener.
    return bleach.linkify(cleaned, callbacks=[_external_link], skip_tags={"pre", "code"}, parse_email=False)


def _external_link(attrs, new=False):
    attrs[(None, "rel")] = "nofollow noopener noreferrer"
    return attrs


def html_to_text(value: str | None) -> str:
    """Return the visible text of sanitized HTML (for feeds, snippets and search)."""
    if not value:
        return ""
    text = bleach.clean(re.sub(r"</(p|li|h\d|tr|br)>|<br\s*/?>", "\n", value), tags=set(), strip=True)
    return re.sub(r"\n{3,}", "\n\n", html.unescape(text)).strip()


def safe_html(value: str | None) -> Markup:
    """Mark a stored, already sanitized value as safe for templates."""
    # Only values stored through sanitize_html reach here.
    return Markup(value or "")  # noqa: S704  # nosec B704
