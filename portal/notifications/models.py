from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.extensions import db
from portal.util.dbtypes import UTCDateTime


class Notification(db.Model):
    """A message in a user's inbox, and the e-mail that carries it."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending → sent | failed; e-mail goes out after the transaction that created the row commits.
    email_status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set for messages that must go out once only (e.g. one deadline reminder per draft and user).
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    user: Mapped[User] = relationship()


class OutboxMessage(db.Model):
    """An e-mail with no inbox entry (a reset link, a registration link), stored in the transaction that made it
    and sent later by the worker (mail.deliver_pending). A secret message's body is dropped once it is sent."""

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200), default="")
    # The whole RFC 5322 message; None once a secret message has been handed to the server (or refused).
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    secret: Mapped[bool] = mapped_column(default=False)
    # pending → sent | failed, as Notification.email_status; "skipped": stored only so that the request did the
    # same work as one that sends (outbox.enqueue), never sent.
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
