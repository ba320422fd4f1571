"""E-mail about the account itself (reset links, registration links): stored in the request's transaction in
the mail outbox (portal/notifications/outbox.py), sent by the worker.

They never go into the inbox table. A message carrying a link that acts for its owner is stored as secret:
its body is dropped as it is sent, so the link is kept nowhere afterwards. No request talks to a mail server,
so a slow one never makes the answer for one address measurably slower than for another.
"""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from portal.notifications import outbox
from portal.util import clock, controls


def compose(*, name: str, address: str, subject: str, paragraphs: list[str], kind: str) -> EmailMessage:
    """A plain-text message to one person, signed by the platform."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = controls.clean_line(subject)
    message["From"] = config["MAIL_FROM"]
    message["To"] = Address(display_name=controls.clean_line(name or ""), addr_spec=controls.clean_line(address))
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(idstring=kind,
                                       domain=urlsplit(config["PORTAL_BASE_URL"]).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834
    body = [*paragraphs, "——\n" + _("幸会·杭州 场景机会平台") + "\n" + _("本邮件由系统自动发送，请勿直接回复。")]
    message.set_content("\n\n".join(body) + "\n", charset="utf-8")
    return message


def queue(message: EmailMessage, *, kind: str, secret: bool, send: bool = True) -> None:
    """Store `message` for the worker to send once the request's transaction has committed; with `send=False`,
    do the same work and store a row that is never sent."""
    outbox.enqueue(message, kind=kind, secret=secret, send=send)
