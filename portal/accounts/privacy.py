"""Personal information of the portal's users (个人信息保护法): consent to the privacy notice, a copy of one's own
data, and closing one's account. Each function checks its rule, changes rows, audits and flushes; the request
commits once.

Closing an account ends its use, not the records the law or the audit requires to be kept (第四十七条: deletion
where the retention period the law sets has not ended is replaced by stopping all processing but storage and
protection): submitted proposals and their receipts, reviews, 公示 and objections, and the audit log stay;
the account is deactivated, signed out everywhere and its personal phone number is erased.
"""

from flask_babel import gettext as _
from sqlalchemy import select

from portal import audit
from portal.accounts import operations as account_operations
from portal.accounts.models import ClosureRequest, PrivacyConsent, Role, User, UserSession
from portal.errors import Conflict, NotReady, PermissionDenied
from portal.extensions import db
from portal.util import clock

# The version of templates/accounts/privacy.html people consent to; a new wording gets a new version.
NOTICE_VERSION = "2026-12"
REASON_MAX = 1_000
AUDIT_ROWS_MAX = 1_000


def record_consent(user: User, consented_at=None, version: str = NOTICE_VERSION) -> PrivacyConsent:
    """Record that `user` consented to the notice `version` at `consented_at` (when they ticked the box)."""
    consent = PrivacyConsent(user_id=user.id, notice_version=version, consented_at=consented_at or clock.now())
    db.session.add(consent)
    audit.record(user, "privacy.consent", user, notice_version=version)
    db.session.flush()
    return consent


def latest_consent(user: User) -> PrivacyConsent | None:
    return db.session.scalar(select(PrivacyConsent).where(PrivacyConsent.user_id == user.id)
                             .order_by(PrivacyConsent.consented_at.desc(), PrivacyConsent.id.desc()).limit(1))


def _moment(value):
    return value.isoformat() if value is not None else None


def personal_data(user: User) -> dict:
    """Everything the portal holds about `user` as a person, for their own download (第四十五条); audited."""
    org = user.organization
    sessions = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                                  .order_by(UserSession.created_at)).all()
    consents = db.session.scalars(select(PrivacyConsent).where(PrivacyConsent.user_id == user.id)
                                  .order_by(PrivacyConsent.id)).all()
    closures = db.session.scalars(select(ClosureRequest).where(ClosureRequest.user_id == user.id)
                                  .order_by(ClosureRequest.id)).all()
    actions = db.session.scalars(select(audit.AuditRecord).where(audit.AuditRecord.actor_id == user.id,
                                                                 audit.AuditRecord.sealed.is_(None))
                                 .order_by(audit.AuditRecord.id.desc()).limit(AUDIT_ROWS_MAX)).all()
    data = {
        "exported_at": _moment(clock.now()),
        "notice_version": NOTICE_VERSION,
        "account": {"name": user.name, "email": user.email, "phone": user.phone, "role": user.role.value,
                    "active": user.active, "created_at": _moment(user.created_at),
                    "last_login_at": _moment(user.last_login_at)},
        "organization": {"name": org.name, "uscc": org.uscc, "district": org.district},
        "sign_ins": [{"created_at": _moment(s.created_at), "last_seen_at": _moment(s.last_seen_at), "ip": s.ip,
                      "user_agent": s.user_agent, "ended_at": _moment(s.revoked_at)} for s in sessions],
        "privacy_consents": [{"notice_version": c.notice_version, "consented_at": _moment(c.consented_at)}
                             for c in consents],
        "closure_requests": [{"requested_at": _moment(c.requested_at), "reason": c.reason,
                              "processed_at": _moment(c.processed_at)} for c in closures],
        "recorded_actions": [{"at": _moment(a.created_at), "action": a.action, "ip": a.ip} for a in actions],
    }
    if user.role == Role.ENTERPRISE:
        # The enterprise's contact is this person's (or a colleague's) name and phone: theirs to see.
        data["organization"].update(contact_name=org.contact_name, contact_phone=org.contact_phone)
    audit.record(user, "privacy.export", user)
    db.session.flush()
    return data


def open_closure_request(user: User) -> ClosureRequest | None:
    return db.session.scalar(select(ClosureRequest).where(ClosureRequest.user_id == user.id,
                                                          ClosureRequest.processed_at.is_(None)).limit(1))


def request_closure(user: User, reason: str | None = None) -> ClosureRequest:
    """Ask for one's own account to be closed; an admin processes the request."""
    if not user.is_authenticated or not user.active:
        raise PermissionDenied(_("您无权执行该操作。"))
    if open_closure_request(user) is not None:
        raise Conflict(_("您已提交注销申请，正在等待平台管理员处理。"))
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise NotReady(_("注销原因不超过 %(n)d 字。", n=REASON_MAX))
    request = ClosureRequest(user_id=user.id, reason=reason or None, requested_at=clock.now())
    db.session.add(request)
    db.session.flush()
    audit.record(user, "account.closure_request", request)
    return request


def pending_closures() -> list[ClosureRequest]:
    return list(db.session.scalars(select(ClosureRequest).where(ClosureRequest.processed_at.is_(None))
                                   .order_by(ClosureRequest.requested_at)))


def close_account(request: ClosureRequest, actor) -> ClosureRequest:
    """Close the account of a pending request: deactivate, sign out everywhere, erase the personal phone."""
    if not (actor.is_authenticated and actor.role == Role.ADMIN and actor.active):
        raise PermissionDenied(_("您无权执行该操作。"))
    db.session.refresh(request, with_for_update=True)
    if request.is_processed:
        raise Conflict(_("该注销申请已处理。"))
    user = request.user
    if user.id == actor.id:
        raise NotReady(_("不能注销自己的账号，请由其他平台管理员处理。"))
    now = clock.now()
    user.active = False
    user.phone = None
    ended = account_operations.revoke_sessions(user, reason="closed")
    request.processed_at, request.processed_by_id = now, actor.id
    audit.record(actor, "account.close", user, request=request.id, sessions_ended=ended)
    db.session.flush()
    return request
