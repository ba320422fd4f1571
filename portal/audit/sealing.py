"""Chaining audit records when their transaction commits, and verifying the stored chain.

The lock is taken at commit, not when a record is written: writers queue only for the short step that
reads the chain head and numbers their records, and never while holding it wait for a row another writer
holds. On SQLite the transaction already holds the database's write lock by then (its records were
flushed); on PostgreSQL a transaction-scoped advisory lock orders the writers. The unique `seq` column is the
backstop: a fork would make a commit fail, never leave two records at one place.
"""

from dataclasses import dataclass

from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session

from portal.audit import chain
from portal.audit.models import AuditRecord

PENDING = "audit_pending"
CHAIN_LOCK = int.from_bytes(b"audit", "big")  # the advisory lock id of the chain head on PostgreSQL


def enlist(session: Session, entry: AuditRecord) -> None:
    """Remember a new record so this session's commit chains it (a strong reference: flushed rows may be
    dropped from the identity map)."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    entries = session.info.pop(PENDING, None)
    if not entries:
        return
    entries = [e for e in entries if inspect(e).pending or inspect(e).persistent]  # not rolled back
    if not entries:
        return
    session.flush()  # ids, and on SQLite the write lock
    _lock_chain(session)
    seq, previous = _head(session)
    for entry in sorted(entries, key=lambda e: e.id):
        seq += 1
        entry.seq, entry.prev_digest = seq, previous
        entry.digest = previous = chain.record_digest(entry)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: its records were sealed or rolled back
        session.info.pop(PENDING, None)


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


@dataclass(frozen=True)
class ChainHead:
    count: int
    digest: str
    unsealed: int


def chain_head(session: Session) -> ChainHead:
    """The chain's length and last digest, and how many records lie outside it (cheap: no walk)."""
    unsealed = session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.seq.is_(None)))
    return ChainHead(*_head(session), unsealed)


def _head(session: Session) -> tuple[int, str]:
    head = session.execute(select(AuditRecord.seq, AuditRecord.digest).where(AuditRecord.seq.is_not(None))
                           .order_by(AuditRecord.seq.desc()).limit(1)).first()
    return (head.seq, head.digest) if head else (0, chain.GENESIS)


def verify(session: Session) -> chain.ChainReport:
    """Walk the stored chain in order; report its length and head, or the first record that breaks it."""
    columns = [getattr(AuditRecord, name) for name in (*chain.FIELDS, "digest")]
    rows = session.execute(select(*columns).where(AuditRecord.seq.is_not(None)).order_by(AuditRecord.seq)
                           .execution_options(yield_per=1000))
    try:
        report = chain.walk(rows)
    finally:
        rows.close()  # a walk that stops at a break leaves PostgreSQL's server-side cursor open
    if report.ok:
        stray = session.scalar(select(func.min(AuditRecord.id)).where(AuditRecord.seq.is_(None)))
        if stray is not None:
            return chain.ChainReport(report.count, report.head,
                                     chain.Break(stray, None, "record is not in the chain (no position or digest)"))
    return report
