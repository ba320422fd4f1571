from sqlalchemy import false, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import Organization, OrgKind, User, Verification
from portal.audit import AuditRecord
from portal.extensions import db


def enterprises(status: str | None, page: int, per_page: int):
    stmt = select(Organization).where(Organization.kind == OrgKind.ENTERPRISE).options(selectinload(Organization.users))
    if status in {v.value for v in Verification}:
        stmt = stmt.where(Organization.verification == Verification(status))
    return db.paginate(stmt.order_by(Organization.created_at.desc(), Organization.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def users(page: int, per_page: int, role: str | None = None):
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    return db.paginate(stmt.order_by(User.id.desc()), page=page, per_page=per_page, error_out=False)


def audit_records(page: int, per_page: int, action: str | None = None, object_type: str | None = None):
    stmt = select(AuditRecord)
    if action:
        # No action name is longer than its column, so a longer prefix matches nothing (and never reaches LIKE).
        fits = len(action) <= AuditRecord.action.type.length
        stmt = stmt.where(AuditRecord.action.startswith(action, autoescape=True) if fits else false())
    if object_type:
        stmt = stmt.where(AuditRecord.object_type == object_type)
    return db.paginate(stmt.order_by(AuditRecord.id.desc()), page=page, per_page=per_page, error_out=False)
