"""Accounts: registration, sign-in, verification and administration."""

import functools
import secrets
from datetime import datetime
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.accounts import account_mail, privacy, registration, reset_mail, reset_tokens
from portal.accounts.models import Organization, OrgKind, Role, User, UserSession, Verification
from portal.accounts.passwords import password_problem
from portal.accounts.session import token_digest
from portal.errors import Conflict, DomainError, NotReady, PermissionDenied
from portal.extensions import db
from portal.permissions import can_administer
from portal.util import clock
from portal.util.uscc import normalize_uscc

ROLE_ORG_KIND = {
    Role.ENTERPRISE: OrgKind.ENTERPRISE,
    Role.GOVERNMENT: OrgKind.GOVERNMENT,
    Role.REVIEWER: OrgKind.INSTITUTION,
    Role.ADMIN: OrgKind.INSTITUTION,
}


class LoginRefused(DomainError):
    status_code = 401


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def find_org_by_uscc(uscc: str) -> Organization | None:
    return db.session.scalar(select(Organization).where(Organization.uscc == uscc))


def _check_email_free(email: str) -> None:
    if find_user_by_email(email) is not None:
        raise Conflict(_("该邮箱已注册，请直接登录或更换邮箱。"))


def _check_password(password: str, email: str) -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise NotReady(problem)


def _check_new_account(email: str, password: str) -> None:
    _check_email_free(email)
    _check_password(password, email)


def _check_code_free(code: str) -> Organization | None:
    """The listed organization this code would claim (or None for a new one); refused when already taken.

    Whether a company has an account is not private (its code is on public lists); whether an e-mail
    address has one is, so only the code is checked before the e-mail's owner confirms.
    """
    listed = find_org_by_uscc(code)
    if listed is not None and (listed.kind != OrgKind.ENTERPRISE or _has_users(listed)):
        raise Conflict(_("该统一社会信用代码已注册。如需为本单位增加账号，请联系平台管理员。"))
    return listed


def request_registration(*, org_name: str, uscc: str, district: str, contact_name: str, phone: str,
                         email: str, password: str, privacy_consent: bool = False) -> tuple[EmailMessage, bool]:
    """Check a registration, queue the e-mail that answers it, and return it and whether it goes to a new address.

    A new address gets a link that creates the account; an address that has an account gets a note that
    someone tried to register with it. Both paths hash the password, seal a link, build a message and
    write one audit record, so neither the page nor its timing tells them apart.
    """
    # 个人信息保护法 第十四条: the registrant's informed, explicit consent, before anything is processed.
    if privacy_consent is not True:
        refusal = NotReady(_("请阅读并同意《个人信息保护说明》后再注册。"))
        refusal.field = "privacy_consent"
        raise refusal
    code = normalize_uscc(uscc)
    email = normalize_email(email)
    _check_code_free(code)
    _check_password(password, email)
    details = {"org_name": org_name.strip(), "uscc": code, "district": district, "contact_name": contact_name.strip(),
               "phone": phone.strip(), "email": email, "password_hash": generate_password_hash(password),
               "consented_at": clock.now().isoformat(), "notice_version": privacy.NOTICE_VERSION}
    user = find_user_by_email(email)
    token = registration.seal(details)
    if user is None:
        message = registration.confirmation_message(details, token)
    else:
        message = registration.already_registered_message(user, details)
    audit.record(None, "registration.request", user, email=email, uscc=code, existing=user is not None)
    # The link of a new address creates the account: a secret, dropped once sent.
    account_mail.queue(message, kind="registration" if user is None else "registration-existing",
                       secret=user is None)
    return message, user is None


def complete_registration(token: str) -> User:
    """Create the account a registration link describes (claiming a listed enterprise, as the form would)."""
    details = registration.unseal(token)
    if find_user_by_email(details["email"]) is not None:
        raise Conflict(_("该邮箱已完成注册，请直接登录。"))
    consented_at, version = datetime.fromisoformat(details.pop("consented_at")), details.pop("notice_version")
    user = _register(**details)
    privacy.record_consent(user, consented_at=consented_at, version=version)
    return user


def register_enterprise(*, org_name: str, uscc: str, district: str, contact_name: str, phone: str,
                        email: str, password: str) -> User:
    """Register an enterprise and its first user; the organization waits for an admin's verification."""
    email = normalize_email(email)
    _check_new_account(email, password)
    return _register(org_name=org_name, uscc=uscc, district=district, contact_name=contact_name, phone=phone,
                     email=email, password_hash=generate_password_hash(password))


