"""Receipts: a number unique per year and a SHA-256 digest over a canonical form of a submission.

The canonical form is JSON with sorted keys, no whitespace, UTF-8, money as a two-decimal string and
times in UTC to the second, so anyone holding the submitted content can recompute the digest.
"""

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from decimal import Decimal

RECEIPT_PATTERN = re.compile(r"^JB-(\d{4})-(\d{6,})$")
CONTENT_FIELDS = ("title", "summary", "approach_html", "plan_months", "price", "team", "cases")


def receipt_number(year: int, seq: int) -> str:
    return f"JB-{year}-{seq:06d}"


def _money(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def content_form(fields: dict, attachments: list[dict]) -> dict:
    """The submitted content alone: what a double click would send twice."""
    content = {name: fields.get(name) for name in CONTENT_FIELDS}
    content["price"] = _money(content["price"])
    content["attachments"] = [{"name": a["name"], "sha256": a["sha256"], "size": a["size"]} for a in attachments]
    return content


def _canonical(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_digest(fields: dict, attachments: list[dict]) -> str:
    return hashlib.sha256(_canonical(content_form(fields, attachments))).hexdigest()


def receipt_digest(*, receipt_no: str, scenario_id: int, uscc: str, version: int, submitted_at: datetime,
                   fields: dict, attachments: list[dict], members: list[str] = ()) -> str:
    """The digest printed on the receipt: the content plus who submitted what, for which scenario, when.

    A consortium's members (their codes, in the lead's order) are covered too; a bid without members keeps the form
    it always had, so earlier receipts still verify."""
    data = content_form(fields, attachments)
    data.update({
        "receipt": receipt_no,
        "scenario": scenario_id,
        "enterprise": uscc,
        "version": version,
        "submitted_at": submitted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    if members:
        data["members"] = list(members)
    return hashlib.sha256(_canonical(data)).hexdigest()


def version_digest(version) -> str:
    """Recompute a stored version's digest from its stored content."""
    return receipt_digest(
        receipt_no=version.receipt_no,
        scenario_id=version.proposal.scenario_id,
        uscc=version.proposal.organization.uscc or "",
        version=version.number,
        submitted_at=version.submitted_at,
        fields={name: getattr(version, name) for name in CONTENT_FIELDS},
        attachments=[attachment_record(a) for a in version.attachments],
        members=[organization.uscc or "" for organization in version.members],
    )


def attachment_record(attachment) -> dict:
    return {"name": attachment.display_name, "sha256": attachment.sha256, "size": attachment.size}


def digests_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected, (given or "").strip().lower())
