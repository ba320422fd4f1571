"""Registration links: what the registrant typed, sealed into the link of a confirmation e-mail.

Nothing is stored until the owner of the address opens the link, so the registration form answers a new
address and a registered one alike ("check your mailbox") and a stranger cannot reserve someone else's
address. The link carries the details and the password's hash, encrypted (portal/accounts/secretbox.py),
so neither the hash nor the phone number can be read from a forwarded e-mail. A link is used once in effect:
after it the address has an account, and a second use is refused.
"""

import json
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _

from portal.accounts import secretbox
from portal.accounts.account_mail import compose
from portal.accounts.models import User
from portal.errors import DomainError
from portal.notifications.operations import absolute_link
from portal.util import clock

PURPOSE = "registration"
# Real links are about 700 characters; anything much longer is not one of ours.
MAX_LENGTH = 2000
# The consent to the privacy notice (time and version) travels with the details and is recorded with the account.
FIELDS = ("org_name", "uscc", "district", "contact_name", "phone", "email", "password_hash", "consented_at",
          "notice_version")


class RegistrationLinkInvalid(DomainError):
    status_code = 400


def seal(details: dict) -> str:
    """The link token for these registration details (every name of FIELDS)."""
    payload = json.dumps({name: details[name] for name in FIELDS}, ensure_ascii=False, separators=(",", ":"))
    return secretbox.encrypt(PURPOSE, payload.encode(), clock.now())


def unseal(token: str) -> dict:
    """The details a still-valid link carries, or a refusal saying why in words."""
    max_age = current_app.config["REGISTRATION_LINK_MAX_AGE"]
    if not token or len(token) > MAX_LENGTH:
        raise RegistrationLinkInvalid(_("注册链接无效，请确认完整复制了邮件中的链接，或重新注册。"))
    try:
        secretbox.decrypt(PURPOSE, token, clock.now())
    except secretbox.InvalidToken as forged:
        raise RegistrationLinkInvalid(_("注册链接无效，请确认完整复制了邮件中的链接，或重新注册。")) from forged
    try:
        raw = secretbox.decrypt(PURPOSE, token, clock.now(), max_age=max_age)
    except secretbox.InvalidToken as expired:
        raise RegistrationLinkInvalid(_("注册链接已过期（有效期 %(n)d 小时），请重新注册。",
                                        n=max_age // 3600)) from expired
    details = json.loads(raw)
    if not isinstance(details, dict) or set(details) != set(FIELDS):
        raise RegistrationLinkInvalid(_("注册链接无效，请确认完整复制了邮件中的链接，或重新注册。"))
    return details


def confirmation_message(details: dict, token: str) -> EmailMessage:
    """To a new address: the link that completes the registration."""
    link = absolute_link(url_for("accounts.confirm_registration", token=token))
    hours = current_app.config["REGISTRATION_LINK_MAX_AGE"] // 3600
    return compose(name=details["contact_name"], address=details["email"], kind="registration",
                   subject=_("完成企业注册 — 幸会·杭州 场景机会平台"),
                   paragraphs=[
                       _("%(name)s，您好：", name=details["contact_name"]),
                       _("您（或他人）用本邮箱为“%(org)s”申请注册平台企业账号。"
                         "请在 %(n)d 小时内打开下面的链接完成注册：", org=details["org_name"], n=hours),
                       link,
                       _("如果这不是您本人的操作，请忽略本邮件，不会创建任何账号。"),
                   ])


def already_registered_message(user: User, details: dict) -> EmailMessage:
    """To an address that already has an account: someone tried to register with it."""
    login = absolute_link(url_for("accounts.login"))
    forgot = absolute_link(url_for("accounts.forgot_password"))
    return compose(name=user.name, address=user.email, kind="registration-existing",
                   subject=_("有人用您的邮箱申请注册 — 幸会·杭州 场景机会平台"),
                   paragraphs=[
                       _("%(name)s，您好：", name=user.name),
                       _("有人刚刚用您的邮箱（%(email)s）申请注册平台企业账号。该邮箱已有账号，因此没有创建新账号。",
                         email=user.email),
                       _("如果是您本人，请直接登录：%(login)s", login=login),
                       _("忘记密码的话，可以在这里重置：%(forgot)s", forgot=forgot),
                       _("如果不是您本人的操作，请忽略本邮件，您的账号不会有任何变化。"),
                   ])
