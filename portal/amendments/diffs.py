"""What an amendment changed, as a page shows it: field by field, the requirements as a text diff.

Lines are compared as plain text (the visible text of the sanitized HTML) and handed to the template as
strings, which it escapes like any other: a diff never puts stored markup on a page.
"""

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _

from portal.util import clock
from portal.util.text import html_to_text


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


@dataclass
class FieldChange:
    name: str
    label: str
    old: str = ""
    new: str = ""
    lines: list[DiffLine] = field(default_factory=list)
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)


def text_diff(old_html: str, new_html: str) -> list[DiffLine]:
    """The visible text of two versions, line by line: kept, removed and added lines in reading order."""
    old = [line for line in html_to_text(old_html).splitlines() if line.strip()]
    new = [line for line in html_to_text(new_html).splitlines() if line.strip()]
    lines = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [DiffLine("same", text) for text in old[i1:i2]]
            continue
        lines += [DiffLine("removed", text) for text in old[i1:i2]]
        lines += [DiffLine("added", text) for text in new[j1:j2]]
    return lines


def budget_text(value) -> str:
    if value is None:
        return _("面议")
    return _("%(amount)s 万元", amount=f"{Decimal(value):,.2f}")


def moment_text(value) -> str:
    if not value:
        return "—"
    return clock.to_local(datetime.fromisoformat(value) if isinstance(value, str) else value).strftime("%Y-%m-%d %H:%M")


def describe(changes: dict) -> list[FieldChange]:
    """The stored changes of one amendment, in the order a reader expects them."""
    described = []
    if "requirements" in changes:
        change = changes["requirements"]
        described.append(FieldChange("requirements", _("技术要求"),
                                     lines=text_diff(change.get("old") or "", change.get("new") or "")))
    if "attachments" in changes:
        change = changes["attachments"]
        described.append(FieldChange("attachments", _("附件"), added=change.get("added", []),
                                     removed=change.get("removed", [])))
    if "budget" in changes:
        change = changes["budget"]
        described.append(FieldChange("budget", _("预算"), budget_text(change.get("old")),
                                     budget_text(change.get("new"))))
    if "deadline" in changes:
        change = changes["deadline"]
        described.append(FieldChange("deadline", _("揭榜截止"), moment_text(change.get("old")),
                                     moment_text(change.get("new"))))
    return described
