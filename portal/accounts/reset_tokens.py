"""Password-reset links: signed, expiring, and single-use without a table.

A token carries the user id and a fingerprint of the user's current password hash, signed with the
secret key and timestamped by the portal clock. Setting a password changes the hash, so every link
issued before it (the one just used included) stops working: single use comes from the account's own
state. The fingerprint is an HMAC, so the readable payload discloses nothing about the hash.
"""

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from portal.accounts.models import User
from portal.errors import DomainError
from portal.extensions import db
from portal.util import clock

SALT = "portal.password-reset"
# Real tokens are about 110 characters; anything much longer is not one of ours.
MAX_LENGTH = 300


class ResetLinkInvalid(DomainError):
    status_code = 400


class _ClockSigner(TimestampSigner):
    # Expiry follows the portal's one clock, so it is decided (and tested) like every other time limit.
    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def issue(user: User) -> str:
    """Return a reset token for `user`, valid until it is used, the password changes, or it expires."""
    return _serializer().dumps({"u": user.id, "p": _fingerprint(user)})


def user_for(token: str) -> User:
    """Return the user a still-valid token resets, or refuse with the reason in words."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    if not token or len(token) > MAX_LENGTH:
        raise ResetLinkInvalid(_("重置密码的链接无效，请确认完整复制了邮件中的链接，或重新申请。"))
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as expired:
        raise ResetLinkInvalid(_("重置密码的链接已过期（有效期 %(n)d 分钟），请重新申请。",
                                 n=max_age // 60)) from expired
    except BadData as forged:
        raise ResetLinkInvalid(_("重置密码的链接无效，请确认完整复制了邮件中的链接，或重新申请。")) from forged
    user_id = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or not hmac.compare_digest(str(data.get("p")), _fingerprint(user)):
        raise ResetLinkInvalid(_("该链接已经用过，或密码已在此后修改过，不能再用于重置密码。如需重置，请重新申请。"))
    return user
