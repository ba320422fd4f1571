"""The password-reset e-mail (queued for the worker by portal/accounts/account_mail.py)."""

from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.accounts.account_mail import compose
from portal.accounts.models import User
from portal.notifications.operations import absolute_link


def build_message(user: User, token: str) -> EmailMessage:
    """The reset e-mail for `user`, carrying the link with `token`."""
    link = absolute_link(url_for("accounts.open_reset_link", token=token))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    return compose(name=user.name, address=user.email, kind="password-reset",
                   subject=_("重置密码 — 幸会·杭州 场景机会平台"),
                   paragraphs=[
                       _("%(name)s，您好：", name=user.name),
                       _("我们收到了为您的账号（%(email)s）重置密码的申请。请在 %(n)d 分钟内打开下面的链接设置新密码，"
                         "链接只能使用一次：", email=user.email, n=minutes),
                       link,
                       _("如果这不是您本人的操作，请忽略本邮件，您的密码不会改变。"),
                   ])
