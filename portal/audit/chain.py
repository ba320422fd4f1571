"""The audit chain, as pure functions: each record's digest covers its own fields, its place in the chain and
the digest of the record before it, so changing, deleting, inserting or reordering a stored record breaks the
chain at that record.

Digests are over canonical JSON (sorted keys, no whitespace, UTF-8, times in UTC to the microsecond), the same
form as the receipts. Records written before the switch (scheme 1) carry a plain SHA-256, which anyone who can
write the database can recompute for a rewritten chain; records since (scheme 2) carry an HMAC-SHA256 with
AUDIT_KEY, which is never stored in the database. A chain alone cannot show that records were cut off its end,
nor that someone holding the key rewrote it: anchors can. An anchor is the chain's head (position, digest,
time) with an HMAC of its own, written outside the database at least daily (portal/audit/anchors.py); the
chain must contain every anchored head.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
SHA256, HMAC_SHA256 = 1, 2
SCHEMES = (SHA256, HMAC_SHA256)
CURRENT_SCHEME = HMAC_SHA256
# Scheme 1 covers exactly these fields (migration 0006 chained the first records with them).
FIELDS = ("id", "seq", "created_at", "actor_id", "action", "object_type", "object_id", "details", "ip",
          "user_agent", "prev_digest")
# Scheme 2 also covers its own number (a record cannot be relabelled) and the sealed columns.
FIELDS_HMAC = (*FIELDS, "digest_scheme", "sealed_scenario_id", "sealed")


def utc_text(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back the stored UTC time without its zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict, names: Iterable[str] = FIELDS) -> bytes:
    data = {name: fields[name] for name in names}
    data["created_at"] = utc_text(data["created_at"])
    return _json(data)


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def record_digest(row, key: bytes | None = None) -> str:
    """The digest a record (any object with the chain's fields as attributes) must carry under its scheme."""
    scheme = getattr(row, "digest_scheme", SHA256)
    if scheme == SHA256:
        return hashlib.sha256(canonical({name: getattr(row, name) for name in FIELDS})).hexdigest()
    if scheme == HMAC_SHA256:
        if not key:
            raise ValueError("HMAC digests need AUDIT_KEY")
        message = canonical({name: getattr(row, name) for name in FIELDS_HMAC}, FIELDS_HMAC)
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    raise ValueError(f"unknown digest scheme {scheme!r}")


@dataclass(frozen=True)
class Anchor:
    """The chain's head as written outside the database; `switch` is where HMAC digests began (None: not yet)."""

    seq: int
    digest: str
    at: str
    switch: int | None
    mac: str
    source: str = ""  # where it was read from, for messages

    def fields(self) -> dict:
        return {"seq": self.seq, "digest": self.digest, "at": self.at, "hmac_from": self.switch}


def anchor_mac(key: bytes, fields: dict) -> str:
    return hmac.new(key, _json({name: fields[name] for name in ("seq", "digest", "at", "hmac_from")}),
                    hashlib.sha256).hexdigest()


def anchor_is_genuine(anchor: Anchor, key: bytes) -> bool:
    return hmac.compare_digest(anchor_mac(key, anchor.fields()), anchor.mac)


@dataclass(frozen=True)
class Break:
    record_id: int | None  # None when the problem is not one record (a truncated chain, a false anchor)
    seq: int | None
    problem: str


@dataclass(frozen=True)
class ChainReport:
    count: int
    head: str
    broken: Break | None = None
    switch: int | None = None  # the position of the first HMAC digest
    anchors: int = 0  # how many anchors were checked

    @property
    def ok(self) -> bool:
        return self.broken is None


def check_anchors(anchors: list[Anchor], key: bytes) -> Break | None:
    """The first anchor whose own HMAC fails; a wrong AUDIT_KEY fails them all, and is named as the cause."""
    false = [a for a in anchors if not anchor_is_genuine(a, key)]
    if not false:
        return None
    if len(false) == len(anchors):
        return Break(None, None, f"none of the {len(anchors)} anchors verifies with this AUDIT_KEY: it is not the "
                                 f"key the chain was written with (or every anchor was forged)")
    first = false[0]
    return Break(None, first.seq, f"anchor {first.source} fails its HMAC: it was changed or forged")


def walk(rows: Iterable, key: bytes | None = None, anchors: Iterable[Anchor] = ()) -> ChainReport:
    """Check records given in chain order against each other and the anchors; stop at the first break."""
    anchors = sorted(anchors, key=lambda a: a.seq)
    by_seq: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        by_seq.setdefault(anchor.seq, []).append(anchor)
    # Every anchor written after the switch names it; the earliest such claim is the one to hold the chain to.
    anchored_switch = min((a.switch for a in anchors if a.switch is not None), default=None)
    count, previous, switch = 0, GENESIS, None
    for row in rows:
        expected = count + 1
        scheme = getattr(row, "digest_scheme", SHA256)
        problem = None
        if row.seq != expected:
            problem = (f"chain position {row.seq} where {expected} was expected: a record before it was deleted "
                       f"or the records were reordered")
        elif row.prev_digest != previous:
            problem = (f"prev_digest {row.prev_digest} differs from the digest of the record before it "
                       f"({previous}): a record before it was changed, removed or moved")
        elif scheme not in SCHEMES:
            problem = f"unknown digest scheme {scheme!r}"
        elif scheme == SHA256 and switch is not None:
            problem = (f"claims a plain SHA-256 digest after the chain switched to HMAC digests at position "
                       f"{switch}: it was rewritten by someone without AUDIT_KEY")
        elif scheme == SHA256 and anchored_switch is not None and expected >= anchored_switch:
            problem = (f"claims a plain SHA-256 digest where the anchors record HMAC digests from position "
                       f"{anchored_switch} on: it was rewritten by someone without AUDIT_KEY")
        elif scheme == HMAC_SHA256 and switch is None and anchored_switch not in (None, expected):
            problem = (f"HMAC digests begin here, but the anchors record them from position {anchored_switch}: "
                       f"the chain was rewritten")
        elif (recomputed := record_digest(row, key)) != row.digest:
            problem = f"fields differ from the digest: stored {row.digest}, recomputed {recomputed}"
            if scheme == HMAC_SHA256:
                problem += " (HMAC-SHA256 with AUDIT_KEY: the record was changed, or AUDIT_KEY is not its key)"
        elif moved := [a for a in by_seq.get(expected, ()) if a.digest != row.digest]:
            problem = (f"the digest differs from the one anchored at {moved[0].at} ({moved[0].source}): the chain "
                       f"was rewritten at or before this record")
        if problem:
            return ChainReport(count, previous, Break(row.id, row.seq, problem), switch, len(anchors))
        if scheme == HMAC_SHA256 and switch is None:
            switch = expected
        count, previous = expected, row.digest
    beyond = [a for a in anchors if a.seq > count]
    if beyond:
        newest = beyond[-1]
        return ChainReport(count, previous, Break(None, newest.seq, (
            f"TRUNCATED: the chain ends at position {count} but the anchor written at {newest.at} "
            f"({newest.source}) records position {newest.seq}: records were removed (cut off its end, or taken out "
            f"and the rest renumbered)")),
            switch, len(anchors))
    return ChainReport(count, previous, None, switch, len(anchors))
