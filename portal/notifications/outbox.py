"""The mail outbox: e-mail with no inbox entry, stored in the caller's transaction for the worker to send.

`enqueue` adds the whole message; mail.deliver_pending sends it once, and drops the body of a secret message
(a reset link, a registration link) as it is handed to the server, keeping who it was for and when.
"""

import email.policy
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import delete, update

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.util import clock

KEEP = timedelta(days=30)  # sent and failed rows are kept this long, for operators asking "did it go out?"


def enqueue(message: EmailMessage, *, kind: str, secret: bool, send: bool = True) -> OutboxMessage:
    """Store `message` in the current transaction; it is sent after that transaction has committed.

    `send=False` stores the row as "skipped", without its body, through the very same statements: for a caller
    that must do the same work whether or not the message goes out (a reset asked for an unknown address).
    """
    to = message["To"]
    recipient = to.addresses[0].addr_spec if getattr(to, "addresses", None) else str(to or "")
    data = message.as_bytes(policy=email.policy.SMTP)
    row = OutboxMessage(created_at=clock.now(), kind=kind[:40], recipient=recipient[:320],
                        subject=str(message["Subject"] or "")[:200], message=data if send else None,
                        secret=secret, status="pending" if send else "skipped", attempts=0)
    db.session.add(row)
    return row


def prune() -> int:
    """Remove sent and failed rows older than KEEP, and any secret body left on a row no longer pending."""
    cutoff = clock.now() - KEEP
    removed = db.session.execute(delete(OutboxMessage).where(OutboxMessage.status != "pending",
                                                             OutboxMessage.created_at < cutoff)).rowcount
    db.session.execute(update(OutboxMessage)
                       .where(OutboxMessage.secret.is_(True), OutboxMessage.status != "pending",
                              OutboxMessage.message.is_not(None))
                       .values(message=None))
    return removed
