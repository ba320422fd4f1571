"""Scheduled jobs: each due job runs once per time slot across every node. A leaf: it imports no domain.

Domains register their jobs from their own set-up (`register(app, name, run, schedule)`); each node's
`flask worker` calls `run_due()` on every tick, in an app context (`flask run-jobs` does the same by hand).
A job's period is cut into slots (every 10 minutes, every hour, every day at 03:00 Beijing time); the first
node to insert (job, slot start) into `job_runs` — in a transaction of its own, under a unique constraint —
runs it, every other node is refused the insert and skips it. A job runs in one transaction, committed when
it returns and rolled back when it raises; either way the run's row records when it finished and what went
wrong, and the next slot runs the job again.

A node that stops during a run leaves its row without `finished_at`; that slot is not run again (the next
one is). A worker that was down for several slots runs a job once when it comes back, for the current slot.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.jobs.models import JobRun
from portal.util import clock
from portal.web import unit_of_work

log = logging.getLogger(__name__)

EXTENSION = "portal.jobs"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Daily jobs are timed in the portal's time, Asia/Shanghai, which keeps UTC+8 all year.
LOCAL_OFFSET = timedelta(hours=8)
KEEP_RUNS = timedelta(days=90)  # rows of runs older than this are removed by the jobs.prune job


@dataclass(frozen=True)
class Schedule:
    """Slots of length `period`, starting at `offset` past a whole period (UTC)."""

    period: timedelta
    offset: timedelta = timedelta(0)
    text: str = ""

    def slot(self, now: datetime) -> datetime:
        """The start of the slot `now` falls in."""
        since = now - _EPOCH - self.offset
        return _EPOCH + self.offset + (since // self.period) * self.period


def every(*, minutes: int = 0, hours: int = 0) -> Schedule:
    period = timedelta(minutes=minutes, hours=hours)
    if period <= timedelta(0) or timedelta(days=1) % period:
        raise ValueError("a period must divide a day evenly")
    return Schedule(period, text=f"every {period}")


def daily(hour: int) -> Schedule:
    """Once a day, from `hour` o'clock Beijing time."""
    if not 0 <= hour < 24:
        raise ValueError("hour must be 0–23")
    return Schedule(timedelta(days=1), (timedelta(hours=hour) - LOCAL_OFFSET) % timedelta(days=1),
                    text=f"daily at {hour:02d}:00 Beijing time")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    schedule: Schedule


def register(app: Flask, name: str, run: Callable[[], object], schedule: Schedule) -> None:
    """Add a job (called from a domain's set-up). `run` works in the current session and never commits."""
    if not name or len(name) > 80:
        raise ValueError("a job's name is 1–80 characters")
    app.extensions.setdefault(EXTENSION, {})[name] = Job(name, run, schedule)


def registered(app: Flask | None = None) -> list[Job]:
    app = app or current_app
    return sorted(app.extensions.get(EXTENSION, {}).values(), key=lambda job: job.name)


def run_due(now: datetime | None = None) -> list[str]:
    """Run every job whose current slot nobody has claimed yet; return the names of those this call ran
    (whether they succeeded or failed)."""
    now = now or clock.now()
    ran = []
    for job in registered():
        slot = job.schedule.slot(now)
        run_id = _claim(job.name, slot)
        if run_id is None:
            continue
        ran.append(job.name)
        error = _run(job)
        with unit_of_work.separate_unit() as session:
            session.execute(update(JobRun).where(JobRun.id == run_id)
                            .values(finished_at=clock.now(), error=error))
    return ran


def _claim(name: str, slot: datetime) -> int | None:
    """Insert the run's row in a transaction of its own; None when another caller has it already."""
    db.session.rollback()  # start from a clean transaction: the claim must commit alone
    try:
        with unit_of_work.separate_unit() as session:
            run = JobRun(job=name, slot=slot, started_at=clock.now())
            session.add(run)
            session.flush()
            run_id = run.id
    except IntegrityError:
        return None
    return run_id


def _run(job: Job) -> str | None:
    try:
        with unit_of_work.separate_unit():
            job.run()
    except Exception as error:
        log.exception("job %s failed", job.name)
        return f"{type(error).__name__}: {error}"[:2000]
    return None


def prune_runs() -> int:
    """Remove the rows of runs older than KEEP_RUNS; return how many."""
    cutoff = clock.now() - KEEP_RUNS
    return db.session.execute(delete(JobRun).where(JobRun.slot < cutoff)).rowcount


def init_app(app: Flask) -> None:
    from portal.jobs.cli import run_jobs_command

    app.cli.add_command(run_jobs_command)
    register(app, "jobs.prune", prune_runs, daily(4))
