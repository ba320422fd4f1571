"""The audit record: who did what, to which object, when, from where — and its place in the chain."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class AuditRecord(db.Model):
    __tablename__ = "audit_records"
    __table_args__ = (Index("ix_audit_records_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(256))
    # Set when the writing transaction commits (portal/audit/sealing.py), so they are empty only inside it.
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_digest: Mapped[str | None] = mapped_column(String(64))
    digest: Mapped[str | None] = mapped_column(String(64))
    # How `digest` is computed (portal/audit/chain.py): 1 = SHA-256, records written before the switch;
    # 2 = HMAC-SHA256 with AUDIT_KEY.
    digest_scheme: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    # A record of a sealed bid (揭榜 before the deadline): the scenario whose seal hides it, and its revealing
    # fields (actor, object id, details, ip, user agent) encrypted (portal/audit/envelope.py); those columns
    # stay empty. The digest covers the ciphertext, so the chain verifies without the key.
    sealed_scenario_id: Mapped[int | None] = mapped_column(index=True)
    sealed: Mapped[str | None] = mapped_column(Text)

    actor = relationship("User", lazy="joined")