def _register(*, org_name: str, uscc: str, district: str, contact_name: str, phone: str, email: str,
              password_hash: str) -> User:
    code = normalize_uscc(uscc)
    email = normalize_email(email)
    listed = _check_code_free(code)
    if listed is not None:
        return _claim_listed_enterprise(listed, email=email, password_hash=password_hash, contact_name=contact_name,
                                        phone=phone, org_name=org_name, district=district)
    _check_email_free(email)
    now = clock.now()
    org = Organization(name=org_name.strip(), uscc=code, kind=OrgKind.ENTERPRISE, district=district,
                       contact_name=contact_name.strip(), contact_phone=phone.strip(),
                       verification=Verification.PENDING, created_at=now)
    user = User(email=email, name=contact_name.strip(), phone=phone.strip(), role=Role.ENTERPRISE,
                organization=org, created_at=now, password_hash=password_hash)
    db.session.add_all([org, user])
    db.session.flush()
    audit.record(user, "enterprise.register", org, uscc=code)
    return user


def _claim_listed_enterprise(org: Organization, *, email: str, password_hash: str, contact_name: str, phone: str,
                             org_name: str, district: str) -> User:
    # An enterprise listed by an imported 首台（套）list exists without any account. Its first registrant
    # takes it over, but the verification goes back to pending: knowing a public USCC proves nothing,
    # so an admin checks the claimant before it may act for the company.
    _check_email_free(email)
    db.session.refresh(org, with_for_update=True)  # two claimants at once: the second waits, then is refused
    if _has_users(org):
        raise Conflict(_("该统一社会信用代码已注册。如需为本单位增加账号，请联系平台管理员。"))
    now = clock.now()
    previous = org.verification
    org.verification = Verification.PENDING
    org.verified_at = None
    org.rejection_reason = None
    org.contact_name = contact_name.strip()
    org.contact_phone = phone.strip()
    org.district = org.district or district
    user = User(email=email, name=contact_name.strip(), phone=phone.strip(), role=Role.ENTERPRISE,
                organization=org, created_at=now, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    # The name typed at registration is kept for the admin to compare with the listed one.
    audit.record(user, "enterprise.claim", org, uscc=org.uscc, previous=previous, name_given=org_name.strip())
    return user


def _has_users(org: Organization) -> bool:
    return db.session.scalar(select(User.id).where(User.organization_id == org.id).limit(1)) is not None


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the e-mail is unknown, so both failures cost one hash and take as long.
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials, or refuse with a message that does not say which was wrong.

    This is the first step only: the caller signs the user in with start_session(), after a second factor
    where one is needed.
    """
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
    if user is None or not user.check_password(password):
        audit.record(user, "login.failed", user, email=normalize_email(email)[:254])
        raise LoginRefused(_("邮箱或密码不正确。"))
    if not user.active:
        audit.record(user, "login.refused", user, reason="inactive")
        raise LoginRefused(_("该账号已停用，如有疑问请联系平台管理员。"))
    return user


def start_session(user: User, *, remember: bool, ip: str | None = None, user_agent: str | None = None,
                  second_factor: str | None = None, renewal: bool = False) -> UserSession:
    """Record a sign-in of `user` on one device and bind it to `user` (its token goes into the cookies).

    `renewal`: the same person continues on the same device in a new session (after changing the password,
    which is audited itself), so no sign-in is recorded.
    """
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserSession(id=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now, remember=remember,
                      ip=(ip or "")[:45] or None, user_agent=(user_agent or "")[:256] or None)
    db.session.add(row)
    user.current_session, user.session_token = row, token
    if not renewal:
        user.last_login_at = now
        details = {"second_factor": second_factor} if second_factor else {}
        audit.record(user, "login", user, remember=remember, **details)
    db.session.flush()
    return row


def revoke_sessions(user: User, *, reason: str, keep: UserSession | None = None) -> int:
    """End every open sign-in of `user` (but `keep`); return how many were ended."""
    conditions = [UserSession.user_id == user.id, UserSession.revoked_at.is_(None)]
    if keep is not None:
        conditions.append(UserSession.id != keep.id)
    ended = db.session.execute(update(UserSession).where(*conditions)
                               .values(revoked_at=clock.now(), revoked_reason=reason)).rowcount
    return ended


def sign_out(user: User) -> None:
    """End the sign-in `user` was loaded through, on the server: its cookies stop working everywhere."""
    row = user.current_session
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        row.revoked_reason = "logout"
    audit.record(user, "logout", user)
    db.session.flush()


def sign_out_everywhere(user: User) -> int:
    """End every sign-in of `user`, this one included; return how many were ended."""
    ended = revoke_sessions(user, reason="everywhere")
    audit.record(user, "session.revoke_all", user, sessions_ended=ended)
    db.session.flush()
    return ended


def open_sessions(user: User) -> list[UserSession]:
    """The user's sign-ins that still work, the most recently used first."""
    query = (select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
             .order_by(UserSession.last_seen_at.desc()).limit(50))
    return list(db.session.scalars(query).unique())


def change_password(user: User, *, current: str, new: str) -> None:
    """Replace the password; this also ends every sign-in of the user (the caller starts a new one here)."""
    if not user.check_password(current):
        raise NotReady(_("当前密码不正确。"))
    problem = password_problem(new, email=user.email)
    if problem:
        raise NotReady(problem)
    user.set_password(new)
    ended = revoke_sessions(user, reason="password_change")
    audit.record(user, "password.change", user, sessions_ended=ended)
    db.session.flush()


def request_password_reset(email: str) -> tuple[EmailMessage, bool]:
    """Build the reset e-mail for the active account with this e-mail and queue it; return it and whether it was.

    For an unknown (or deactivated) address the same work is done for a stand-in account and the message is
    stored as never to be sent: the caller answers both cases with the same words, after the same queries and
    the same work, so neither the page nor its timing can be used to probe for accounts.
    """
    typed = normalize_email(email)
    user = find_user_by_email(typed)
    known = user is not None and user.active
    target = user if known else User(id=0, email=typed, name="", password_hash=_dummy_hash())
    message = reset_mail.build_message(target, reset_tokens.issue(target))
    audit.record(user if known else None, "password.reset_request", user if known else None, email=typed[:254],
                 known=known)
    account_mail.queue(message, kind="password-reset", secret=True, send=known)
    return message, known


def reset_password(token: str, *, new: str) -> User:
    """Set a new password through a reset link; this voids the link and ends every sign-in of the account."""
    user = reset_tokens.user_for(token)
    problem = password_problem(new, email=user.email)
    if problem:
        raise NotReady(problem)
    user.set_password(new)  # a new hash voids the link
    ended = revoke_sessions(user, reason="password_reset")
    audit.record(user, "password.reset", user, sessions_ended=ended)
    db.session.flush()
    return user


def _require_admin(actor) -> None:
    # `None` is the command line, which only the server's operator can run.
    if actor is not None and not can_administer(actor):
        raise PermissionDenied(_("您无权执行该操作。"))


def verify_enterprise(org: Organization, actor) -> None:
    """Mark a pending (or earlier rejected) enterprise as verified."""
    _require_admin(actor)
    if org.kind != OrgKind.ENTERPRISE:
        raise NotReady(_("只有企业需要认证。"))
    if org.verification == Verification.VERIFIED:
        raise Conflict(_("该企业已认证。"))
    org.verification = Verification.VERIFIED
    org.verified_at = clock.now()
    org.rejection_reason = None
    audit.record(actor, "enterprise.verify", org)
    db.session.flush()


def reject_enterprise(org: Organization, actor, reason: str) -> None:
    """Refuse a pending enterprise's registration with a reason the enterprise will read."""
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise NotReady(_("请填写不予认证的原因。"))
    if org.kind != OrgKind.ENTERPRISE:
        raise NotReady(_("只有企业需要认证。"))
    if org.verification != Verification.PENDING:
        raise Conflict(_("只能对待审核的企业作出不予认证的决定。"))
    org.verification = Verification.REJECTED
    org.rejection_reason = reason
    org.verified_at = None
    audit.record(actor, "enterprise.reject", org, reason=reason)
    db.session.flush()


def create_account(actor, *, email: str, password: str, role: Role, org_name: str, name: str = "",
                   uscc: str | None = None, district: str | None = None) -> User:
    """Create a user (department, reviewer, admin or enterprise) in a new or existing organization."""
    _require_admin(actor)
    email = normalize_email(email)
    _check_new_account(email, password)
    code = normalize_uscc(uscc) if uscc else None
    kind = ROLE_ORG_KIND[role]
    org = find_org_by_uscc(code) if code else None
    if org is not None and org.kind != kind:
        # A reviewer must not silently join a bidder's organization (it decides conflicts of interest).
        raise Conflict(_("该统一社会信用代码属于其他类型的单位。"))
    if org is None:
        org = db.session.scalar(select(Organization).where(Organization.name == org_name.strip(),
                                                           Organization.kind == kind))
    now = clock.now()
    if org is None:
        # Accounts created by an admin are vouched for: their organization needs no separate check.
        org = Organization(name=org_name.strip(), uscc=code, kind=kind, district=district,
                           verification=Verification.VERIFIED, verified_at=now, created_at=now)
        db.session.add(org)
    user = User(email=email, name=name.strip() or org_name.strip(), role=role, organization=org, created_at=now)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, role=role, organization=org.name)
    return user


def set_active(user: User, actor, active: bool) -> None:
    """Deactivate (or reactivate) an account; a deactivated user is signed out at the next request."""
    _require_admin(actor)
    if user.id == getattr(actor, "id", None) and not active:
        raise NotReady(_("不能停用自己的账号。"))
    user.active = active
    details = {} if active else {"sessions_ended": revoke_sessions(user, reason="deactivated")}
    audit.record(actor, "user.activate" if active else "user.deactivate", user, **details)
    db.session.flush()
