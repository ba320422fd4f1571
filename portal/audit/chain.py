"""The audit chain, as pure functions: each record's digest covers its own fields, its place in the chain and
the digest of the record before it, so changing, deleting, inserting or reordering a stored record breaks the
chain at that record.

The digest is SHA-256 over canonical JSON (sorted keys, no whitespace, UTF-8, times in UTC to the
microsecond), the same form as the receipts, so anyone holding an export can recompute it. A chain cannot show
that records were cut off its end; the head (count and last digest) printed by `audit-verify` is what to
keep elsewhere for that.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
FIELDS = ("id", "seq", "created_at", "actor_id", "action", "object_type", "object_id", "details", "ip",
          "user_agent", "prev_digest")


def utc_text(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back the stored UTC time without its zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict) -> bytes:
    data = {name: fields[name] for name in FIELDS}
    data["created_at"] = utc_text(data["created_at"])
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_digest(row) -> str:
    """The digest a record (any object with the chain's fields as attributes) must carry."""
    return hashlib.sha256(canonical({name: getattr(row, name) for name in FIELDS})).hexdigest()


@dataclass(frozen=True)
class Break:
    record_id: int
    seq: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    count: int
    head: str
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def walk(rows: Iterable) -> ChainReport:
    """Check records given in chain order; stop at the first one that does not follow from the one before."""
    count, previous = 0, GENESIS
    for row in rows:
        expected = count + 1
        if row.seq != expected:
            problem = (f"chain position {row.seq} where {expected} was expected: a record before it was deleted "
                       f"or the records were reordered")
        elif row.prev_digest != previous:
            problem = (f"prev_digest {row.prev_digest} differs from the digest of the record before it "
                       f"({previous}): a record before it was changed, removed or moved")
        elif (recomputed := record_digest(row)) != row.digest:
            problem = f"fields differ from the digest: stored {row.digest}, recomputed {recomputed}"
        else:
            count, previous = expected, row.digest
            continue
        return ChainReport(count, previous, Break(row.id, row.seq, problem))
    return ChainReport(count, previous)
