"""E-mail: SMTP when MAIL_SERVER is set, otherwise RFC 5322 files in instance/outbox/. Sent by the worker only.

Two kinds of message wait to be sent: inbox messages (Notification rows, e-mailed as well) and messages with no
inbox entry (the mail outbox, outbox.py: reset links, registration links). No web request sends mail: each node's
`flask worker` calls `deliver_pending()` on every tick, and operators can run `flask deliver-mail`. Each message
is claimed (pending → sent) in its own short transaction before it is handed to the server, so two workers never
send it twice and no database lock is held while talking to a mail server. A message the server refuses is
marked failed; when the server cannot be reached at all, the message goes back to pending for the next run.
"""

import contextlib
import email.policy
import os
import smtplib
import ssl
import tempfile
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.notifications.models import Notification, OutboxMessage
from portal.notifications.operations import absolute_link, link_to
from portal.util import clock, controls
from portal.web import unit_of_work


class DeliveryUnavailable(Exception):
    """The mail server (or the outbox folder) cannot take messages now; try again later."""


def deliver_pending(limit: int = 100) -> int:
    """E-mail up to `limit` pending messages, the mail outbox's first, oldest first; return how many went out."""
    sent = 0
    with _transport() as transport:
        try:
            outbox_sent, tried = _deliver_outbox(transport, limit)
            sent += outbox_sent
            if tried < limit:
                sent += _deliver_notifications(transport, limit - tried)
        except DeliveryUnavailable:
            current_app.logger.warning("e-mail delivery unavailable; messages stay pending", exc_info=True)
    return sent


def pending_count() -> int:
    """How many messages wait to be e-mailed (inbox messages and the mail outbox)."""
    count = (db.session.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.email_status == "pending"))
             + db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.status == "pending")))
    db.session.rollback()
    return count


# --- inbox messages ---------------------------------------------------------------------------------

def _deliver_notifications(transport, limit: int) -> int:
    ids = db.session.scalars(select(Notification.id).where(Notification.email_status == "pending")
                             .order_by(Notification.id).limit(limit)).all()
    db.session.rollback()  # hold no transaction between messages
    sent = 0
    for ident in ids:
        notification = db.session.get(Notification, ident)
        if notification is None or notification.email_status != "pending":
            db.session.rollback()
            continue
        try:
            message = build_message(notification)
        except (ValueError, TypeError):
            current_app.logger.exception("notification %s: cannot build its e-mail", ident)
            _set_status(ident, "failed")
            continue
        if not _claim(ident):
            continue
        try:
            transport.send(message, f"{ident:08d}")
        except DeliveryUnavailable:
            _set_status(ident, "pending")
            raise
        except Exception:
            current_app.logger.exception("notification %s: e-mail refused", ident)
            _set_status(ident, "failed")
        else:
            sent += 1
    return sent


def _claim(ident: int) -> bool:
    with unit_of_work.separate_unit() as session:
        claimed = session.execute(update(Notification)
                                  .where(Notification.id == ident, Notification.email_status == "pending")
                                  .values(email_status="sent", emailed_at=clock.now())).rowcount
    return claimed == 1


def _set_status(ident: int, status: str) -> None:
    with unit_of_work.separate_unit() as session:
        session.execute(update(Notification).where(Notification.id == ident)
                        .values(email_status=status, emailed_at=None))


# --- the mail outbox --------------------------------------------------------------------------------

def _deliver_outbox(transport, limit: int) -> tuple[int, int]:
    """Send up to `limit` pending outbox rows; return how many went out and how many were tried."""
    ids = db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")
                             .order_by(OutboxMessage.id).limit(limit)).all()
    db.session.rollback()
    sent = 0
    for ident in ids:
        row = db.session.get(OutboxMessage, ident)
        if row is None or row.status != "pending":
            db.session.rollback()
            continue
        data, secret = row.message, row.secret
        db.session.rollback()
        try:
            message = email.message_from_bytes(data or b"", policy=email.policy.default)
            if not data or not message["To"]:
                raise ValueError("no message stored")
        except (ValueError, TypeError, LookupError):
            current_app.logger.exception("mail outbox %s: cannot read its message", ident)
            _set_outbox_status(ident, "failed", data=None if secret else data)
            continue
        if not _claim_outbox(ident, secret):
            continue
        try:
            transport.send(message, f"mail-{ident:08d}")
        except DeliveryUnavailable:
            _set_outbox_status(ident, "pending", data=data)  # the body comes back until it is really sent
            raise
        except Exception:
            current_app.logger.exception("mail outbox %s: e-mail refused", ident)
            _set_outbox_status(ident, "failed", data=None if secret else data)
        else:
            sent += 1
    return sent, len(ids)


