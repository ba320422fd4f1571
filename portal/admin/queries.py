from dataclasses import dataclass

from flask import current_app
from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.accounts.models import Organization, OrgKind, User, Verification
from portal.audit import AuditRecord
from portal.audit.envelope import EnvelopeError
from portal.extensions import db
from portal.permissions import is_sealed
from portal.web.paging import Page


def enterprises(status: str | None, page: int, per_page: int):
    stmt = select(Organization).where(Organization.kind == OrgKind.ENTERPRISE).options(selectinload(Organization.users))
    if status in {v.value for v in Verification}:
        stmt = stmt.where(Organization.verification == Verification(status))
    return Page.of_select(stmt.order_by(Organization.created_at.desc(), Organization.id.desc()), page, per_page)


def users(page: int, per_page: int, role: str | None = None):
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    return Page.of_select(stmt.order_by(User.id.desc()), page, per_page)


def audit_records(page: int, per_page: int, action: str | None = None, object_type: str | None = None,
                  actor: str | None = None):
    stmt = select(AuditRecord)
    if actor:
        # Only who a record shows: a sealed record matches by its hidden actor once its seal has lifted, never before.
        user = db.session.scalar(select(User).where(func.lower(User.email) == actor.strip().lower()))
        if user is None:
            stmt = stmt.where(false())
        else:
            stmt = stmt.where(or_(AuditRecord.actor_id == user.id, AuditRecord.id.in_(_opened_records_of(user.id))))
    if action:
        # No action name is longer than its column, so a longer prefix matches nothing (and never reaches LIKE).
        fits = len(action) <= AuditRecord.action.type.length
        stmt = stmt.where(AuditRecord.action.startswith(action, autoescape=True) if fits else false())
    if object_type:
        stmt = stmt.where(AuditRecord.object_type == object_type)
    return Page.of_select(stmt.order_by(AuditRecord.id.desc()), page, per_page)


@dataclass(frozen=True)
class AuditRow:
    """An audit record as the admin may read it: `sealed` while its scenario's seal holds (nothing revealing is
    given), `unreadable` when its envelope cannot be opened with the configured key."""

    record: AuditRecord
    sealed: bool = False
    unreadable: bool = False
    actor: User | None = None
    object_id: int | None = None
    details: dict | None = None
    ip: str | None = None


def audit_rows(records) -> list[AuditRow]:
    """The page's records, each opened only when `is_sealed` says its scenario's seal has lifted."""
    from portal.scenarios.models import Scenario

    scenario_ids = {r.sealed_scenario_id for r in records if r.sealed is not None}
    scenarios = {s.id: s for s in db.session.scalars(select(Scenario).where(Scenario.id.in_(scenario_ids)))}
    opened = {}
    for record in records:
        scenario = scenarios.get(record.sealed_scenario_id)
        # A scenario that is gone keeps its bids' records sealed.
        if record.sealed is None or scenario is None or is_sealed(scenario):
            continue
        try:
            opened[record.id] = audit.reveal(record)
        except EnvelopeError:
            current_app.logger.warning("audit record %s: sealed with another key", record.id)
    actor_ids = {o.actor_id for o in opened.values() if o.actor_id is not None}
    actors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
    rows = []
    for record in records:
        if record.sealed is None:
            rows.append(AuditRow(record, actor=record.actor, object_id=record.object_id, details=record.details,
                                 ip=record.ip))
        elif record.id in opened:
            fields = opened[record.id]
            rows.append(AuditRow(record, actor=actors.get(fields.actor_id), object_id=fields.object_id,
                                 details=fields.details, ip=fields.ip))
        else:
            scenario = scenarios.get(record.sealed_scenario_id)
            still_sealed = scenario is None or is_sealed(scenario)
            rows.append(AuditRow(record, sealed=still_sealed, unreadable=not still_sealed))
    return rows


def _opened_records_of(user_id: int) -> list[int]:
    """Ids of the sealed-bid records by this user whose scenario is no longer sealed (opened to check)."""
    from portal.scenarios.models import Scenario

    scenario_ids = select(AuditRecord.sealed_scenario_id).where(AuditRecord.sealed.is_not(None)).distinct()
    opened = [s.id for s in db.session.scalars(select(Scenario).where(Scenario.id.in_(scenario_ids)))
              if not is_sealed(s)]
    if not opened:
        return []
    found = []
    for record in db.session.scalars(select(AuditRecord).where(AuditRecord.sealed_scenario_id.in_(opened),
                                                              AuditRecord.sealed.is_not(None))):
        try:
            if audit.reveal(record).actor_id == user_id:
                found.append(record.id)
        except EnvelopeError:
            continue
    return found
