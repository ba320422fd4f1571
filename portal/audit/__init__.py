"""Append-only, tamper-evident audit log: who did what, to which object, when, and from where.

Each record is chained to the one before it when its transaction commits (sealing.py); `flask audit-verify`
walks the chain (chain.py) and holds it to the anchors written outside the database (anchors.py). Records of
sealed bids keep the seal: what would name the bidder or the content is stored encrypted (envelope.py) and read
only once the scenario is no longer sealed.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request

from portal.audit import anchors, chain, envelope, sealing
from portal.audit.models import AuditRecord
from portal.extensions import db
from portal.util import clock
from portal.web import unit_of_work

__all__ = ["AuditRecord", "Revealed", "anchor_now", "anchor_status", "chain_head", "record", "reveal", "verify"]

verify = sealing.verify


@dataclass(frozen=True)
class AnchorStatus:
    newest: datetime | None  # UTC
    overdue: bool


def anchor_status() -> AnchorStatus:
    """When the chain was last anchored outside the database, and whether that is longer ago than it should be."""
    newest = anchors.newest_anchor_time(anchors.anchor_folder())
    max_age = timedelta(hours=current_app.config["AUDIT_ANCHOR_MAX_AGE_HOURS"])
    return AnchorStatus(newest, newest is None or clock.now() - newest > max_age)


def anchor_now() -> chain.Anchor:
    """Anchor the chain's head now: a line in the day's anchor file and a message to every active admin (in the
    current transaction: the caller commits). OSError when the anchor folder cannot be written. Run daily, by
    the worker (the `audit.anchor` job) or by hand (`flask audit-anchor`)."""
    return anchors.anchor_head(db.session)


def init_app(app) -> None:
    """The daily anchor, as a scheduled job."""
    from portal import jobs

    jobs.register(app, "audit.anchor", anchor_now, jobs.daily(3))


def chain_head() -> sealing.ChainHead:
    """The audit chain's length and last digest, for the admin page (the full check is `flask audit-verify`)."""
    return sealing.chain_head(db.session)


def record(actor, action: str, obj=None, *, sealed_by=None, **details) -> AuditRecord:
    """Add an audit record to the caller's transaction (the caller's commit makes it durable and chains it).

    `sealed_by` is the scenario whose sealed bid the action belongs to: while that scenario is sealed, the
    actor, object id, details and client are stored encrypted, and the action name must name no bidder.
    """
    revealing = {
        "actor_id": getattr(actor, "id", None),
        "object_id": getattr(obj, "id", None),
        "details": _as_stored({k: _plain(v) for k, v in details.items()}),
        "ip": request.remote_addr if has_request_context() else None,
        "user_agent": (request.user_agent.string or "")[:256] if has_request_context() else None,
    }
    entry = AuditRecord(created_at=clock.now(), action=action,
                        object_type=type(obj).__name__ if obj is not None else "",
                        digest_scheme=chain.CURRENT_SCHEME)
    if sealed_by is not None and _is_sealed(sealed_by):
        # The object's type stays readable ("Proposal"): it names no one, and keeps the type filter useful.
        entry.sealed_scenario_id = sealed_by.id
        entry.sealed = envelope.seal(revealing, action=action, scenario_id=sealed_by.id)
        entry.details = {}
    else:
        for name, value in revealing.items():
            setattr(entry, name, value)

    def add() -> None:
        db.session.add(entry)
        sealing.enlist(db.session(), entry)

    unit_of_work.write(add)  # at once, or after the page of an audited read
    return entry


def _is_sealed(scenario) -> bool:
    from portal.permissions import is_sealed

    if scenario.id is None:
        raise ValueError("sealed_by must be a stored scenario")
    return is_sealed(scenario)


@dataclass(frozen=True)
class Revealed:
    """A record's readable fields: as stored, or opened from its envelope."""

    actor_id: int | None
    object_id: int | None
    details: dict
    ip: str | None
    user_agent: str | None


def reveal(entry: AuditRecord) -> Revealed:
    """The record's readable fields; for a sealed record the caller must first have decided its seal has lifted
    (EnvelopeError when it cannot be opened with the configured key)."""
    if entry.sealed is None:
        return Revealed(entry.actor_id, entry.object_id, entry.details or {}, entry.ip, entry.user_agent)
    fields = envelope.open_sealed(entry.sealed, action=entry.action, scenario_id=entry.sealed_scenario_id)
    return Revealed(fields.get("actor_id"), fields.get("object_id"), fields.get("details") or {},
                    fields.get("ip"), fields.get("user_agent"))


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _as_stored(details: dict) -> dict:
    # The digest must be over what the JSON column gives back (tuples become lists, keys become strings).
    return json.loads(json.dumps(details, ensure_ascii=False))
