"""Where a `next` parameter may send the browser: back into the portal, never anywhere else."""

from urllib.parse import urlsplit

MAX_LENGTH = 2048


def safe_next(target: str | None) -> str | None:
    """Return `target` when it is a local path this site may redirect to, or None.

    Browsers drop tabs and line breaks from a Location and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would become "//evil.example", another host; a line break in a
    header would also make the response itself fail. Anything but a plain local path is refused outright,
    rather than cleaned, so what we redirect to is exactly what was checked.
    """
    if not target or len(target) > MAX_LENGTH:
        return None
    if any(ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F or ch in "\\\u2028\u2029\u3000\ufeff" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def back_to_referrer(referrer: str | None, host_url: str) -> str | None:
    """The local path of a same-site Referer (for "back to where you were"), or None."""
    if not referrer or not referrer.startswith(host_url):
        return None
    return safe_next("/" + referrer[len(host_url):])