def _claim_outbox(ident: int, secret: bool) -> bool:
    # A secret body leaves the database as the message is claimed: from then on only this process holds it.
    values = {"status": "sent", "sent_at": clock.now(), "attempts": OutboxMessage.attempts + 1}
    if secret:
        values["message"] = None
    with unit_of_work.separate_unit() as session:
        claimed = session.execute(update(OutboxMessage)
                                  .where(OutboxMessage.id == ident, OutboxMessage.status == "pending")
                                  .values(**values)).rowcount
    return claimed == 1


def _set_outbox_status(ident: int, status: str, *, data: bytes | None) -> None:
    with unit_of_work.separate_unit() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == ident)
                        .values(status=status, sent_at=None, message=data))


def build_message(notification: Notification) -> EmailMessage:
    """The e-mail for one inbox message: plain UTF-8 text with the absolute link."""
    config = current_app.config
    user = notification.user
    message = EmailMessage()
    # A header is one line: a CR or LF from a stored title or name would end it (the email package refuses
    # such a value, and the message would never be sent), so each becomes a space here.
    message["Subject"] = controls.clean_line(notification.title or "")
    message["From"] = config["MAIL_FROM"]
    message["To"] = recipient(user)
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = make_msgid(idstring=f"notification.{notification.id}", domain=_mail_domain())
    # RFC 3834: keeps out-of-office replies from answering a robot.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(controls.clean_text(_text(notification)), charset="utf-8")
    return message


def recipient(user) -> Address:
    """The To address of a user, its display name on one line (a CR or LF there would end the header)."""
    return Address(display_name=controls.clean_line(user.name or ""), addr_spec=controls.clean_line(user.email))


def _text(notification: Notification) -> str:
    parts = [_("%(name)s，您好：", name=notification.user.name), notification.body or notification.title]
    link = absolute_link(notification.link)
    if link:
        parts.append(_("查看详情：%(url)s", url=link))
    inbox = absolute_link(link_to("notifications.inbox"))
    parts.append("——\n" + _("幸会·杭州 场景机会平台") + "\n"
                 + _("本邮件由系统自动发送，请勿直接回复。全部消息可登录平台后在“消息”中查看：%(url)s", url=inbox))
    return "\n\n".join(parts) + "\n"


def _mail_domain() -> str:
    return urlsplit(current_app.config["PORTAL_BASE_URL"]).hostname or "localhost"


@contextlib.contextmanager
def _transport():
    config = current_app.config
    transport = _Smtp(config) if config.get("MAIL_SERVER") else _Outbox(Path(config["MAIL_OUTBOX"]))
    try:
        yield transport
    finally:
        transport.close()


class _Outbox:
    """Development and tests: each message becomes an .eml file a mail client can open."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage, name: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = message.as_bytes(policy=email.policy.SMTP)
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".writing-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(temp, self.folder / f"{clock.now():%Y%m%d-%H%M%S}-{name}.eml")
            except OSError:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise DeliveryUnavailable(str(error)) from error

    def close(self) -> None:
        pass


class _Smtp:
    """One connection per run, opened at the first message."""

    def __init__(self, config):
        self.config = config
        self.connection = None

    def _connect(self):
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if config.get("MAIL_USE_SSL"):
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                connection.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        return connection

    def send(self, message: EmailMessage, name: str) -> None:
        try:
            if self.connection is None:
                self.connection = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryUnavailable(str(error)) from error
        try:
            self.connection.send_message(message)
        except smtplib.SMTPServerDisconnected as error:
            self.connection = None
            raise DeliveryUnavailable(str(error)) from error
        except smtplib.SMTPException:
            raise  # the server refused this message (recipient, sender, data): it is marked failed
        except OSError as error:  # timeouts and broken connections (SMTPException is an OSError too)
            self.connection = None
            raise DeliveryUnavailable(str(error)) from error

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
            self.connection = None
