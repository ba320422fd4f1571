"""E-mail about the account itself (reset links, registration links): written during the request, sent after
the response.

These go straight through the notifications transport (SMTP, or an .eml file in the outbox) and never into
the inbox table, so their links are not stored anywhere. Sending after the response keeps a slow mail server
from making the answer for one address measurably slower than for another.
"""

import secrets
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial
from urllib.parse import urlsplit

from flask import Flask, after_this_request, current_app
from flask_babel import gettext as _

from portal.notifications import mail
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


def send_after_response(message: EmailMessage) -> None:
    """Hand `message` to the mail transport once the response has been sent."""
    app = current_app._get_current_object()

    @after_this_request
    def _later(response):
        response.call_on_close(partial(_send_quietly, app, message))
        return response


def _send_quietly(app: Flask, message: EmailMessage) -> None:
    try:
        with app.app_context():
            # A random number names the outbox file; inbox messages use their row id there.
            mail.send_now(message, secrets.randbelow(10**8))
    except Exception:
        # The page has already told the person to look for the e-mail; they can ask again.
        app.logger.exception("account e-mail could not be sent")
