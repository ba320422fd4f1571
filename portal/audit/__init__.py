"""Append-only, tamper-evident audit log: who did what, to which object, when, and from where.

Each record is chained to the one before it when its transaction commits (sealing.py); `flask audit-verify`
walks the chain (chain.py).
"""

import json
from datetime import datetime

from flask import has_request_context, request

from portal.audit import sealing
from portal.audit.models import AuditRecord
from portal.extensions import db
from portal.util import clock

__all__ = ["AuditRecord", "chain_head", "record", "verify"]

verify = sealing.verify


def chain_head() -> sealing.ChainHead:
    """The audit chain's length and last digest, for the admin page (the full check is `flask audit-verify`)."""
    return sealing.chain_head(db.session)


def record(actor, action: str, obj=None, **details) -> AuditRecord:
    """Add an audit record to the caller's transaction (the caller's commit makes it durable and chains it)."""
    entry = AuditRecord(
        created_at=clock.now(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        details=_as_stored({k: _plain(v) for k, v in details.items()}),
    )
    if has_request_context():
        entry.ip = request.remote_addr
        entry.user_agent = (request.user_agent.string or "")[:256]
    db.session.add(entry)
    sealing.enlist(db.session(), entry)
    return entry


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def _as_stored(details: dict) -> dict:
    # The digest must be over what the JSON column gives back (tuples become lists, keys become strings).
    return json.loads(json.dumps(details, ensure_ascii=False))
