"""The one clock of the portal: UTC inside, Asia/Shanghai on screen.

Deadlines are decided by server time only. Tests move the clock with `set_now`/`travel`; a portal
started for the browser suite reads an offset in seconds from the file named by PORTAL_CLOCK_FILE,
so the suite can move time for every worker process at once. It is a test hook only: a production
portal refuses to start while it is set (portal/config.py), since whoever writes that file moves every deadline.
"""

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    if _frozen is not None:
        return _frozen
    real = datetime.now(UTC)
    clock_file = os.environ.get("PORTAL_CLOCK_FILE")
    if clock_file:
        try:
            with open(clock_file, encoding="ascii") as fh:
                return real + timedelta(seconds=float(fh.read().strip() or 0))
        except (OSError, ValueError, OverflowError):  # unreadable, not a number, or beyond any date
            return real
    return real


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or unfreeze it with None."""
    global _frozen
    _frozen = moment.astimezone(UTC) if moment is not None else None


def travel(delta: timedelta) -> datetime:
    """Move a frozen clock (or freeze the real one) by `delta` and return the new time."""
    set_now(now() + delta)
    return now()


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def parse_local(text: str) -> datetime:
    """Read a naive ISO time as Asia/Shanghai wall time and return it in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def local_today():
    return now().astimezone(LOCAL_TZ).date()
