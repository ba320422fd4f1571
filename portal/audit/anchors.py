"""Anchors: the audit chain's head kept outside the database, so a rewritten or shortened chain is found.

Whoever can write the database can delete the newest records, and whoever also has AUDIT_KEY can rewrite the
whole chain consistently; neither can change what was written elsewhere before. An anchor (position, digest,
time, where HMAC digests began, and an HMAC over them) is appended to a file of the day in AUDIT_ANCHOR_DIR and
e-mailed to every platform admin. `flask audit-anchor` writes one (daily, from cron or the node's worker);
committing an audit record writes one too when the newest is older than AUDIT_ANCHOR_MAX_AGE_HOURS — a check
that costs nothing but a clock comparison once this process has seen a recent anchor. An anchor that cannot be
written never fails the request that committed the records: it is logged and tried again an hour later.
"""

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import chain
from portal.audit.keys import chain_key
from portal.util import clock

SUFFIX = ".jsonl"
RETRY_AFTER = timedelta(hours=1)
# Per process and anchor folder: the newest anchor seen, and the last failure to write one.
_newest_seen: dict[str, datetime] = {}
_failed_at: dict[str, datetime] = {}


def anchor_folder() -> Path:
    return Path(current_app.config["AUDIT_ANCHOR_DIR"])


@dataclass
class Found:
    anchors: list[chain.Anchor] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "file:line" of lines that are not anchors


def read_anchors(folder: Path) -> Found:
    """Every anchor in the folder, oldest file first."""
    found = Found()
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            source = f"{path.name}:{number}"
            try:
                data = json.loads(line)
                switch = data["hmac_from"]
                found.anchors.append(chain.Anchor(
                    seq=int(data["seq"]), digest=str(data["digest"]), at=str(data["at"]),
                    switch=None if switch is None else int(switch), mac=str(data["hmac"]), source=source))
            except (ValueError, KeyError, TypeError):
                found.unreadable.append(source)
    return found


def newest_anchor_time(folder: Path) -> datetime | None:
    """The time of the newest anchor in the folder (reads only the newest file)."""
    files = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    for path in reversed(files):
        for line in reversed(path.read_text(encoding="utf-8").splitlines()):
            try:
                return datetime.strptime(json.loads(line)["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            except (ValueError, KeyError, TypeError):
                continue
    return None


def write_anchor(folder: Path, seq: int, digest: str, switch: int | None) -> chain.Anchor:
    """Append the anchor of this head to the file of the day (UTC), synced to disk before it returns."""
    at = clock.now().astimezone(UTC)
    fields = {"seq": seq, "digest": digest, "at": chain.utc_text(at), "hmac_from": switch}
    mac = chain.anchor_mac(chain_key(), fields)
    line = json.dumps({**fields, "hmac": mac}, sort_keys=True, separators=(",", ":")) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{at:%Y-%m-%d}{SUFFIX}"
    # One write of a short line with O_APPEND: concurrent writers (several workers) never interleave.
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(handle, line.encode("utf-8"))
        os.fsync(handle)
    finally:
        os.close(handle)
    _newest_seen[str(folder)] = at
    return chain.Anchor(seq, digest, fields["at"], switch, mac, f"{path.name}")


def anchor_head(session: Session) -> chain.Anchor:
    """Anchor the chain's current head: the file, and an e-mail to each platform admin (in `session`'s
    transaction: the caller commits)."""
    from portal.audit import sealing

    seq, digest = sealing.head(session)
    anchor = write_anchor(anchor_folder(), seq, digest, sealing.first_hmac_position(session))
    tell_admins(session, anchor)
    return anchor


def tell_admins(session: Session, anchor: chain.Anchor) -> int:
    """Put the anchor in every active admin's inbox; its e-mail is a copy no database change can reach."""
    from portal.accounts.models import Role, User
    from portal.notifications.models import Notification

    admins = session.scalars(select(User).where(User.role == Role.ADMIN, User.active.is_(True))).all()
    line = json.dumps({**anchor.fields(), "hmac": anchor.mac}, sort_keys=True, separators=(",", ":"))
    title = _("审计日志锚点：第 %(seq)d 条记录", seq=anchor.seq)
    body = _("审计链在 %(at)s（UTC）的链头：第 %(seq)d 条记录，摘要 %(digest)s。请保留本邮件："
             "若审计日志被改写或删去末尾的记录，flask audit-verify 会据锚点发现。锚点原文（可放回锚点目录）："
             "\n%(line)s", at=anchor.at, seq=anchor.seq, digest=anchor.digest, line=line)
    now = clock.now()
    for admin in admins:
        session.add(Notification(user_id=admin.id, kind="audit_anchor", title=title[:200], body=body,
                                 link="/admin/audit", created_at=now, email_status="pending"))
    return len(admins)


def anchor_is_due(folder: Path) -> bool:
    """Whether the newest anchor is older than AUDIT_ANCHOR_MAX_AGE_HOURS (or there is none)."""
    now, key = clock.now(), str(folder)
    max_age = timedelta(hours=current_app.config["AUDIT_ANCHOR_MAX_AGE_HOURS"])
    seen = _newest_seen.get(key)
    if seen is not None and now - seen < max_age:
        return False
    failed = _failed_at.get(key)
    if failed is not None and now - failed < RETRY_AFTER:
        return False
    newest = newest_anchor_time(folder)  # another process may have written one
    if newest is not None:
        _newest_seen[key] = newest
    return newest is None or now - newest >= max_age


def anchor_if_due(seq: int, digest: str) -> None:
    """After a commit that chained records up to (seq, digest): anchor that head if the newest anchor is old."""
    app = current_app._get_current_object()
    if not app.config.get("AUDIT_ANCHOR_AUTO", True):
        return
    folder = anchor_folder()
    try:
        if not anchor_is_due(folder):
            return
        from portal.audit import sealing
        from portal.extensions import db
        from portal.web import unit_of_work

        # A session of its own: the committing one can no longer run statements from its after_commit hook.
        with Session(db.engine) as session, unit_of_work.separate_unit(session):
            switch = sealing.first_hmac_position(session)
            anchor = write_anchor(folder, seq, digest, switch)
            tell_admins(session, anchor)
    except Exception:
        # The records are committed; the user's request must not fail for want of an anchor.
        _failed_at[str(folder)] = clock.now()
        app.logger.exception("audit anchor not written (next try in an hour): %s", folder)
