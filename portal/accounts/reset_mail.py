"""The password-reset e-mail: written during the request, sent after the response.

It goes straight through the notifications transport (SMTP, or an .eml file in the outbox) and never
into the inbox table, so the link is not stored anywhere. Sending after the response keeps a slow mail
server from making "known address" answers measurably slower than "unknown address" ones.
"""

import secrets
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import partial
from urllib.parse import urlsplit

from flask import Flask, after_this_request, current_app, url_for
from flask_babel import gettext as _

from portal.accounts.models import User
from portal.notifications import mail
from portal.notifications.operations import absolute_link
from portal.util import clock


def build_message(user: User, token: str) -> EmailMessage:
    """The reset e-mail for `user`, carrying the link with `token`."""
    config = current_app.config
    link = absolute_link(url_for("accounts.open_reset_link", token=token))
    minutes = config["PASSWORD_RESET_MAX_AGE"] // 60
    message = EmailMessage()
    message["Subject"] = _("重置密码 — 幸会·杭州 场景机会平台")
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.recipient(user)
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(idstring="password-reset",
                                       domain=urlsplit(config["PORTAL_BASE_URL"]).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834
    body = [
        _("%(name)s，您好：", name=user.name),
        _("我们收到了为您的账号（%(email)s）重置密码的申请。请在 %(n)d 分钟内打开下面的链接设置新密码，"
          "链接只能使用一次：", email=user.email, n=minutes),
        link,
        _("如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。"),
        "——\n" + _("幸会·杭州 场景机会平台") + "\n" + _("本邮件由系统自动发送，请勿直接回复。"),
    ]
    message.set_content("\n\n".join(body) + "\n", charset="utf-8")
    return message


def send_after_response(user: User, token: str) -> None:
    """Write the reset e-mail now and hand it to the mail transport once the response has been sent."""
    message = build_message(user, token)
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
        # The page has already said "if the address is registered, we sent it"; the person can ask again.
        app.logger.exception("password-reset e-mail could not be sent")
