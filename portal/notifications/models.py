from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
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
