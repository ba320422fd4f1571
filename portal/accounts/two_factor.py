"""Two-factor sign-in for staff: TOTP (RFC 6238) with one-time recovery codes (OWASP ASVS 4.0 level 2, V2.7/V2.8).

- A code is accepted for the current 30-second step or one step either side (clocks drift), and never twice:
  the last accepted step is stored and only a later one is taken, by one conditional UPDATE, so two nodes
  racing with the same code cannot both accept it.
- The TOTP secret is stored encrypted (secretbox.py). Recovery codes are stored as HMAC-SHA256 under a key
  derived from SECRET_KEY: they are random (50 bits), so a fast keyed hash is enough and lets a code be found
  by equality; without SECRET_KEY a database copy gives no way to test guesses.
- Admins must use it; departments and reviewers may, and the platform admin can require it per role
  (stored in policy_settings, like the review rules). Requiring it signs out the role's users who have none,
  so they enrol at their next sign-in.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from io import BytesIO

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from portal import audit
from portal.accounts import secretbox
from portal.accounts.models import RecoveryCode, Role, TwoFactor, User
from portal.accounts.operations import revoke_sessions
from portal.errors import Conflict, DomainError, NotReady, PermissionDenied
from portal.extensions import db
from portal.permissions import can_administer, can_use_two_factor
from portal.util import clock

STEP_SECONDS = 30
WINDOW = 1  # steps accepted either side of the current one
DIGITS = 6
ISSUER = "幸会·杭州"
RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper
RECOVERY_LENGTH = 10  # 31**10 ≈ 2**50
PURPOSE = "totp"
# Roles the admin may require it for; admins always need it.
POLICY_NAMES = {Role.GOVERNMENT: "TWO_FACTOR_REQUIRED_GOVERNMENT", Role.REVIEWER: "TWO_FACTOR_REQUIRED_REVIEWER"}
ALWAYS_REQUIRED = frozenset({Role.ADMIN})


class SecondFactorRefused(DomainError):
    status_code = 401


# --- who needs it ------------------------------------------------------------------------------------

def _policy_table():
    # The settings table belongs to the review rules' model module, which a lower domain does not import.
    return db.metadata.tables["policy_settings"]


def required_roles() -> frozenset[Role]:
    """The roles that must sign in with a second factor: admins, and those the admin required it for."""
    table = _policy_table()
    rows = db.session.execute(select(table.c.name, table.c.value).where(table.c.name.in_(POLICY_NAMES.values())))
    chosen = {name for name, value in rows if value}
    return ALWAYS_REQUIRED | {role for role, name in POLICY_NAMES.items() if name in chosen}


def is_required(user: User) -> bool:
    return user.role in required_roles()


def credential(user: User) -> TwoFactor | None:
    return db.session.get(TwoFactor, user.id)


def is_enabled(user: User) -> bool:
    found = credential(user)
    return found is not None and found.is_confirmed


def enabled_among(user_ids: list[int]) -> set[int]:
    """Which of these users have a second factor turned on (one query, for lists of accounts)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(select(TwoFactor.user_id).where(TwoFactor.user_id.in_(user_ids),
                                                                 TwoFactor.confirmed_at.is_not(None))))


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- codes -------------------------------------------------------------------------------------------

def _step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def _secret(row: TwoFactor) -> str:
    return secretbox.decrypt(PURPOSE, row.secret, clock.now()).decode("ascii")


