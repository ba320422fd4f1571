"""Read a page's form as a browser would: field names with their current values, and the first submit button."""

import html
import re

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input\b([^>]*)>", re.I)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.S | re.I)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S | re.I)
OPTION = re.compile(r"<option\b([^>]*)>", re.I)


def _attr(attrs: str, name: str) -> str | None:
    match = re.search(rf'\b{name}="([^"]*)"', attrs)
    return html.unescape(match.group(1)) if match else None


def form_fields(page: str, contains: str | None = None) -> tuple[dict, list[str]]:
    """(fields to send as they stand, names of every field a client can fill in: typed, chosen or ticked) of
    the POST form with the most such fields (among those containing `contains`, when given), not the menu's
    sign-out button."""
    forms = [_read(f) for f in FORM.findall(page) if contains is None or contains in f]
    assert forms, f"no POST form{' with ' + contains if contains else ''}"
    return max(forms, key=lambda form: len(form[1]))


def _read(body: str) -> tuple[dict, list[str]]:
    fields, typed, submitted = {}, [], False
    for attrs in INPUT.findall(body):
        name, kind = _attr(attrs, "name"), (_attr(attrs, "type") or "text").lower()
        if not name:
            continue
        if kind == "submit":
            if not submitted:
                fields[name], submitted = _attr(attrs, "value") or "", True
        elif kind in ("checkbox", "radio"):
            if " checked" in attrs and name not in fields:
                fields[name] = _attr(attrs, "value") or "y"
            if name not in typed:
                typed.append(name)
        elif kind == "file":
            continue
        else:
            fields[name] = _attr(attrs, "value") or ""
            if kind not in ("hidden",):
                typed.append(name)
    for attrs, text in TEXTAREA.findall(body):
        name = _attr(attrs, "name")
        if name:
            fields[name] = html.unescape(text).lstrip("\n")
            typed.append(name)
    for attrs, options in SELECT.findall(body):
        name = _attr(attrs, "name")
        chosen = [o for o in OPTION.findall(options) if " selected" in o] or OPTION.findall(options)[1:2]
        if name and chosen:
            fields[name] = _attr(chosen[0], "value") or ""
        if name:
            typed.append(name)
    return fields, typed
