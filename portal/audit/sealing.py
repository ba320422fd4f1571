"""Chaining audit records when their transaction commits, and verifying the stored chain.

The lock is taken at commit, not when a record is written: writers queue only for the short step that
reads the chain head and numbers their records, and never while holding it wait for a row another writer
holds. On SQLite the transaction already holds the database's write lock by then (its records were
flushed); on PostgreSQL a transaction-scoped advisory lock orders the writers. The unique `seq` column is the
backstop: a fork would make a commit fail, never leave two records at one place.

Once the commit has succeeded, the head it made is anchored outside the database when the newest anchor is
older than a day (anchors.py) — never before, so an anchor names only records that exist.
"""

from dataclasses import dataclass

from flask import has_app_context
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.orm import Session

from portal.audit import anchors, chain
from portal.audit.keys import chain_key
from portal.audit.models import AuditRecord

PENDING = "audit_pending"
COMMITTED_HEAD = "audit_committed_head"
CHAIN_LOCK = int.from_bytes(b"audit", "big")  # the advisory lock id of the chain head on PostgreSQL


def enlist(session: Session, entry: AuditRecord) -> None:
    """Remember a new record so this session's commit chains it (a strong reference: flushed rows may be
    dropped from the identity map)."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    # SQLAlchemy fires the commit events when a savepoint is released too; only the real commit seals.
    if session.in_nested_transaction():
        return
    entries = session.info.pop(PENDING, None)
    if not entries:
        return
    entries = [e for e in entries if inspect(e).pending or inspect(e).persistent]  # not rolled back
    if not entries:
        return
    session.flush()  # ids, and on SQLite the write lock
    _lock_chain(session)
    seq, previous = _head(session)
    key = chain_key()
    for entry in sorted(entries, key=lambda e: e.id):
        seq += 1
        entry.seq, entry.prev_digest = seq, previous
        entry.digest = previous = chain.record_digest(entry, key)
    session.info[COMMITTED_HEAD] = (seq, previous)


@event.listens_for(Session, "after_commit")
def _anchor_if_due(session: Session) -> None:
    # Not at a savepoint's release: that head may still be rolled back, and on SQLite the anchor's own
    # session would wait for the write lock this transaction holds.
    if session.in_nested_transaction():
        return
    head = session.info.pop(COMMITTED_HEAD, None)
    if head is not None and has_app_context():
        anchors.anchor_if_due(*head)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: its records were sealed or rolled back
        session.info.pop(PENDING, None)
        session.info.pop(COMMITTED_HEAD, None)


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


def head(session: Session) -> tuple[int, str]:
    """The chain's last position and digest ((0, GENESIS) for an empty chain)."""
    return _head(session)


def first_hmac_position(session: Session) -> int | None:
    """Where the chain switched from SHA-256 to HMAC digests (None while it has no HMAC digest)."""
    return session.scalar(select(AuditRecord.seq).where(AuditRecord.seq.is_not(None),
                                                        AuditRecord.digest_scheme == chain.HMAC_SHA256)
                          .order_by(AuditRecord.seq).limit(1))


def _head(session: Session) -> tuple[int, str]:
    head = session.execute(select(AuditRecord.seq, AuditRecord.digest).where(AuditRecord.seq.is_not(None))
                           .order_by(AuditRecord.seq.desc()).limit(1)).first()
    return (head.seq, head.digest) if head else (0, chain.GENESIS)


def verify(session: Session) -> chain.ChainReport:
    """Walk the stored chain in order and hold it to every anchor; report its length and head, or the first
    break (a changed, removed, inserted or moved record, a false anchor, a chain shorter than an anchor)."""
    key = chain_key()
    found = anchors.read_anchors(anchors.anchor_folder())
    if found.unreadable:
        return chain.ChainReport(0, chain.GENESIS, chain.Break(None, None, (
            f"anchor {found.unreadable[0]} cannot be read: the anchor file was damaged or changed")))
    false_anchor = chain.check_anchors(found.anchors, key)
    if false_anchor:
        return chain.ChainReport(0, chain.GENESIS, false_anchor, None, len(found.anchors))
    columns = [getattr(AuditRecord, name) for name in (*chain.FIELDS_HMAC, "digest")]
    rows = session.execute(select(*columns).where(AuditRecord.seq.is_not(None)).order_by(AuditRecord.seq)
                           .execution_options(yield_per=1000))
    try:
        report = chain.walk(rows, key, found.anchors)
    finally:
        rows.close()  # a walk that stops at a break leaves PostgreSQL's server-side cursor open
    if report.ok:
        stray = session.scalar(select(func.min(AuditRecord.id)).where(AuditRecord.seq.is_(None)))
        if stray is not None:
            return chain.ChainReport(report.count, report.head,
                                     chain.Break(stray, None, "record is not in the chain (no position or digest)"),
                                     report.switch, report.anchors)
    return report