def code_at(secret: str, at: datetime) -> str:
    """The code an authenticator with `secret` shows at `at` (for the demo and the tests)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(_step(at))


def _matching_step(secret: str, code: str) -> int | None:
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = _step(clock.now())
    for step in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_digest(code: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    key = hmac.new(key, b"portal.recovery-code", hashlib.sha256).digest()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _normalize(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _i in range(RECOVERY_LENGTH))
             for _n in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(code), created_at=now)
                       for code in codes)
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def _accept_totp(row: TwoFactor, code: str) -> bool:
    step = _matching_step(_secret(row), code)
    if step is None:
        return False
    # Only a step later than the last one accepted: a code seen once (over a shoulder, in a proxy log) is spent.
    taken = db.session.execute(
        update(TwoFactor).where(TwoFactor.user_id == row.user_id,
                                (TwoFactor.last_step.is_(None)) | (TwoFactor.last_step < step))
        .values(last_step=step).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(row)
    return taken == 1


def _accept_recovery_code(user: User, code: str) -> bool:
    now = clock.now()
    found = db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id,
                                                            RecoveryCode.code_hash == _recovery_digest(code),
                                                            RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    return db.session.execute(update(RecoveryCode).where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
                              .values(used_at=now).execution_options(synchronize_session=False)).rowcount == 1


def verify(user: User, code: str) -> str:
    """Accept a code from the authenticator or an unused recovery code; return "totp" or "recovery".

    A refusal is audited and raises SecondFactorRefused with one message for every kind of wrong code.
    """
    row = credential(user)
    typed = _normalize(code)
    method = None
    if row is not None and row.is_confirmed:
        if typed.isdigit() and len(typed) == DIGITS:
            method = "totp" if _accept_totp(row, typed) else None
        elif len(typed) == RECOVERY_LENGTH:
            method = "recovery" if _accept_recovery_code(user, typed) else None
    if method is None:
        audit.record(user, "two_factor.failed", user)
        raise SecondFactorRefused(_("验证码不正确或已使用过，请输入验证器当前显示的 6 位数字，或一个未用过的恢复码。"))
    if method == "recovery":
        audit.record(user, "two_factor.recovery_used", user, remaining=recovery_codes_left(user))
    return method


# --- enrolment -----------------------------------------------------------------------------------------

def begin_enrolment(user: User) -> str:
    """Give `user` a new, not yet confirmed secret (replacing an unconfirmed one) and return it."""
    if not can_use_two_factor(user):
        raise PermissionDenied(_("您的账号类型不使用两步验证。"))
    row = credential(user)
    if row is not None and row.is_confirmed:
        raise Conflict(_("两步验证已开启。如需更换验证器，请先停用再重新开启。"))
    secret = pyotp.random_base32()
    now = clock.now()
    if row is None:
        row = TwoFactor(user_id=user.id, created_at=now)
        db.session.add(row)
    row.secret = secretbox.encrypt(PURPOSE, secret.encode("ascii"), now)
    row.created_at = now
    db.session.flush()
    return secret


def confirmed_secret(user: User) -> str | None:
    """The secret of a turned-on second factor (for printing the demo accounts), or None."""
    row = credential(user)
    if row is None or not row.is_confirmed:
        return None
    return _secret(row)


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment begun and not yet confirmed, or None."""
    row = credential(user)
    if row is None or row.is_confirmed:
        return None
    try:
        return _secret(row)
    except secretbox.InvalidToken:
        return None  # written under another SECRET_KEY: start again


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=user.email,
                                                                                   issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code, drawn on the server (no script, nothing fetched)."""
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, scale=4, border=2,
                                    title=_("两步验证二维码"), svgclass="qr-code", lineclass=None)
    # segno's own SVG: its only text is the title above, escaped by segno.
    svg = out.getvalue().decode("utf-8").replace("<svg ", '<svg role="img" ', 1)  # named by its <title>
    return Markup(svg)  # noqa: S704  # nosec B704


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Turn the pending secret on once the user shows a code from it; return the new recovery codes."""
    row = credential(user)
    if row is None or row.is_confirmed:
        raise NotReady(_("请先开始设置两步验证。"))
    typed = _normalize(code)
    step = _matching_step(_secret(row), typed) if typed.isdigit() and len(typed) == DIGITS else None
    if step is None:
        audit.record(user, "two_factor.failed", user, enrolling=True)
        raise SecondFactorRefused(_("验证码不正确，请输入验证器当前显示的 6 位数字（并确认手机时间准确）。"))
    now = clock.now()
    row.confirmed_at = now
    row.last_step = step
    codes = _new_recovery_codes(user, now)
    audit.record(user, "two_factor.enable", user)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    """Replace every recovery code after a current code proves the authenticator is at hand."""
    if verify(user, code) != "totp":
        raise NotReady(_("请用验证器上的验证码（而不是恢复码）确认。"))
    codes = _new_recovery_codes(user, clock.now())
    audit.record(user, "two_factor.recovery_codes_regenerated", user)
    db.session.flush()
    return codes


def disable(user: User, code: str) -> None:
    """Turn the second factor off (a current code or a recovery code confirms); refused where it is required."""
    if is_required(user):
        raise NotReady(_("您的账号必须使用两步验证，不能停用。如更换了手机，请联系平台管理员重置。"))
    verify(user, code)
    _remove(user)
    audit.record(user, "two_factor.disable", user)
    db.session.flush()


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))
    db.session.expire_all()


# --- administration -------------------------------------------------------------------------------------

def reset(target: User, actor) -> None:
    """For a lost device: remove the user's authenticator and codes and sign them out everywhere; if the
    second factor is required for them they set it up again at their next sign-in."""
    if actor is not None and not can_administer(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    if credential(target) is None:
        raise NotReady(_("该账号没有设置两步验证。"))
    _remove(target)
    ended = revoke_sessions(target, reason="two_factor_reset")
    audit.record(actor, "two_factor.reset", target, sessions_ended=ended)
    db.session.flush()


def set_required_roles(actor, roles: set[Role]) -> dict[str, list[bool]]:
    """Store for which roles the second factor is required; return the changes as {role: [old, new]}."""
    if not can_administer(actor):
        raise PermissionDenied(_("您无权执行该操作。"))
    unknown = set(roles) - POLICY_NAMES.keys()
    if unknown:
        raise DomainError(_("只能为发布单位和评审专家设置该要求。"))
    before = required_roles()
    changes = {role.value: [role in before, role in roles] for role in POLICY_NAMES
               if (role in before) != (role in roles)}
    if not changes:
        return changes
    table, now = _policy_table(), clock.now()
    for role_value, (_old, new) in changes.items():
        name = POLICY_NAMES[Role(role_value)]
        db.session.execute(delete(table).where(table.c.name == name))
        db.session.execute(table.insert().values(name=name, value=int(new), updated_at=now,
                                                 updated_by_id=getattr(actor, "id", None)))
    # Whoever must now use it and has none signs in again, and is then sent to set it up.
    newly = [Role(value) for value, (_old, new) in changes.items() if new]
    ended = 0
    if newly:
        enabled = select(TwoFactor.user_id).where(TwoFactor.confirmed_at.is_not(None))
        for user in db.session.scalars(select(User).where(User.role.in_(newly), User.id.not_in(enabled))).unique():
            ended += revoke_sessions(user, reason="two_factor_required")
    audit.record(actor, "two_factor.policy", None, changes=changes, sessions_ended=ended)
    db.session.flush()
    return changes
